// A document's life: evicted when idle past EXPIRY_DAYS and back intact; never while in use;
// edits against history that was compacted away are refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, httpGet, getText, eventually, docId } from "./lib/client.mjs";
import { sleep } from "./lib/typist.mjs";

const FAST_EXPIRY = { EXPIRY_DAYS: 0.00001, CLEANUP_INTERVAL_HOURS: 0.0001 };  // 0.86 s idle, sweep every 0.36 s
const inMemory = async (fx) => JSON.parse((await httpGet(fx.url, "/api/stats")).body).num_documents;

test("an idle document is evicted after EXPIRY_DAYS and comes back with its text, revision and language", async () => {
  const fx = new ServerFixture(FAST_EXPIRY);
  await fx.start();
  try {
    const doc = docId("evict");
    const [a] = await join(fx.wsUrl, doc);
    a.send({ Edit: { revision: 0, operation: ["🦀 crab"] } });
    a.send({ Edit: { revision: 1, operation: [6, "s"] } });
    a.send({ SetLanguage: "rust" });
    await a.recvEntries(0, 2);
    await a.close();
    await eventually(async () => (await inMemory(fx)) === 0, 8000, "the idle document evicted");
    assert.equal(await getText(fx.url, doc), "🦀 crabs");
    const [b] = await join(fx.wsUrl, doc);
    assert.deepStrictEqual(await b.recv(), { History: { start: 0, operations: [{ id: a.id, operation: ["🦀 crab"] }, { id: a.id, operation: [6, "s"] }] } });
    assert.deepStrictEqual(await b.recv(), { Language: "rust" });
    b.send({ Edit: { revision: 2, operation: [7, "!"] } });
    await b.expect({ History: { start: 2, operations: [{ id: b.id, operation: [7, "!"] }] } });
    await b.close();
  } finally {
    await fx.dispose();
  }
});

test("a document with a connection is not evicted, however long it idles", async () => {
  const fx = new ServerFixture(FAST_EXPIRY);
  await fx.start();
  try {
    const doc = docId("hot");
    const [a, id] = await join(fx.wsUrl, doc);
    a.send({ Edit: { revision: 0, operation: ["warm"] } });
    await a.recv();
    await sleep(2500);
    assert.equal(await inMemory(fx), 1);
    assert.equal(a.closed, null);
    a.send({ Edit: { revision: 1, operation: [4, "er"] } });
    await a.expect({ History: { start: 1, operations: [{ id, operation: [4, "er"] }] } });
    assert.equal(await getText(fx.url, doc), "warmer");
    await a.close();
  } finally {
    await fx.dispose();
  }
});

test("an edit against history that was compacted away is refused with bad_revision", async () => {
  const fx = new ServerFixture({ SNAPSHOT_INTERVAL_OPS: 5, LOG_RETENTION_OPS: 5 });
  await fx.start();
  try {
    const doc = docId("stale");
    const [a] = await join(fx.wsUrl, doc);
    for (let i = 0; i < 40; i++) {
      a.send({ Edit: { revision: i, operation: i ? [i, "x"] : ["x"] } });
      await a.recv();
    }
    const [b] = await join(fx.wsUrl, doc);
    b.send({ Edit: { revision: 1, operation: [1, "OLD"] } });
    const f = await b.recvUntil((m) => m.Error || (m.History && m.History.operations.some((e) => e.id === b.id)));
    assert.equal(f.Error?.code, "bad_revision", `an edit at revision 1 cannot be transformed any more: ${JSON.stringify(f).slice(0, 200)}`);
    assert.equal((await b.waitClosed()).code, 1008);
    assert.equal(await getText(fx.url, doc), "x".repeat(40));
    await a.close();
  } finally {
    await fx.dispose();
  }
});
