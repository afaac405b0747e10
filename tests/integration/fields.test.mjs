// Field limits of the client messages (at the limit accepted, past it bad_message), and how
// operations are normalized and logged.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, getText, docId } from "./lib/client.mjs";

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(async () => { await fx?.dispose(); });

const kind = (f) => Object.keys(f)[0];

/** Sends `msg` from a fresh connection; resolves its first answer, what followed, and how it closed. */
async function sendFromNew(doc, msg, peer) {
  const [c, id] = await join(fx.wsUrl, doc);
  c.send(msg);
  const frames = [await c.recv()];
  await c.waitClosed(300).catch(() => null);  // a refused message closes the connection
  frames.push(...c.queue.splice(0).map((f) => f.data));
  const result = { id, frames, closed: c.closed };
  await c.close();
  if (peer) await peer.recvUntil((f) => f.UserInfo?.id === id && f.UserInfo.info === null);
  return result;
}

const AT_LIMIT = {
  "a 64-character language": { SetLanguage: "l".repeat(64) },
  "a 64-code-point name of emoji": { ClientInfo: { name: "🎉".repeat(64), hue: 359 } },
  "hue 0": { ClientInfo: { name: "zero", hue: 0 } },
  "a 64-character client tag": { Edit: { revision: 0, operation: [], client: "c".repeat(64), seq: 0 } },
};
const PAST_LIMIT = {
  "a 65-character language": { SetLanguage: "l".repeat(65) },
  "a 65-code-point name": { ClientInfo: { name: "👨‍👨‍👦‍👦".repeat(9) + "xx", hue: 1 } },
  "hue 360": { ClientInfo: { name: "a", hue: 360 } },
  "hue -1": { ClientInfo: { name: "a", hue: -1 } },
  "a fractional hue": { ClientInfo: { name: "a", hue: 1.5 } },
  "a 65-character client tag": { Edit: { revision: 0, operation: [], client: "c".repeat(65), seq: 1 } },
  "a negative seq": { Edit: { revision: 0, operation: [], client: "c", seq: -1 } },
  "a negative cursor": { CursorData: { cursors: [-1], selections: [] } },
  "a selection that is not a pair": { CursorData: { cursors: [1], selections: [[1, 2, 3]] } },
  "a Signal payload over 16 KiB": { Signal: { to: 0, data: "s".repeat(16 * 1024 + 1) } },
  "a fractional retain": { Edit: { revision: 0, operation: [1.5] } },
  "a retain of 2^31": { Edit: { revision: 0, operation: [2 ** 31] } },
  "a nested array in an operation": { Edit: { revision: 0, operation: [[1]] } },
  "an object in an operation": { Edit: { revision: 0, operation: [{ retain: 1 }] } },
};

for (const [what, msg] of Object.entries(AT_LIMIT)) {
  test(`accepted at the limit: ${what}`, async () => {
    const r = await sendFromNew(docId("at"), msg);
    assert.equal(r.closed, null, JSON.stringify(r.frames));
    assert.ok(r.frames.length >= 1 && r.frames.every((f) => !f.Error), JSON.stringify(r.frames));
  });
}

for (const [what, msg] of Object.entries(PAST_LIMIT)) {
  test(`bad_message past the limit: ${what}; the peer sees only the leave`, async () => {
    const doc = docId("past");
    const [peer] = await join(fx.wsUrl, doc);
    const r = await sendFromNew(doc, msg, peer);
    assert.deepStrictEqual(r.frames.map(kind), ["Error"], JSON.stringify(r.frames));
    assert.equal(r.frames[0].Error.code, "bad_message");
    assert.equal(r.closed?.code, 1007);
    await peer.expectNoFrame(100);
    await peer.close();
  });
}

test("operations are normalized: insert before delete, zeros dropped, neighbours merged", async () => {
  const doc = docId("norm");
  const [a, id] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["xy"] } });
  await a.recv();
  a.send({ Edit: { revision: 1, operation: [1, -1, "abc"] } });
  await a.expect({ History: { start: 1, operations: [{ id, operation: [1, "abc", -1] }] } });
  a.send({ Edit: { revision: 2, operation: [0, 2, 0, 2, "p", "q", 0] } });
  await a.expect({ History: { start: 2, operations: [{ id, operation: [4, "pq"] }] } });
  assert.equal(await getText(fx.url, doc), "xabcpq");
  await a.close();
});

test("a no-op, and an edit that became a no-op, are still logged and acknowledged", async () => {
  const doc = docId("noop");
  const [a, idA] = await join(fx.wsUrl, doc);
  const [b, idB] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: [0] } });
  await a.expect({ History: { start: 0, operations: [{ id: idA, operation: [] }] } });
  a.send({ Edit: { revision: 1, operation: ["abc"] } });
  await a.recv();
  b.send({ Edit: { revision: 2, operation: [1, -1, 1] } });
  a.send({ Edit: { revision: 2, operation: [1, -1, 1] } });  // the same delete, concurrently
  const ops = await a.recvEntries(2, 2);
  assert.deepStrictEqual(ops.map((o) => o.operation), [[1, -1, 1], [2]], "the second delete became a retain");
  assert.deepStrictEqual(new Set(ops.map((o) => o.id)), new Set([idA, idB]));
  assert.equal(await getText(fx.url, doc), "ac");
  await Promise.all([a.close(), b.close()]);
});
