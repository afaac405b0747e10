// Signal relays an opaque payload to one user of the same document, and to nobody else.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, docId } from "./lib/client.mjs";

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(async () => { await fx?.dispose(); });

test("a Signal reaches its addressee only, tagged with the sender", async () => {
  const doc = docId("signal");
  const [a, idA] = await join(fx.wsUrl, doc);
  const [b, idB] = await join(fx.wsUrl, doc);
  const [c] = await join(fx.wsUrl, doc);
  const [elsewhere] = await join(fx.wsUrl, docId("signal-other"));
  const data = { type: "offer", sdp: "v=0\r\no=- 🎥 1 IN IP4 127.0.0.1", n: [1, 2.5, null, true] };
  a.send({ Signal: { to: idB, data } });
  await b.expect({ Signal: { from: idA, data } });
  b.send({ Signal: { to: idA, data: "answer" } });
  await a.expect({ Signal: { from: idB, data: "answer" } });
  await Promise.all([a.expectNoFrame(200), c.expectNoFrame(0), elsewhere.expectNoFrame(0)]);
  await Promise.all([a, b, c, elsewhere].map((x) => x.close()));
});

test("a Signal of 16 KiB is relayed; a Signal to nobody goes nowhere", async () => {
  const doc = docId("signal2");
  const [a, idA] = await join(fx.wsUrl, doc);
  const [b, idB] = await join(fx.wsUrl, doc);
  const big = "s".repeat(16 * 1024 - 2);  // JSON string of exactly 16 KiB with its quotes
  a.send({ Signal: { to: idB, data: big } });
  await b.expect({ Signal: { from: idA, data: big } });
  a.send({ Signal: { to: 999999, data: 1 } });
  await b.expectNoFrame(300);
  a.send({ Signal: { to: idB, data: 2 } });  // the sender is still connected
  await b.expect({ Signal: { from: idA, data: 2 } });
  await Promise.all([a, b].map((x) => x.close()));
});
