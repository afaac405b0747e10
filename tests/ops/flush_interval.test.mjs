// WS_FLUSH_INTERVAL_MS: a connection holds other users' History entries back for up to that long
// and sends them merged in one frame, while acknowledgements of its own edits go out at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "../integration/lib/server.mjs";
import { join, docId, getText } from "../integration/lib/client.mjs";
import { prometheus, applyOp } from "./lib/ops.mjs";

// Types `ops` one after the other, each sent only once the previous one was acknowledged.
async function typeAcked(writer, ops, from = 0) {
  for (let i = 0; i < ops.length; i++) {
    writer.send({ Edit: { revision: from + i, operation: ops[i] } });
    const [entry] = await writer.recvEntries(from + i, 1, 5000);
    assert.deepEqual(entry.operation, ops[i]);
  }
}

test("a reader gets a burst of acknowledged edits merged into one frame at the maximum interval", async () => {
  const fx = new ServerFixture({ WS_FLUSH_INTERVAL_MS: 1000, WS_HEARTBEAT_INTERVAL_SECONDS: 0 });
  try {
    await fx.start();
    const doc = docId("flush");
    const [reader] = await join(fx.wsUrl, doc);
    const [writer] = await join(fx.wsUrl, doc);
    writer.send({ CursorData: { cursors: [0], selections: [] } });
    // Each edit waits for its acknowledgement: five acks inside one interval prove they were not held.
    const ops = [["👨‍👨‍👦‍👦"], [7, "é"], [8, "𝄞"], [9, "\u200d"], [10, "z"]];
    await typeAcked(writer, ops);
    const frames = [];
    const entries = [];
    while (entries.length < ops.length) {
      const f = await reader.recv(5000);
      frames.push(Object.keys(f)[0] + (f.History ? `@${f.History.start}+${f.History.operations.length}` : ""));
      if (f.History) {
        assert.equal(f.History.start, entries.length, "each frame continues the log");
        entries.push(...f.History.operations);
      }
    }
    assert.equal(frames.filter((k) => k.startsWith("History")).length, 1, `one History frame, got ${frames}`);
    assert.ok(frames[0] === "UserCursor", "frames keep their order");
    assert.deepEqual(entries.map((e) => e.operation), ops, "exactly the operations, in order");
    const text = entries.reduce((t, e) => applyOp(t, e.operation), "");
    assert.equal(text, "👨‍👨‍👦‍👦é𝄞\u200dz");
    assert.equal(text, await getText(fx.url, doc));
    const m = await prometheus(fx.url);
    assert.ok(m.get("kolabpad_history_frames_merged_total") >= ops.length - 1, "the merge is counted");
    await reader.close();
    await writer.close();
  } finally {
    await fx.dispose();
  }
});

test("with WS_FLUSH_INTERVAL_MS=0 every committed edit is written to a reader as soon as it is stored", async () => {
  const fx = new ServerFixture({ WS_FLUSH_INTERVAL_MS: 0, WS_HEARTBEAT_INTERVAL_SECONDS: 0 });
  try {
    await fx.start();
    const doc = docId("flush0");
    const [reader] = await join(fx.wsUrl, doc);
    const [writer] = await join(fx.wsUrl, doc);
    // The reader is not reading on a timer: it sees each entry before the next edit is typed.
    for (let i = 0; i < 4; i++) {
      await typeAcked(writer, [i === 0 ? ["🎉"] : [i, "x"]], i);
      const [entry] = await reader.recvEntries(i, 1, 5000);
      assert.deepEqual(entry.operation, i === 0 ? ["🎉"] : [i, "x"]);
    }
    assert.equal(await getText(fx.url, doc), "🎉xxx");
    await reader.close();
    await writer.close();
  } finally {
    await fx.dispose();
  }
});

test("a server refuses a flush interval past its maximum", async () => {
  const fx = new ServerFixture({ WS_FLUSH_INTERVAL_MS: 1001 });
  try {
    await assert.rejects(fx.start(), /WS_FLUSH_INTERVAL_MS/);
  } finally {
    await fx.dispose();
  }
});
