// A slow reader's backlog of History frames is merged: it receives fewer, larger frames carrying
// exactly the right operations, in order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "../integration/lib/server.mjs";
import { join, docId, getText } from "../integration/lib/client.mjs";
import { prometheus, applyOp } from "./lib/ops.mjs";

test("a slow reader gets its History backlog merged into fewer frames with the right operations", async () => {
  const fx = new ServerFixture({ WS_SEND_QUEUE_LIMIT_KB: 1 << 20, MAX_DOCUMENT_SIZE_KB: 2048, MAX_MESSAGE_SIZE_KB: 2048,
    WS_HEARTBEAT_INTERVAL_SECONDS: 0 });
  try {
    await fx.start();
    const doc = docId("slow");
    const [reader] = await join(fx.wsUrl, doc);
    const [writer] = await join(fx.wsUrl, doc);
    reader.ws._socket.pause();  // stops reading: the kernel buffers fill, then the server queues
    const big = "x".repeat(1000000);
    let revision = 0;
    const sent = [];
    const edit = async (op) => {
      writer.send({ Edit: { revision, operation: op } });
      await writer.recvEntries(revision, 1, 30000);
      sent.push(op);
      revision++;
    };
    // Fill the reader's socket buffers until the server itself holds unsent bytes for it.
    for (let i = 0; i < 200; i++) {
      await edit(i % 2 === 0 ? [big] : [-1000000]);
      if ((await prometheus(fx.url)).get("kolabpad_send_queue_bytes") > 1000000) break;
    }
    assert.ok((await prometheus(fx.url)).get("kolabpad_send_queue_bytes") > 1000000, "the reader fell behind");
    if (revision % 2 === 1) await edit([-1000000]);
    const before = revision;
    const small = 60;
    for (let i = 0; i < small; i++) await edit(i === 0 ? ["👨‍👨‍👦‍👦"] : [i + 6, i % 2 ? "é" : "🎉"]);

    reader.ws._socket.resume();
    let frames = 0;
    let smallFrames = 0;  // frames holding any of the small edits
    const entries = [];
    while (entries.length < revision) {
      const f = await reader.recv(30000);
      if (!f.History) continue;
      assert.equal(f.History.start, entries.length, "each frame continues the log");
      frames++;
      entries.push(...f.History.operations);
      if (entries.length > before) smallFrames++;
    }
    assert.equal(entries.length, revision);
    assert.deepEqual(entries.map((e) => e.operation), sent, "exactly the operations, in order");
    assert.ok(frames < revision, `${frames} frames for ${revision} entries`);
    assert.ok(smallFrames < small / 2, `the ${small} queued small edits came in ${smallFrames} frames`);
    const text = entries.reduce((t, e) => applyOp(t, e.operation), "");
    assert.equal(text, await getText(fx.url, doc));
    const m = await prometheus(fx.url);
    assert.ok(m.get("kolabpad_history_frames_merged_total") >= small / 2, "merges are counted");
    await reader.close();
    await writer.close();
  } finally {
    await fx.dispose();
  }
});
