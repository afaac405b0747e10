// Loading a cold document with a long, heavy log never holds up the documents already in memory:
// the read and replay run on loader threads (LOADER_THREADS), not on the network thread. The
// server has one network thread, so if a load ran there, the other document's edits would wait
// for every load queued before them; here they are counted while the loads are under way.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { ServerFixture } from "./lib/server.mjs";
import { join, connect, socketUrl } from "./lib/client.mjs";
import { buildBigLog } from "./lib/big_document.mjs";

const HEAVY = { SNAPSHOT_INTERVAL_OPS: 1000000, LOG_RETENTION_OPS: 1000000, RATE_LIMIT_BURST: 100000,
  RATE_LIMIT_MESSAGES_PER_SECOND: 100000, WS_SEND_QUEUE_LIMIT_KB: 4194304, SQLITE_SYNCHRONOUS: "normal",
  // No keyframes inside the log either (docs/history.md): a load then replays all of it.
  HISTORY_KEYFRAME_OPS: 100000, HISTORY_KEYFRAME_KB: 1048576 };
const OPS = 401;          // alternating a 200,000-character insert and its deletion: ~40 MB of log
const SIZE = 200000;
const EDITS_WANTED = 20;  // edits of another document that must complete while the loads run

let fx;
before(async () => {
  fx = new ServerFixture(HEAVY);
  await fx.start();
  for (const id of ["heavy-a", "heavy-b"]) await buildBigLog(fx.wsUrl, id, { ops: OPS, size: SIZE });
  await fx.server.kill();  // no shutdown snapshot: the whole log stays to be replayed
  await fx.start({ THREADS: 1, LOADER_THREADS: 1 });
});
after(() => fx.dispose());

/** GET on a fresh connection (no keep-alive pool); resolves {status, body}. */
function get(path) {
  return new Promise((res, rej) => {
    http.get(fx.url + path, { agent: false }, (r) => {
      const chunks = [];
      r.on("data", (c) => chunks.push(c));
      r.on("end", () => res({ status: r.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
    }).on("error", rej);
  });
}

/** A client of a document in memory that edits it one acknowledged edit after the other. */
async function hotEditor(id) {
  const [c] = await join(fx.wsUrl, id);
  let revision = 0;
  return {
    done: 0,
    async edit() {
      const seq = revision + 1;
      c.send({ Edit: { revision, operation: revision ? [revision, "x"] : ["x"], client: `hot-${id}`, seq } });
      await c.recvUntil((f) => f.History?.operations.some((o) => o.seq === seq), 30000);
      revision++;
      this.done++;
    },
    close: () => c.close(),
  };
}

/** Edits with `editor` until `pending` settles; returns how many edits completed before it did. */
async function editWhile(editor, pending) {
  let settled = false;
  let editsBefore = -1;
  const all = Promise.all(pending).then((v) => { settled = true; editsBefore = editor.done; return v; });
  while (!settled) await editor.edit();
  return { results: await all, editsBefore };
}

const expectedText = `${OPS - 1}:` + "0123456789abcdefghijklmnopqrstuvwxyz".repeat(Math.ceil(SIZE / 36)).slice(String(OPS - 1).length + 1, SIZE);

test("cold /api/text of heavy documents does not hold up another document's edits", async () => {
  const editor = await hotEditor("hot-text");
  await editor.edit();  // in memory and answering
  const texts = ["heavy-a", "heavy-b", "heavy-a", "heavy-b", "heavy-a"].map((id) => get(`/api/text/${id}`));
  const { results, editsBefore } = await editWhile(editor, texts);
  for (const r of results) {
    assert.equal(r.status, 200);
    assert.equal(r.body, expectedText);
  }
  assert.ok(editsBefore >= EDITS_WANTED,
    `only ${editsBefore} edits of another document completed while 5 cold /api/text requests were answered`);
  const stats = JSON.parse((await get("/api/stats")).body);
  assert.equal(stats.num_documents, 1, "/api/text kept no heavy document in memory");
  await editor.close();
});

test("cold WebSocket joins of a heavy document share one load and do not hold up another document's edits", async () => {
  const before = JSON.parse((await get("/api/metrics?format=json")).body);
  const editor = await hotEditor("hot-join");
  await editor.edit();
  // The joins resolve at the 101; the Identity follows the load.
  const joiners = await Promise.all([0, 1, 2].map(() => connect(socketUrl(fx.wsUrl, "heavy-b"))));
  const identities = joiners.map((c) => c.recvUntil((f) => f.Identity !== undefined, 30000));
  const { editsBefore } = await editWhile(editor, identities);
  assert.ok(editsBefore >= EDITS_WANTED,
    `only ${editsBefore} edits of another document completed while a heavy document was loaded for 3 joins`);
  const history = await joiners[0].recvUntil((f) => f.History, 30000);
  // The kept log is bounded in bytes (LOG_RETENTION_MB): the joiner may get a Snapshot first; either
  // way its History ends at the document's revision.
  assert.equal(history.History.start + history.History.operations.length, OPS, "the joiner reaches the head");
  const metrics = JSON.parse((await get("/api/metrics?format=json")).body);
  assert.equal(metrics.document_loads - before.document_loads, 2, "one load for heavy-b (3 joins) and one for hot-join");
  assert.equal(metrics.document_loads_coalesced - before.document_loads_coalesced, 2);
  await Promise.all(joiners.map((c) => c.close()));
  await editor.close();
});
