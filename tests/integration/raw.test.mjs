// Hand-built WebSocket frames and broken HTTP: legal fragmentation works, violations only cost
// the violator its connection, and the server stays up for everyone else.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { ServerFixture } from "./lib/server.mjs";
import { join, httpGet, getText, eventually, docId } from "./lib/client.mjs";
import { rawConnect, rawUpgrade, frame, serverMessages, serverCloseCode } from "./lib/raw_socket.mjs";
import { sleep } from "./lib/typist.mjs";

let fx;
before(async () => { fx = new ServerFixture({ MAX_MESSAGE_SIZE_KB: 1 }); await fx.start(); });
after(async () => { await fx?.dispose(); });

const TEXT = 1, CONT = 0, PING = 9;

test("a message split over continuation frames, with a ping between, is read as one", async () => {
  const doc = docId("frag");
  const conn = await rawUpgrade(fx.server.host, fx.server.port, `/api/socket/${doc}`);
  const msg = JSON.stringify({ Edit: { revision: 0, operation: ["in three 🧩 parts"] } });
  const bytes = Buffer.from(msg, "utf8");
  const cut1 = 10, cut2 = bytes.indexOf(Buffer.from("🧩")) + 2;  // the second cut splits the emoji's bytes
  conn.socket.write(frame(TEXT, bytes.subarray(0, cut1), { fin: false }));
  conn.socket.write(frame(CONT, bytes.subarray(cut1, cut2), { fin: false }));
  conn.socket.write(frame(PING, "are you there"));
  conn.socket.write(frame(CONT, bytes.subarray(cut2)));
  const msgs = await eventually(() => { const m = serverMessages(conn); return m.length >= 2 && m; }, 3000, "History");
  assert.ok(Number.isInteger(msgs[0].Identity));
  assert.deepStrictEqual(msgs[1], { History: { start: 0, operations: [{ id: msgs[0].Identity, operation: ["in three 🧩 parts"] }] } });
  assert.equal(await getText(fx.url, doc), "in three 🧩 parts");
  conn.socket.destroy();
});

test("fragments adding up past MAX_MESSAGE_SIZE_KB are message_too_large", async () => {
  const conn = await rawUpgrade(fx.server.host, fx.server.port, `/api/socket/${docId("fragbig")}`);
  const part = JSON.stringify({ SetLanguage: "x".repeat(1500) });
  conn.socket.write(frame(TEXT, part.slice(0, 500), { fin: false }));
  conn.socket.write(frame(CONT, part.slice(500, 1000), { fin: false }));
  conn.socket.write(frame(CONT, part.slice(1000)));
  assert.equal(await eventually(() => serverCloseCode(conn), 3000, "a close frame"), 1009);
  assert.deepStrictEqual(serverMessages(conn).slice(1).map((m) => m.Error?.code), ["message_too_large"]);
  conn.socket.destroy();
});

const VIOLATIONS = {
  "an unmasked client frame": () => [frame(TEXT, '{"SetLanguage":"c"}', { mask: false })],
  "RSV1 without an extension": () => [frame(TEXT, '{"SetLanguage":"c"}', { rsv: 4 })],
  "a reserved opcode": () => [frame(3, "x")],
  "a control frame of 126 bytes": () => [frame(PING, "p".repeat(126))],
  "a fragmented control frame": () => [frame(PING, "p", { fin: false })],
  "a continuation with nothing to continue": () => [frame(CONT, "x")],
  "a new message inside a fragmented one": () => [frame(TEXT, '{"Set', { fin: false }), frame(TEXT, '{"SetLanguage":"c"}')],
};

for (const [what, frames] of Object.entries(VIOLATIONS)) {
  test(`protocol violation: ${what} closes only that connection`, async () => {
    const doc = docId("viol");
    const [by, idBy] = await join(fx.wsUrl, doc);
    const conn = await rawUpgrade(fx.server.host, fx.server.port, `/api/socket/${doc}`);
    for (const f of frames()) conn.socket.write(f);
    await eventually(() => conn.socket.destroyed || conn.socket.readableEnded || serverCloseCode(conn), 3000, "the violator's connection closed");
    assert.ok(!serverMessages(conn).some((m) => m.Language), "nothing of it was applied");
    by.send({ Edit: { revision: 0, operation: ["fine"] } });
    await by.recvUntil((f) => f.History?.operations[0].id === idBy);
    await by.close();
  });
}

test("a frame whose header claims more than MAX_MESSAGE_SIZE_KB is refused at the header", async () => {
  for (const header of [
    [0x81, 0xfe, 0x07, 0xd0],                       // 2,000 bytes
    [0x81, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0],        // 2^62 bytes
  ]) {
    const conn = await rawUpgrade(fx.server.host, fx.server.port, `/api/socket/${docId("huge")}`);
    conn.socket.write(Buffer.from([...header, 1, 2, 3, 4]));  // the header and mask only, no payload
    assert.equal(await eventually(() => serverCloseCode(conn), 3000, "a close frame"), 1009);
    assert.deepStrictEqual(serverMessages(conn).slice(1).map((m) => m.Error?.code), ["message_too_large"]);
    conn.socket.destroy();
  }
});

/** Sends raw bytes on a fresh TCP connection; resolves what came back before the close (or 2 s). */
async function rawHttp(bytes, { hold = false } = {}) {
  const conn = await rawConnect(fx.server.host, fx.server.port);
  conn.socket.write(bytes);
  if (!hold) await Promise.race([conn.closed, sleep(2000)]);
  return conn;
}

test("broken HTTP gets an error or a close, and the server keeps serving", async () => {
  const held = [];
  for (let i = 0; i < 20; i++)  // slowloris: half-sent requests held open
    held.push(await rawHttp("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ", { hold: true }));
  const cases = [
    crypto.randomBytes(4096),
    "\r\n\r\n\r\n",
    "GET / HTTP/9.9\r\n\r\n",
    "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + "h".repeat(100000) + "\r\n\r\n",
    "GET /" + "u".repeat(20000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /api/text/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    "POST /api/text/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nhello",
    "GET /api/socket/abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\n\r\n",
    "GET /api/socket/abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
    "GET /api/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  ];
  for (const c of cases) {
    const conn = await rawHttp(c);
    const head = conn.received().toString("latin1").split("\r\n")[0];
    assert.ok(head === "" || /^HTTP\/1\.[01] [1-5]\d\d/.test(head), `a reply is HTTP or nothing: ${head.slice(0, 80)}`);
    assert.ok(!/^HTTP\/1\.[01] 101/.test(head), "no upgrade for a broken handshake");
    conn.socket.destroy();
  }
  const pipelined = await rawHttp("GET /api/health HTTP/1.1\r\nHost: x\r\n\r\nGET /api/text/none HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  await eventually(() => (pipelined.received().toString().match(/HTTP\/1\.1 200/g) ?? []).length === 2, 10000,
    "both pipelined requests answered");
  assert.equal((await httpGet(fx.url, "/api/health")).status, 200, "served while slow requests are held open");
  const [c] = await join(fx.wsUrl, docId("after"));
  await c.close();
  for (const h of held) h.socket.destroy();
});
