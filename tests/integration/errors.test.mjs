// Every row of PROTOCOL.md's error table, each with a bystander on the same document who must
// notice nothing but (at most) the bad user leaving.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, connect, socketUrl, upgradeStatus, getText, docId } from "./lib/client.mjs";

let fx, tight;
before(async () => {
  fx = new ServerFixture();
  tight = new ServerFixture({ MAX_MESSAGE_SIZE_KB: 1, RATE_LIMIT_MESSAGES_PER_SECOND: 5, RATE_LIMIT_BURST: 10 });
  await Promise.all([fx.start(), tight.start()]);
});
after(async () => { await Promise.all([fx?.dispose(), tight?.dispose()]); });

/** Asserts the next frame is Error{code, message} and the close code is `close`. */
async function expectError(c, code, close) {
  const f = await c.recv();
  assert.deepStrictEqual(Object.keys(f), ["Error"], `expected an Error frame, got ${JSON.stringify(f)}`);
  assert.equal(f.Error.code, code, JSON.stringify(f));
  assert.equal(typeof f.Error.message, "string");
  assert.equal((await c.waitClosed()).code, close);
}

/**
 * Runs `misbehave(bad)` from a fresh connection on a document where a bystander already edited,
 * then checks the bystander can still edit and saw nothing but the bad user's valid edits
 * (misbehave returns how many it made) and cursors, and the bad user leaving.
 */
async function withBystander(server, misbehave) {
  const doc = docId("err");
  const [by, idBy] = await join(server.wsUrl, doc);
  by.send({ Edit: { revision: 0, operation: ["ok"] } });
  await by.expect({ History: { start: 0, operations: [{ id: idBy, operation: ["ok"] }] } });
  const [bad, idBad] = await join(server.wsUrl, doc);
  await bad.recv();  // History
  const applied = (await misbehave(bad, doc)) ?? 0;
  const allowed = (f) => JSON.stringify(f) === JSON.stringify({ UserInfo: { id: idBad, info: null } }) ||
    f.UserCursor?.id === idBad ||  // valid cursor moves sent before the misbehaviour
    (f.History && f.History.operations.every((e) => e.id === idBad));
  let revision = 1;
  while (revision < 1 + applied) {
    const f = await by.recv();
    assert.ok(allowed(f), `bystander got an unexpected frame: ${JSON.stringify(f).slice(0, 300)}`);
    if (f.History) revision = f.History.start + f.History.operations.length;
  }
  const text = await getText(server.url, doc);
  const len = [...text].length;
  const op = len ? [len, "!"] : ["!"];
  by.send({ Edit: { revision, operation: op } });
  const ack = { History: { start: revision, operations: [{ id: idBy, operation: op }] } };
  for (let f = await by.recv(); JSON.stringify(f) !== JSON.stringify(ack); f = await by.recv())
    assert.ok(allowed(f) && !f.History, `bystander got an unexpected frame: ${JSON.stringify(f).slice(0, 300)}`);
  assert.equal(await getText(server.url, doc), text + "!");
  await by.close();
}

const BAD_MESSAGES = {
  "not JSON": "hello",
  "truncated JSON": '{"Edit":{"revision":0,',
  "an unknown message": '{"Foo":{}}',
  "two message names in one object": '{"SetLanguage":"c","ClientInfo":{"name":"x","hue":1}}',
  "a JSON array": '[{"SetLanguage":"c"}]',
  "a field of the wrong type": '{"Edit":{"revision":"1","operation":[2,"x"]}}',
  "a missing field": '{"Edit":{"operation":[2,"x"]}}',
  "a hue of the wrong type": '{"ClientInfo":{"name":"x","hue":"red"}}',
  "a lone surrogate escape": '{"SetLanguage":"\\ud800"}',
};

for (const [what, frame] of Object.entries(BAD_MESSAGES)) {
  test(`bad_message: ${what} closes 1007 and disturbs nobody`, async () => {
    await withBystander(fx, async (bad) => {
      bad.sendRaw(frame);
      await expectError(bad, "bad_message", 1007);
    });
  });
}

test("bad_message: a binary frame closes 1003 and disturbs nobody", async () => {
  await withBystander(fx, async (bad) => {
    bad.sendRaw(Buffer.from('{"SetLanguage":"c"}'));
    await expectError(bad, "bad_message", 1003);
  });
});

test("bad_message: invalid UTF-8 in a text frame closes 1007 and disturbs nobody", async () => {
  await withBystander(fx, async (bad) => {
    bad.sendRaw(Buffer.from([0x7b, 0x22, 0x53, 0xff, 0xfe, 0x22, 0x7d]), { text: true });
    await expectError(bad, "bad_message", 1007);
  });
});

test("bad_revision: an edit past the log closes 1008 and disturbs nobody", async () => {
  await withBystander(fx, async (bad) => {
    bad.send({ Edit: { revision: 2, operation: [2, "x"] } });
    await expectError(bad, "bad_revision", 1008);
  });
});

test("bad_operation: a base length that does not match closes 1008 and disturbs nobody", async () => {
  await withBystander(fx, async (bad) => {
    bad.send({ Edit: { revision: 1, operation: [3, "x"] } });
    await expectError(bad, "bad_operation", 1008);
  });
});

test("document_too_large: the edit is rejected, the connection stays open, nobody is disturbed", async () => {
  const small = new ServerFixture({ MAX_DOCUMENT_SIZE_KB: 1 });  // 1024 code points
  await small.start();
  try {
    await withBystander(small.server, async (bad) => {
      bad.send({ Edit: { revision: 1, operation: [2, "é".repeat(1022)] } });  // exactly 1024: fits
      const ok = await bad.recv();
      assert.equal(ok.History?.start, 1, JSON.stringify(ok).slice(0, 200));
      bad.send({ Edit: { revision: 2, operation: [1024, "🎉"], client: "c", seq: 1 } });  // 1025
      const rej = await bad.recv();
      assert.equal(rej.Rejected?.code, "document_too_large", JSON.stringify(rej));
      assert.equal(rej.Rejected.seq, 1);
      bad.send({ Edit: { revision: 2, operation: [-1024] } });  // still open
      assert.equal((await bad.recv()).History?.start, 2);
      return 2;
    });
  } finally {
    await small.dispose();
  }
});

test("message_too_large: a frame over MAX_MESSAGE_SIZE_KB closes 1009 and disturbs nobody", async () => {
  await withBystander(tight.server, async (bad) => {
    bad.send({ SetLanguage: "x".repeat(1100) });
    await expectError(bad, "message_too_large", 1009);
  });
});

test("message_too_large: a frame just under the limit is still read", async () => {
  await withBystander(tight.server, async (bad, doc) => {
    const frame = JSON.stringify({ Edit: { revision: 1, operation: [2, "y".repeat(900)] } });
    assert.ok(frame.length < 1024);
    bad.sendRaw(frame);
    assert.equal((await bad.recv()).History?.start, 1);
    assert.equal(await getText(tight.url, doc), "ok" + "y".repeat(900));
    return 1;
  });
});

test("rate_limited: a connection over RATE_LIMIT_* closes 1008 and disturbs nobody", async () => {
  await withBystander(tight.server, async (bad) => {
    for (let i = 0; i < 60; i++) bad.send({ CursorData: { cursors: [i % 3], selections: [] } });
    const err = await bad.recvUntil((f) => !f.UserCursor);
    assert.equal(err.Error?.code, "rate_limited", JSON.stringify(err));
    assert.equal((await bad.waitClosed()).code, 1008);
  });
});

test("rate_limited: a burst within RATE_LIMIT_BURST is served", async () => {
  const doc = docId("burst");
  const [c, id] = await join(tight.wsUrl, doc);
  for (let i = 0; i < 8; i++) c.send({ CursorData: { cursors: [0], selections: [] } });
  for (let i = 0; i < 8; i++) await c.expect({ UserCursor: { id, data: { cursors: [0], selections: [] } } });
  await c.expectNoFrame(100);
  await c.close();
});

test("invalid document ids are answered 400 before the upgrade", async () => {
  for (const id of ["a.b", "x".repeat(65), "sp%20ace", "%C3%A9t%C3%A9", "a%2Fb", "semi;colon"])
    assert.equal(await upgradeStatus(socketUrl(fx.wsUrl, id)), 400, `id ${id}`);
  const ok = await connect(socketUrl(fx.wsUrl, "A-z_09" + "x".repeat(58)));  // 64 characters
  assert.ok(Number.isInteger((await ok.recv()).Identity));
  await ok.close();
});

test("shutting_down: SIGTERM closes every connection with 1001 and exits in bounded time", async () => {
  const s = new ServerFixture({ SHUTDOWN_TIMEOUT_SECONDS: 3 });
  await s.start();
  try {
    const doc = docId("stop");
    const [a, idA] = await join(s.wsUrl, doc);
    const [b] = await join(s.wsUrl, docId("stop2"));
    a.send({ Edit: { revision: 0, operation: ["kept"] } });
    await a.expect({ History: { start: 0, operations: [{ id: idA, operation: ["kept"] }] } });
    const stopping = s.server.stop("SIGTERM", 10000);
    for (const c of [a, b]) {
      const closed = await c.waitClosed(8000);
      assert.equal(closed.code, 1001);
      for (const f of c.queue) assert.equal(f.data.Error?.code, "shutting_down", `only a shutting_down Error may precede the close: ${f.text}`);
    }
    const exit = await stopping;
    assert.ok(!exit.killedAfterTimeout, "the server exited on its own after SIGTERM");
    assert.equal(exit.code, 0);
    assert.ok(exit.ms < 5000, `exited ${exit.ms} ms after SIGTERM (SHUTDOWN_TIMEOUT_SECONDS=3)`);
    await s.start();
    assert.equal(await getText(s.url, doc), "kept");
  } finally {
    await s.dispose();
  }
});

test("shutting_down: the exit stays bounded when a client stops reading", async () => {
  const s = new ServerFixture({ SHUTDOWN_TIMEOUT_SECONDS: 1, WS_WRITE_TIMEOUT_SECONDS: 60 });
  await s.start();
  try {
    const doc = docId("stuck");
    const [writer] = await join(s.wsUrl, doc);
    const [stuck] = await join(s.wsUrl, doc);
    stuck.ws._socket.pause();  // never reads its History nor the close frame
    const chunk = "z".repeat(60000);
    for (let i = 0; i < 40; i++) {
      writer.send({ Edit: { revision: i, operation: i % 2 ? [-60000] : [chunk] } });
      await writer.recvUntil((f) => f.History?.start === i);
    }
    const exit = await s.server.stop("SIGTERM", 10000);
    assert.ok(!exit.killedAfterTimeout, "the server exited on its own");
    assert.ok(exit.ms < 4000, `exited ${exit.ms} ms after SIGTERM (SHUTDOWN_TIMEOUT_SECONDS=1)`);
    stuck.terminate();
    await s.start();
    const [c] = await join(s.wsUrl, doc, { revision: 40 });  // all 40 acknowledged edits kept
    c.send({ Edit: { revision: 40, operation: ["ok"] } });
    await c.expect({ History: { start: 40, operations: [{ id: c.id, operation: ["ok"] }] } });
    await c.close();
  } finally {
    await s.dispose();
  }
});
