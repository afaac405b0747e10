// Outages of the shared services while clients on three instances type: Redis restarted
// (instances resubscribe, relays re-join and fill gaps from the PostgreSQL log, nobody desyncs)
// and PostgreSQL restarted (edits are held, never acknowledged unstored; the cluster recovers by
// itself and nothing acknowledged is lost).
import { test } from "node:test";
import assert from "node:assert/strict";
import { TestCluster, PrivateRedis, PrivatePostgres } from "./lib/cluster.mjs";
import { Typist, assertConverged, assertStoredLog, sleep } from "./lib/typing.mjs";
import { docId, eventually } from "../integration/lib/client.mjs";

function typistsOnAll(c, doc, prefix, seed) {
  const ts = [];
  for (let k = 0; k < 3; k++) {
    ts.push(new Typist({ name: `${prefix}${"ABC"[k]}a`, doc, getBase: () => c.wsUrl(k), seed: seed + k }).start());
    ts.push(new Typist({ name: `${prefix}${"ABC"[k]}b`, doc, getBase: () => c.wsUrl(k), seed: seed + 10 + k, rustpad: true }).start());
  }
  return ts;
}

test("Redis restarted mid-typing: every instance resubscribes, relays re-join and fill gaps from PostgreSQL, nobody desyncs or disconnects", async (t) => {
  const redis = new PrivateRedis();
  const c = await new TestCluster({ n: 3, nginx: false, redisUrl: redis.url }).start();
  const doc = docId("redis");
  const ts = typistsOnAll(c, doc, "R", 700);
  try {
    await eventually(() => ts.every((ty) => ty.ready), 10000, "everyone connected");
    const typing = { on: true };
    const typed = Promise.all(ts.map((ty) => ty.typeWhile(() => typing.on)));
    await sleep(1000);
    redis.restart();
    await eventually(async () => {
      const hs = await Promise.all([0, 1, 2].map((k) => c.health(k)));
      return hs.every((h) => h.cluster.bus_reconnects >= 1 && h.cluster.redis === "ok");
    }, 20000, "every instance reconnected to Redis");
    await sleep(1500);
    typing.on = false;
    await typed;
    const { tokens } = await assertConverged(ts, c, doc);
    const stored = assertStoredLog(c.schema.url, doc);
    assert.ok(ts.every((ty) => ty.connects === 1), "nobody was disconnected");
    const hs = await Promise.all([0, 1, 2].map((k) => c.health(k)));
    const rejoins = hs.reduce((n, h) => n + h.cluster.rejoins, 0);
    const fills = hs.reduce((n, h) => n + h.cluster.gap_fills, 0);
    assert.ok(rejoins > 0, "relays re-joined their users after the reconnect");
    t.diagnostic(`${tokens} tokens in ${stored} edits; ${rejoins} re-joins, ${fills} gap fills, ` +
      `${hs.reduce((n, h) => n + h.cluster.bus_dropped, 0)} bus messages dropped`);
  } finally {
    await Promise.all(ts.map((ty) => ty.stop()));
    await c.dispose();
    redis.dispose();
  }
});

test("PostgreSQL restarted mid-typing: edits are held, never acknowledged unstored, and the cluster recovers by itself", async (t) => {
  const pg = new PrivatePostgres();
  const c = await new TestCluster({ n: 3, nginx: false, databaseUrl: pg.url,
    env: { DATABASE_RETRY_SECONDS: 60, DATABASE_TIMEOUT_SECONDS: 2 } }).start();
  const doc = docId("pgdown");
  const ts = typistsOnAll(c, doc, "Q", 800);
  try {
    await eventually(() => ts.every((ty) => ty.ready), 10000, "everyone connected");
    const typing = { on: true };
    const typed = Promise.all(ts.map((ty) => ty.typeWhile(() => typing.on)));
    await eventually(() => ts.every((ty) => ty.acked.size >= 3), 10000, "typists acknowledged before the outage");
    pg.stop("fast");
    // What may still be acknowledged: what already was, and the edit each typist has in flight.
    const mayBeAcked = ts.map((ty) => new Set([...ty.acked, ...(ty.outstanding?.tokens ?? [])]));
    const ackedBefore = new Set(ts.flatMap((ty) => [...ty.acked]));
    await sleep(3000);  // past the lease: the owner lets go, nobody can take over
    ts.forEach((ty, i) => {
      for (const tok of ty.acked) assert.ok(mayBeAcked[i].has(tok), `${ty.name}: ${tok} acknowledged while PostgreSQL was down`);
    });
    const unhealthy = await Promise.all([0, 1, 2].map(async (k) => (await c.health(k)).http));
    assert.ok(unhealthy.some((s) => s === 503), `an instance reports the outage on /api/health (${unhealthy})`);
    pg.start();
    await sleep(2000);
    typing.on = false;
    await typed;
    const { tokens } = await assertConverged(ts, c, doc, { ackedBefore, ms: 60000 });
    const stored = assertStoredLog(c.schema.url, doc);
    assert.ok(ts.every((ty) => ty.connects === 1), "nobody was disconnected: edits were held, not refused");
    t.diagnostic(`${tokens} tokens in ${stored} edits; health during the outage: ${unhealthy.join(", ")}`);
  } finally {
    await Promise.all(ts.map((ty) => ty.stop()));
    await c.dispose();
    pg.dispose();
  }
});
