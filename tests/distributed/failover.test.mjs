// Failover: the owner of a document killed (SIGKILL) while clients on all three instances type,
// several times in a row; the owner paused (SIGSTOP) past its lease and resumed. Nothing
// acknowledged is lost, nothing is applied twice, everyone converges, and the document is
// sequenced again within LEASE_SECONDS + FAILOVER_SLACK_MS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TestCluster } from "./lib/cluster.mjs";
import { Typist, typists, assertConverged, assertStoredLog, sleep } from "./lib/typing.mjs";
import { Counter } from "./lib/counter.mjs";
import { docId, eventually, getText } from "../integration/lib/client.mjs";

const LEASE_SECONDS = 2;
// Detection (the lease poll runs every min(1 s, LEASE/4)), acquisition, loading from PostgreSQL
// and the relays' re-join, on a loaded 2-core machine.
const FAILOVER_SLACK_MS = 2000;

/** Base URL for a typist placed on instance k: k while it runs, else nginx (which skips dead backends). */
const placed = (c, k) => () => (c.alive(k) ? c.wsUrl(k) : c.nginxWsUrl);

/** Types one token with `probe` (a typist on a surviving instance) and resolves with the ms until it is acknowledged. */
async function timeToAck(probe, t0, ms) {
  probe.typeOne();
  const token = probe.typed[probe.typed.length - 1];
  await eventually(() => probe.acked.has(token), ms, `probe edit ${token} acknowledged after the failover`);
  return Date.now() - t0;
}

test("kill -9 of the owner, three times in a row while clients on all three instances type: nothing acknowledged lost, nothing twice, sequenced again within the lease plus a bound", async (t) => {
  const c = await new TestCluster({ n: 3, env: { LEASE_SECONDS } }).start();
  const doc = docId("kill");
  // Two typists per instance (one Rustpad-style on each, who never reconnects, so exactly-once
  // rests on the relay's own client ids), plus one idle probe per instance.
  const ts = [];
  for (let k = 0; k < 3; k++) {
    ts.push(new Typist({ name: `K${"ABC"[k]}a`, doc, getBase: placed(c, k), seed: 100 + k }).start());
    ts.push(new Typist({ name: `K${"ABC"[k]}b`, doc, getBase: placed(c, k), seed: 200 + k, rustpad: true }).start());
  }
  const probes = [0, 1, 2].map((k) => new Typist({ name: `P${"ABC"[k]}x`, doc, getBase: placed(c, k), seed: 300 + k }).start());
  const times = [];
  try {
    await eventually(() => [...ts, ...probes].every((ty) => ty.ready), 10000, "everyone connected");
    const typing = { on: true };
    const typed = Promise.all(ts.map((ty) => ty.typeWhile(() => typing.on && !ty.stopped)));
    const ackedBefore = new Set();
    for (let round = 0; round < 3; round++) {
      await sleep(1200);
      const owner = await c.waitOwner(doc);
      for (const ty of ts) for (const tok of ty.acked) ackedBefore.add(tok);
      // A Rustpad client has no (client, seq): resending after a reconnect could apply its edit
      // twice, on one server as on many. Those of the dying instance give up (checked apart).
      for (let i = 0; i < ts.length; i++) if (ts[i].rustpad && Math.floor(i / 2) === owner) ts[i].stopped = true;
      const t0 = Date.now();
      await c.kill(owner);
      const probe = probes[(owner + 1) % 3];
      times.push(await timeToAck(probe, t0, LEASE_SECONDS * 1000 + 15000));
      const next = await c.waitOwner(doc, { not: owner });
      t.diagnostic(`round ${round}: killed owner i${owner}; i${next} took over; probe acknowledged ${times[round]} ms after the kill`);
      await c.startInstance(owner);
    }
    await sleep(800);
    typing.on = false;
    await typed;
    // Rustpad-style typists of a killed instance stopped typing at its death (they cannot
    // resend safely on a new connection); they are left out of the convergence check.
    const live = [...ts.filter((ty) => !ty.stopped), ...probes];
    const rustpadGone = ts.filter((ty) => ty.stopped);
    const { tokens } = await assertConverged(live, c, doc, { ackedBefore, extraTyped: rustpadGone });
    const stored = assertStoredLog(c.schema.url, doc);
    const bound = LEASE_SECONDS * 1000 + FAILOVER_SLACK_MS;
    for (const ms of times) assert.ok(ms <= bound, `sequenced again ${ms} ms after the kill (bound ${bound} ms)`);
    t.diagnostic(`${tokens} tokens, ${stored} edits stored; failover ${times.join(", ")} ms (bound ${bound} ms)`);
  } finally {
    await Promise.all([...ts, ...probes].map((ty) => ty.stop()));
    await c.dispose();
  }
});

test("SIGSTOP of the owner past its lease, then SIGCONT: the stale owner commits nothing, its clients end up on the new owner without a disconnect, nothing lost or duplicated", async (t) => {
  const c = await new TestCluster({ n: 3, env: { LEASE_SECONDS } }).start();
  const doc = docId("stop");
  const ts = [];
  for (let k = 0; k < 3; k++) {
    ts.push(new Typist({ name: `S${"ABC"[k]}a`, doc, getBase: placed(c, k), seed: 400 + k }).start());
    ts.push(new Typist({ name: `S${"ABC"[k]}b`, doc, getBase: placed(c, k), seed: 500 + k, rustpad: true }).start());
  }
  try {
    await eventually(() => ts.every((ty) => ty.ready), 10000, "everyone connected");
    const typing = { on: true };
    const typed = Promise.all(ts.map((ty) => ty.typeWhile(() => typing.on)));
    await sleep(1000);
    const owner = await c.waitOwner(doc);
    const before = await c.health(owner);
    c.pause(owner);
    const next = await c.waitOwner(doc, { not: owner, ms: LEASE_SECONDS * 1000 + 15000 });
    await sleep(700);  // the new owner sequences edits of the other instances meanwhile
    const storedAtResume = Number((await import("./lib/cluster.mjs")).psql(c.schema.url, `SELECT count(*) FROM operations WHERE document = '${doc}'`));
    c.resume(owner);
    await eventually(async () => (await c.health(owner)).cluster.documents_owned === 0, 10000, "the stale owner dropped the document");
    const after = await c.health(owner);
    assert.ok(after.cluster.lease_losses > before.cluster.lease_losses, "the stale owner knows it lost the lease");
    assert.equal((await c.room(owner, doc)).owner, `i${next}`);
    await sleep(1000);
    typing.on = false;
    await typed;
    const { tokens } = await assertConverged(ts, c, doc);
    const stored = assertStoredLog(c.schema.url, doc);
    assert.ok(stored >= storedAtResume);
    const paused = ts.filter((ty, i) => Math.floor(i / 2) === owner);
    assert.ok(paused.every((ty) => ty.connects === 1), "the paused instance's clients stayed connected");
    t.diagnostic(`owner i${owner} paused, i${next} took over; ${tokens} tokens in ${stored} edits`);
  } finally {
    await Promise.all(ts.map((ty) => ty.stop()));
    await c.dispose();
  }
});

// Many documents at once: 120 documents with three clients each, all through nginx. Each round
// kills the instance owning the most documents and starts it again; by the third round every
// instance has been restarted once, so nginx must send new connections to restarted instances.
const MASS_DOCS = 120;
// Detection, the relays' timeout and re-join, and acquiring and loading every document of the
// dead owner, on a loaded 2-core machine.
const MASS_SLACK_MS = 4000;

test("kill -9 of the instance owning the most of 120 documents, three rounds with restarts, all through nginx: every document sequenced again within the lease plus a bound, every client back, nothing lost or twice", { timeout: 180000 }, async (t) => {
  const c = await new TestCluster({ n: 3, env: { LEASE_SECONDS } }).start();
  const docs = Array.from({ length: MASS_DOCS }, (_, d) => docId(`mass${d}`));
  const counters = docs.flatMap((doc) => [0, 1, 2].map(() => new Counter(doc, () => c.nginxWsUrl)));
  const bound = LEASE_SECONDS * 1000 + MASS_SLACK_MS;
  let ticking = null;
  try {
    for (let i = 0; i < counters.length; i += 60) await Promise.all(counters.slice(i, i + 60).map((x) => x.connect()));
    await eventually(() => counters.every((x) => x.open && x.identified), 15000, "every counter connected");
    ticking = setInterval(() => counters.forEach((x) => x.tick()), 250);
    for (let round = 0; round < 3; round++) {
      await sleep(1500);
      const owned = [0, 0, 0];
      for (const doc of docs) {
        const k = await c.ownerIndex(doc);
        if (k >= 0) owned[k]++;
      }
      const victim = owned.indexOf(Math.max(...owned));
      const t0 = performance.now();
      await c.kill(victim);
      const late = await eventually(() => {
        const waiting = docs.filter((doc) => !counters.some((x) => x.doc === doc && x.firstAckAfter(t0) !== undefined));
        return waiting.length === 0 ? [] : performance.now() - t0 > bound ? waiting : null;
      }, bound + 2000, "every document acknowledging an edit again");
      const times = docs.map((doc) => Math.min(...counters.filter((x) => x.doc === doc).map((x) => (x.firstAckAfter(t0) ?? Infinity) - t0)));
      const worst = Math.max(...times);
      t.diagnostic(`round ${round}: owners ${owned.join("/")}, killed i${victim}; sequenced again after max ${worst.toFixed(0)} ms (bound ${bound} ms)`);
      assert.deepStrictEqual(late, [], `documents not sequenced again within ${bound} ms of the kill`);
      await eventually(() => counters.every((x) => x.open && x.identified), 15000, "every counter reconnected");
      await c.startInstance(victim);
    }
    clearInterval(ticking);
    ticking = null;
    await eventually(() => counters.every((x) => !x.inflight), 15000, "every edit acknowledged");
    for (const doc of docs) {
      const acks = counters.filter((x) => x.doc === doc).reduce((n, x) => n + x.acks.length, 0);
      const text = await getText(c.url(0), doc);
      assert.equal([...text].length, acks, `${doc}: one character per acknowledged edit, none lost, none twice`);
    }
    t.diagnostic(`${counters.reduce((n, x) => n + x.acks.length, 0)} edits acknowledged and stored exactly once`);
  } finally {
    if (ticking) clearInterval(ticking);
    for (const x of counters) x.stop();
    await c.dispose();
  }
});
