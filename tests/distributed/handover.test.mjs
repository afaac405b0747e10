// Graceful hand-over: SIGTERM of a document's owner while clients on all three instances type.
// The owner stops sequencing, commits and acknowledges what is queued, releases the lease naming
// a successor and announces it; the successor takes over and the relays of the other instances
// re-attach, so none of their clients sees a disconnect. The stopping instance's own clients are
// closed with 1001 and come back through nginx. Nothing is lost or applied twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TestCluster } from "./lib/cluster.mjs";
import { Typist, assertConverged, assertStoredLog, sleep } from "./lib/typing.mjs";
import { docId, eventually } from "../integration/lib/client.mjs";

test("a document moved by the graceful shutdown of its owner: no client of the other instances sees a disconnect, nothing lost or twice", async (t) => {
  const c = await new TestCluster({ n: 3, env: { LEASE_SECONDS: 5 } }).start();
  const doc = docId("handover");
  const ts = [];
  for (let k = 0; k < 3; k++) {
    const getBase = () => (c.alive(k) ? c.wsUrl(k) : c.nginxWsUrl);
    ts.push(new Typist({ name: `H${"ABC"[k]}a`, doc, getBase, seed: 900 + k }).start());
    ts.push(new Typist({ name: `H${"ABC"[k]}b`, doc, getBase, seed: 910 + k, rustpad: true }).start());
  }
  try {
    await eventually(() => ts.every((ty) => ty.ready), 10000, "everyone connected");
    const typing = { on: true };
    const typed = Promise.all(ts.map((ty) => ty.typeWhile(() => typing.on)));
    await sleep(1200);
    const owner = await c.waitOwner(doc);
    const t0 = Date.now();
    const stopped = await c.terminate(owner);
    const stopMs = Date.now() - t0;
    assert.equal(stopped.code, 0, "the owner exited cleanly");
    assert.ok(!stopped.killedAfterTimeout);
    const next = await c.waitOwner(doc, { not: owner, ms: 5000 });
    // Sequenced again long before the 5 s lease could have expired: the lease was handed over.
    const probe = ts.find((ty, i) => Math.floor(i / 2) === next && !ty.rustpad);
    probe.typeOne();
    const token = probe.typed[probe.typed.length - 1];
    await eventually(() => probe.acked.has(token), 4000, "an edit acknowledged by the successor within the lease");
    const moveMs = Date.now() - t0;
    await sleep(1000);
    typing.on = false;
    await typed;
    const { tokens } = await assertConverged(ts, c, doc);
    const stored = assertStoredLog(c.schema.url, doc);
    ts.forEach((ty, i) => {
      if (Math.floor(i / 2) !== owner) assert.equal(ty.connects, 1, `${ty.name} (on i${Math.floor(i / 2)}) was never disconnected`);
      else assert.ok(ty.connects >= 2, `${ty.name} (on the stopped i${owner}) reconnected through nginx`);
    });
    const h = await c.health(next);
    assert.equal(h.cluster.documents_owned, 1);
    assert.match(c.servers[owner].log, new RegExp(`document handed over document=${doc} epoch=\\d+ successor=i${next}`));
    t.diagnostic(`i${owner} stopped in ${stopMs} ms and handed over to i${next}; next edit acknowledged ${moveMs} ms after SIGTERM; ${tokens} tokens in ${stored} edits`);
  } finally {
    await Promise.all(ts.map((ty) => ty.stop()));
    await c.dispose();
  }
});
