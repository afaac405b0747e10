// MAX_MEMORY_MB: over the limit, idle documents are evicted least recently used first; nothing is
// lost (texts reload from SQLite intact) and a document with users stays.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { ServerFixture } from "../integration/lib/server.mjs";
import { join, docId, getText } from "../integration/lib/client.mjs";
import { admin, prometheus, until } from "./lib/ops.mjs";

const TOKEN = "mem-token";

/** ~200 KB of text with astral and ZWJ characters, different per `i`. */
const bigText = (i) => `doc ${i} 👨‍👨‍👦‍👦 🎉 𝄞\n` + `line ${i} of text ✓\n`.repeat(10000);

test("over MAX_MEMORY_MB idle documents are evicted oldest first, reload intact, and a connected one stays", async () => {
  const fx = new ServerFixture({ MAX_MEMORY_MB: 1, MEMORY_CHECK_INTERVAL_SECONDS: 0.05, ADMIN_TOKEN: TOKEN,
    MAX_DOCUMENT_SIZE_KB: 1024 });
  try {
    await fx.start();
    const api = admin(fx.url, TOKEN);
    const base = docId("mem");
    const hot = `${base}-hot`;
    const [h] = await join(fx.wsUrl, hot);
    h.send({ Edit: { revision: 0, operation: [bigText("hot")] } });
    await h.recvEntries(0, 1);
    const idle = [];
    for (let i = 0; i < 5; i++) {
      const id = `${base}-${i}`;
      const [c] = await join(fx.wsUrl, id);
      c.send({ Edit: { revision: 0, operation: [bigText(i)] } });
      await c.recvEntries(0, 1);
      await c.close();
      // Gone idle (or already evicted) before the next one, so that "least recently used" is this order.
      await until(async () => { const r = await api.get(`/api/rooms/${id}`); return r.status === 404 || r.json.users === 0; },
        5000, `${id} idle`);
      idle.push(id);
    }
    // Each document accounts for well over a third of the limit, so every idle one must go.
    await until(async () => (await api.get("/api/rooms")).json.rooms.length === 1, 15000, "idle documents evicted");
    const rooms = (await api.get("/api/rooms")).json.rooms;
    assert.deepEqual(rooms.map((r) => r.id), [hot], "the connected document stays");
    const m = await prometheus(fx.url);
    assert.equal(m.get('kolabpad_evictions_total{reason="memory"}'), 5);
    assert.ok(m.get("kolabpad_documents_memory_bytes") > 0);

    // Least recently used first: the evictions follow the order in which the documents went idle.
    const evicted = (await api.get("/api/events?limit=1000")).json.events
      .filter((e) => e.kind === "evict" && e.detail === "memory").map((e) => e.document);
    assert.deepEqual(evicted, idle);

    for (let i = 0; i < 5; i++) assert.equal(await getText(fx.url, idle[i]), bigText(i), `${idle[i]} reloads intact`);
    // Reconnecting loads it again, with its whole History.
    const [back] = await join(fx.wsUrl, idle[2]);
    const entries = await back.recvEntries(0, 1);
    assert.deepEqual(entries[0].operation, [bigText(2)]);
    await back.close();

    // The connected document never left: its client is still open and edits as usual.
    h.send({ Edit: { revision: 1, operation: [Array.from(bigText("hot")).length, "!"] } });
    await h.recvEntries(1, 1);
    assert.equal(h.closed, null);
    assert.equal(await getText(fx.url, hot), bigText("hot") + "!");
    await h.close();
  } finally {
    await fx.dispose();
  }
});

test("with MAX_MEMORY_MB=0 nothing is evicted for memory", async () => {
  const fx = new ServerFixture({ ADMIN_TOKEN: TOKEN, MEMORY_CHECK_INTERVAL_SECONDS: 0.05, MAX_MEMORY_MB: 0 });
  try {
    await fx.start();
    const api = admin(fx.url, TOKEN);
    for (let i = 0; i < 3; i++) {
      const [c] = await join(fx.wsUrl, docId("nolimit"));
      c.send({ Edit: { revision: 0, operation: [bigText(i)] } });
      await c.recvEntries(0, 1);
      await c.close();
    }
    // Another request round-trips through the server after many check intervals would have passed.
    for (let i = 0; i < 5; i++) await api.get("/api/rooms");
    assert.equal((await api.get("/api/rooms")).json.rooms.length, 3);
    assert.equal((await prometheus(fx.url)).get("kolabpad_memory_limit_bytes"), 0);
  } finally {
    await fx.dispose();
  }
});

test("unset, MAX_MEMORY_MB is derived from the machine and logged at start", async () => {
  const fx = new ServerFixture({ ADMIN_TOKEN: TOKEN });
  try {
    await fx.start();
    const limit = (await prometheus(fx.url)).get("kolabpad_memory_limit_bytes");
    assert.ok(limit >= 64 * 1024 * 1024, `limit ${limit}`);
    const logged = /memory limit.*max_memory_mb=(\d+).*source="?([^"\n]*)/.exec(fx.server.log);
    assert.ok(logged, fx.server.log);
    assert.equal(Number(logged[1]) * 1024 * 1024, limit);
    assert.match(logged[2], /a quarter of the (physical memory|cgroup memory limit)/);
  } finally {
    await fx.dispose();
  }
});

test("LOG_RETENTION_MB bounds the kept log: large inserts and deletes keep memory small and the file at the log plus its keyframes; old revisions resume by Snapshot", async () => {
  const fx = new ServerFixture({ ADMIN_TOKEN: TOKEN, LOG_RETENTION_MB: 1 });
  try {
    await fx.start();
    const api = admin(fx.url, TOKEN);
    const doc = docId("retain-bytes");
    const [c] = await join(fx.wsUrl, doc);
    const big = "0123456789abcdef".repeat(12800);  // 200 KB
    let revision = 0;
    let peak = 0;
    for (let i = 0; i < 30; i++) {
      for (const operation of [[big], [-big.length]]) {
        c.send({ Edit: { revision, operation } });
        await c.recvEntries(revision, 1, 10000);
        revision++;
      }
      peak = Math.max(peak, (await api.get(`/api/rooms/${doc}`)).json.memory_bytes);
    }
    // 30 inserts of 200 KB are 6 MB of log, 12 MB accounted in memory without the bound.
    assert.ok(peak < 4 * 1024 * 1024, `document memory peaked at ${peak} bytes`);
    const [late] = await join(fx.wsUrl, doc, { revision: 1 });
    const first = await late.recv();
    assert.ok(first.Snapshot && first.Snapshot.revision > 1, `resume from revision 1 starts with a Snapshot: ${JSON.stringify(first).slice(0, 80)}`);
    const entries = await late.recvEntries(first.Snapshot.revision, revision - first.Snapshot.revision);
    assert.equal(entries.length, revision - first.Snapshot.revision);
    await Promise.all([c.close(), late.close()]);
    await fx.server.stop("SIGTERM");  // checkpoints the WAL into the file
    const size = statSync(fx.dbPath).size;
    // The stored log is kept whole for the history (HISTORY_RETENTION_DAYS bounds it, docs/history.md):
    // 6 MB of inserts, and a keyframe of at most the 200 KB text after each of them. More than that
    // would be the file growing with something else (the in-memory bound is checked above).
    assert.ok(size < 14 * 1024 * 1024, `the database file holds ${size} bytes`);
  } finally {
    await fx.dispose();
  }
});
