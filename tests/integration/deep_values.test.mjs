// Values nested 100,000 deep in every field of every client message, while two typists keep editing
// the same document: each such frame only costs its sender the connection (Error bad_message, 1007).
// Before the depth bound, one of them (an Edit.operation or a Signal.data) overflowed the server's
// stack and dropped every connection of every document.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, httpGet, getText, eventually, docId } from "./lib/client.mjs";
import { Typist, tokensOf, onlyTokens, allAcknowledged, convergedText } from "./lib/typist.mjs";

const DEPTH = 100000;
const deepArrays = "[".repeat(DEPTH) + "]".repeat(DEPTH);
const deepObjects = '{"a":'.repeat(DEPTH) + "0" + "}".repeat(DEPTH);

// Every field of every message kind; VALUE is where the deep value goes.
const FIELDS = {
  "Edit.revision": '{"Edit":{"revision":VALUE,"operation":[]}}',
  "Edit.operation": '{"Edit":{"revision":0,"operation":VALUE}}',
  "an element of Edit.operation": '{"Edit":{"revision":0,"operation":[1,VALUE]}}',
  "Edit.client": '{"Edit":{"revision":0,"operation":[],"client":VALUE,"seq":1}}',
  "Edit.seq": '{"Edit":{"revision":0,"operation":[],"client":"c","seq":VALUE}}',
  "an unknown field of Edit": '{"Edit":{"revision":0,"operation":[],"extra":VALUE}}',
  "Edit itself": '{"Edit":VALUE}',
  "SetLanguage": '{"SetLanguage":VALUE}',
  "ClientInfo.name": '{"ClientInfo":{"name":VALUE,"hue":1}}',
  "ClientInfo.hue": '{"ClientInfo":{"name":"a","hue":VALUE}}',
  "ClientInfo itself": '{"ClientInfo":VALUE}',
  "CursorData.cursors": '{"CursorData":{"cursors":VALUE,"selections":[]}}',
  "CursorData.selections": '{"CursorData":{"cursors":[],"selections":VALUE}}',
  "a pair of CursorData.selections": '{"CursorData":{"cursors":[],"selections":[[1,VALUE]]}}',
  "CursorData itself": '{"CursorData":VALUE}',
  "SetOTP": '{"SetOTP":VALUE}',
  "Signal.to": '{"Signal":{"to":VALUE,"data":0}}',
  "Signal.data": '{"Signal":{"to":0,"data":VALUE}}',
  "Signal itself": '{"Signal":VALUE}',
  "an unknown message": '{"Unknown":VALUE}',
};

test("a value nested 100,000 deep in any field of any message costs only its sender the connection", async (t) => {
  const fx = new ServerFixture();
  await fx.start();
  const doc = docId("deep");
  const typists = [
    new Typist({ name: "A", doc, getBase: () => fx.wsUrl, seed: 31 }).start(),
    new Typist({ name: "B", doc, getBase: () => fx.wsUrl, seed: 32 }).start(),
  ];
  let typing = true;
  try {
    const typed = Promise.all(typists.map((ty) => ty.typeWhile(() => typing)));
    let attacks = 0;
    for (const [field, frame] of Object.entries(FIELDS)) {
      for (const [shape, value] of [["arrays", deepArrays], ["objects", deepObjects]]) {
        const what = `${field} as ${DEPTH} nested ${shape}`;
        const ackedBefore = typists.map((ty) => ty.acked.size);
        const [bad] = await join(fx.wsUrl, doc);
        bad.sendRaw(frame.replace("VALUE", value));
        const err = await bad.recvUntil((f) => f.Error, 5000);
        assert.equal(err.Error.code, "bad_message", `${what}: ${JSON.stringify(err)}`);
        assert.match(err.Error.message, /nested deeper than \d+ levels/, what);
        assert.equal((await bad.waitClosed()).code, 1007, what);
        attacks++;
        assert.equal(fx.server.proc.exitCode, null, `the server is still running after ${what}`);
        const health = await httpGet(fx.url, "/api/health");
        assert.equal(health.status, 200, `health after ${what}: ${health.body}`);
        // Both typists keep being acknowledged on their one connection.
        await eventually(() => typists.every((ty, i) => ty.acked.size > ackedBefore[i]), 10000,
          `both typists acknowledged after ${what}`);
      }
    }
    typing = false;
    await typed;
    t.diagnostic(`${attacks} deep frames; ${typists.map((ty) => `${ty.name} typed ${ty.typed.length}`).join(", ")}`);
    await allAcknowledged(typists, 15000);
    const text = await convergedText(typists, fx.url, doc);
    for (const ty of typists) {
      assert.deepStrictEqual(ty.violations, [], `${ty.name} saw protocol violations`);
      assert.equal(ty.connects, 1, `${ty.name} was never disconnected`);
    }
    assert.ok(onlyTokens(text), "nothing but the typists' tokens is in the text");
    assert.deepStrictEqual([...tokensOf(text)].sort(), typists.flatMap((ty) => ty.typed).sort(), "every typed token once");
    assert.equal(await getText(fx.url, doc), text, "the text is unchanged after the typists stopped");
  } finally {
    typing = false;
    await Promise.all(typists.map((ty) => ty.stop()));
    await fx.dispose();
  }
});
