// After a burst the server returns to normal by itself: a backlog of edits and of frames to slow
// readers is worked off (merged History frames, group commits), every queue empties, and a lone
// edit afterwards is acknowledged as promptly as before the burst.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "../integration/lib/server.mjs";
import { connect, socketUrl, join, docId } from "../integration/lib/client.mjs";
import { Typist, allAcknowledged, convergedText, sleep } from "../integration/lib/typist.mjs";
import { metricsJson, until } from "./lib/ops.mjs";

/** Round trip of one edit on its own document: send to acknowledgement, in ms. */
async function probe(fx, c, revision) {
  const started = performance.now();
  c.send({ Edit: { revision, operation: revision ? [revision, "p"] : ["p"] } });
  await c.recvUntil((f) => f.History?.start === revision, 10000);
  return performance.now() - started;
}

test("after a burst of typists and readers that do not keep up, queues drain and latency is normal again", async () => {
  const fx = new ServerFixture({ WS_HEARTBEAT_INTERVAL_SECONDS: 0 });
  await fx.start();
  try {
    const [lone] = await join(fx.wsUrl, docId("probe"));
    let rev = 0;
    const before = [];
    for (let i = 0; i < 10; i++) before.push(await probe(fx, lone, rev++));

    const doc = docId("burst");
    // Readers that stop reading during the burst: the server must queue for them (merging their
    // History backlog) without slowing the others, then catch them up.
    const readers = await Promise.all(Array.from({ length: 40 }, () => connect(socketUrl(fx.wsUrl, doc))));
    for (const r of readers) r.ws._socket.pause();
    const typists = Array.from({ length: 24 }, (_, i) => new Typist({ name: `b${i}`, doc, getBase: () => fx.wsUrl, seed: i + 1 }).start());
    await until(() => typists.every((t) => t.ready), 10000, "typists connected");
    let typing = true;
    // Flat out: each typist types a token every turn of the event loop for 2 s (its ot.js client
    // buffers what is typed while an edit is in flight, as browsers do).
    const typed = Promise.all(typists.map(async (t) => { while (typing) { t.typeOne(); await new Promise((r) => setImmediate(r)); } }));
    await sleep(2000);
    typing = false;
    await typed;
    for (const r of readers) r.ws._socket.resume();

    await allAcknowledged(typists, 60000);
    const text = await convergedText(typists, fx.url, doc, 30000);
    const m = await until(async () => {
      const j = await metricsJson(fx.url);
      return j.send_queue_bytes === 0 && j.storage_pending_writes === 0 && j;
    }, 30000, "send queues and storage drained");
    assert.equal(m.slow_consumers, 0, "no reader was dropped for its send queue");
    // Every reader caught up to the same log, in few frames.
    const entries = typists.reduce((n, t) => n + t.seq, 0);
    for (const r of readers) {
      let held = 0;
      let frames = 0;
      while (held < entries) {
        const f = await r.recv(20000);
        if (!f.History) continue;
        frames++;
        assert.equal(f.History.start, held, "each History frame continues the log");
        held += f.History.operations.length;
      }
      assert.ok(frames < entries, `a reader that fell behind gets merged frames (${frames} frames for ${entries} entries)`);
    }
    assert.ok(text.length > 0);

    const after = [];
    for (let i = 0; i < 10; i++) after.push(await probe(fx, lone, rev++));
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    // Generous: the point is that nothing stays behind, not a latency figure (that is bench/'s job).
    assert.ok(median(after) < Math.max(50, 5 * median(before)),
      `lone edits after the burst: median ${median(after).toFixed(1)} ms, before ${median(before).toFixed(1)} ms`);
    await Promise.all([...typists.map((t) => t.stop()), ...readers.map((r) => r.close()), lone.close()]);
  } finally {
    await fx.dispose();
  }
});
