// STORAGE_MAX_PENDING_WRITES: past it, connections pause reading until storage catches up; nothing
// is dropped and every edit is acknowledged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture, runServerToExit } from "../integration/lib/server.mjs";
import { join, docId, getText } from "../integration/lib/client.mjs";
import { prometheus, applyOp } from "./lib/ops.mjs";

test("writers pushing past STORAGE_MAX_PENDING_WRITES are paused, not dropped, and converge", async () => {
  const fx = new ServerFixture({ STORAGE_MAX_PENDING_WRITES: 0 });
  try {
    await fx.start();
    const doc = docId("bp");
    const clients = [];
    for (let k = 0; k < 3; k++) clients.push((await join(fx.wsUrl, doc))[0]);
    const per = 150;
    // Every edit is made against revision 0 and sent at once: the server transforms them all.
    for (let i = 0; i < per; i++) clients.forEach((c, k) => c.send({ Edit: { revision: 0, operation: ["abc"[k]], client: `w${k}`, seq: i + 1 } }));
    const views = [];
    for (const c of clients) {
      const entries = await c.recvEntries(0, 3 * per, 30000);
      views.push(entries.reduce((t, e) => applyOp(t, e.operation), ""));
    }
    const text = await getText(fx.url, doc);
    assert.equal(Array.from(text).length, 3 * per);
    for (const v of views) assert.equal(v, text);
    for (const ch of "abc") assert.equal(text.split(ch).length - 1, per);
    const m = await prometheus(fx.url);
    assert.ok(m.get("kolabpad_backpressure_pauses_total") > 0, "the limit was pushed past");
    assert.equal(m.get("kolabpad_storage_max_pending_writes"), 0);
    for (const c of clients) { assert.equal(c.closed, null); await c.close(); }
  } finally {
    await fx.dispose();
  }
});

test("STORAGE_MAX_PENDING_WRITES and the other operations settings are validated at start", async () => {
  for (const [name, value] of [["STORAGE_MAX_PENDING_WRITES", "-1"], ["STORAGE_MAX_PENDING_WRITES", "lots"],
    ["MEMORY_CHECK_INTERVAL_SECONDS", "0"], ["EVENT_LOG_SIZE", "0"], ["SIMULATE_MAX_USERS", "x"],
    ["SIMULATE_MAX_RATE", "0"], ["MAX_MEMORY_MB", "1.5"]]) {
    const r = await runServerToExit({ [name]: value, SQLITE_URI: ":memory:" });
    assert.equal(r.code, 2, `${name}=${value}: ${r.output}`);
    assert.match(r.output, new RegExp(`invalid configuration: ${name}:`));
  }
});
