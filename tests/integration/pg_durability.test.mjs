// The real server over the real private PostgreSQL (DATABASE_URL): acknowledged edits survive
// SIGKILLs of the server exactly once, and a PostgreSQL restart mid-typing holds edits (never
// acknowledged unstored) until the server recovers by itself.
// Needs KOLABPAD_TEST_DATABASE_URL (scripts/test.sh or scripts/services/run.sh start the cluster).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { ServerFixture } from "./lib/server.mjs";
import { join, getText, docId, httpGet, eventually, clientTag } from "./lib/client.mjs";
import { Typist, rng, sleep, tokensOf, onlyTokens, allAcknowledged, convergedText } from "./lib/typist.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const POSTGRES_SH = joinPath(ROOT, "scripts/services/postgres.sh");

function testDatabaseUrl() {
  const url = process.env.KOLABPAD_TEST_DATABASE_URL;
  if (!url) {
    throw new Error("KOLABPAD_TEST_DATABASE_URL is not set: run through npm test, or " +
      "bash scripts/services/run.sh node --test tests/integration/pg_durability.test.mjs");
  }
  return url;
}

function psql(url, sql) {
  const r = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr || r.error}`);
  return r.stdout.trim();
}

/** A schema of its own in `base`'s cluster; returns the URL that uses it and a drop function. */
function freshSchema(base) {
  const name = `kp_it_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  psql(base, `CREATE SCHEMA ${name}`);
  const sep = base.includes("?") ? "&" : "?";
  return { name, url: `${base}${sep}options=-csearch_path%3D${name}`, drop: () => psql(base, `DROP SCHEMA ${name} CASCADE`) };
}

/** A PostgreSQL cluster of the test's own (scripts/services/postgres.sh), to stop and start. */
class PrivateCluster {
  constructor() {
    const parent = process.env.KOLABPAD_SERVICES_DIR || tmpdir();
    const own = mkdtempSync(joinPath(parent, "pg-it-"));
    chmodSync(own, 0o711);  // the postgres user must reach its data folder inside
    this.dir = joinPath(own, "pg");
    this.url = this.run("start");
  }
  run(...args) {
    const r = spawnSync("bash", [POSTGRES_SH, args[0], this.dir, ...args.slice(1)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`postgres.sh ${args.join(" ")}: ${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  }
  stop(mode = "fast") { this.run("stop", mode); }
  start() { this.run("start"); }
  dispose() {
    spawnSync("bash", [POSTGRES_SH, "stop", this.dir, "immediate"]);
    rmSync(dirname(this.dir), { recursive: true, force: true });
  }
}

/** Connects from scratch and rebuilds the text and the log from what the server sends. */
async function rebuild(base, doc) {
  const [c] = await join(base, doc);
  let text = "", revision = 0;
  const entries = [];
  const { apply } = await import("./lib/ot.mjs");
  for (;;) {
    const f = await c.recv(500).catch(() => null);
    if (!f) break;
    if (f.Snapshot) ({ text, revision } = f.Snapshot);
    if (f.History) {
      assert.equal(f.History.start, revision);
      for (const e of f.History.operations) { text = apply(e.operation, text); revision++; entries.push(e); }
    }
  }
  await c.close();
  return { text, revision, entries };
}

/** Every token typed is in the text exactly once, and the log holds each (client, seq) once. */
async function assertExactlyOnce(typists, fx, doc, ackedBeforeKill) {
  await allAcknowledged(typists, 30000);
  const serverText = await convergedText(typists, fx.url, doc, 10000);
  for (const ty of typists) assert.deepStrictEqual(ty.violations, [], `${ty.name} saw protocol violations`);
  assert.ok(onlyTokens(serverText), "the text is whole tokens only");
  const tokens = tokensOf(serverText);
  assert.equal(new Set(tokens).size, tokens.length, "no edit applied twice");
  const typedAll = typists.flatMap((ty) => ty.typed);
  assert.deepStrictEqual([...tokens].sort(), [...typedAll].sort(), "every typed token is in the text exactly once");
  for (const tok of ackedBeforeKill) assert.ok(tokens.includes(tok), `acknowledged ${tok} survived`);
  const { text, revision, entries } = await rebuild(fx.wsUrl, doc);
  assert.equal(text, serverText, "the log replays to the text");
  const seen = new Set();
  for (const e of entries) {
    const key = `${e.client}/${e.seq}`;
    assert.ok(!seen.has(key), `(client, seq) ${key} in the log twice`);
    seen.add(key);
  }
  return { tokens: typedAll.length, revision };
}

/** The kept log in PostgreSQL: revisions up to `revision` without a gap, each (client, seq) once. */
function assertStoredLog(url, revision) {
  const [count, min, max, distinct] = psql(url,
    "SELECT count(*), min(revision), max(revision), count(DISTINCT (client, seq)) FROM operations").split("|").map(Number);
  assert.equal(max + 1, revision, "the stored log ends at the last revision");
  assert.equal(count, max - min + 1, "no gap in the stored log");
  assert.equal(distinct, count, "each (client, seq) stored once");
}

test("over PostgreSQL, the start-up line names the storage without the password, and an edit acknowledged just before a SIGKILL is kept", async () => {
  const schema = freshSchema(testDatabaseUrl());
  const fx = new ServerFixture({ DATABASE_URL: schema.url, SQLITE_URI: "sqlite://" });  // SQLITE_URI is ignored
  try {
    await fx.start();
    assert.match(fx.server.log, /storage="postgresql host=127\.0\.0\.1 port=\d+ dbname=postgres user=postgres"/);
    const doc = docId("pgkill");
    const [a] = await join(fx.wsUrl, doc);
    a.send({ Edit: { revision: 0, operation: ["acked 🎉"], client: "k", seq: 1 } });
    await a.recv();
    a.send({ SetLanguage: "rust" });
    await a.recvUntil((f) => f.Language);
    await fx.restart("SIGKILL");
    assert.equal(await getText(fx.url, doc), "acked 🎉");
    const { revision, entries } = await rebuild(fx.wsUrl, doc);
    assert.equal(revision, 1);
    assert.deepStrictEqual(entries, [{ id: a.id, operation: ["acked 🎉"], client: clientTag("k"), seq: 1 }]);
    assert.equal(psql(schema.url, "SELECT language FROM documents"), "rust");
  } finally {
    await fx.dispose();
    schema.drop();
  }
});

test("over PostgreSQL, two typists lose no acknowledged edit across 3 SIGKILLs, each edit stored exactly once", async (t) => {
  const schema = freshSchema(testDatabaseUrl());
  const fx = new ServerFixture({ DATABASE_URL: schema.url });
  await fx.start();
  const doc = docId("pgcrash");
  const seed = Number(process.env.KOLABPAD_CRASH_SEED ?? 20261202);
  t.diagnostic(`seed ${seed} (set KOLABPAD_CRASH_SEED to vary)`);
  const random = rng(seed);
  const typists = [
    new Typist({ name: "A", doc, getBase: () => fx.wsUrl, seed: seed + 1 }).start(),
    new Typist({ name: "B", doc, getBase: () => fx.wsUrl, seed: seed + 2 }).start(),
  ];
  try {
    let typing = true;
    const typed = Promise.all(typists.map((ty) => ty.typeWhile(() => typing)));
    const ackedBeforeKill = new Set();
    for (let k = 0; k < 3; k++) {
      await sleep(400 + Math.floor(random() * 800));
      for (const ty of typists) for (const tok of ty.acked) ackedBeforeKill.add(tok);
      await fx.server.kill();
      await sleep(Math.floor(random() * 150));
      await fx.start();
    }
    await sleep(400);
    typing = false;
    await typed;
    const { tokens, revision } = await assertExactlyOnce(typists, fx, doc, ackedBeforeKill);
    assert.ok(typists.every((ty) => ty.connects >= 4), "every typist reconnected after each kill");
    assertStoredLog(schema.url, revision);
    t.diagnostic(`${tokens} tokens in ${revision} edits, ${ackedBeforeKill.size} acknowledged before a kill`);
  } finally {
    await Promise.all(typists.map((ty) => ty.stop()));
    await fx.dispose();
    schema.drop();
  }
});

test("PostgreSQL restarted mid-typing: edits are held, never acknowledged unstored, and the server recovers by itself", async (t) => {
  testDatabaseUrl();  // the run's services are up (this test brings a cluster of its own, to restart it)
  const pg = new PrivateCluster();
  const fx = new ServerFixture({ DATABASE_URL: pg.url, DATABASE_RETRY_SECONDS: 60 });
  const doc = docId("pgrestart");
  const typists = [
    new Typist({ name: "A", doc, getBase: () => fx.wsUrl, seed: 7 }),
    new Typist({ name: "B", doc, getBase: () => fx.wsUrl, seed: 8 }),
  ];
  try {
    await fx.start();
    for (const ty of typists) ty.start();
    let typing = true;
    const typed = Promise.all(typists.map((ty) => ty.typeWhile(() => typing)));
    await eventually(() => typists.every((ty) => ty.acked.size >= 5), 10000, "typists acknowledged before the restart");
    pg.stop("fast");
    const ackedAtStop = typists.map((ty) => ty.acked.size);
    // Tokens that may still be acknowledged: those already acknowledged and the one edit in flight
    // (a typist has at most one unacknowledged edit, perhaps several tokens composed into it).
    const mayBeAcked = typists.map((ty) => new Set([...ty.acked, ...(ty.outstanding?.tokens ?? [])]));
    await eventually(async () => (await httpGet(fx.url, "/api/health")).status === 503, 10000, "/api/health reports the outage");
    await sleep(500);
    // Nothing typed while the database was down has been acknowledged.
    typists.forEach((ty, i) => {
      for (const tok of ty.acked) assert.ok(mayBeAcked[i].has(tok), `${ty.name}: ${tok} acknowledged while PostgreSQL was down`);
    });
    pg.start();
    await eventually(async () => (await httpGet(fx.url, "/api/health")).status === 200, 30000, "/api/health back to 200");
    await eventually(() => typists.every((ty, i) => ty.acked.size >= ackedAtStop[i] + 5), 30000, "typing acknowledged again");
    typing = false;
    await typed;
    const { tokens, revision } = await assertExactlyOnce(typists, fx, doc, new Set());
    assert.ok(typists.every((ty) => ty.connects === 1), "nobody was disconnected by the restart");
    assertStoredLog(pg.url, revision);
    t.diagnostic(`${tokens} tokens in ${revision} edits across the restart`);
  } finally {
    await Promise.all(typists.map((ty) => ty.stop()));
    await fx.dispose();
    pg.dispose();
  }
});
