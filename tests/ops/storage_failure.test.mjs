// A failing disk shows in /api/health (503, storage failing), in the metrics (storage_failure by
// code, storage unhealthy) and in the admin event log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "../integration/lib/server.mjs";
import { join, docId } from "../integration/lib/client.mjs";
import { request, admin, prometheus } from "./lib/ops.mjs";

test("a full disk turns health 503 and is counted as storage_failure", async () => {
  const fx = new ServerFixture({ ADMIN_TOKEN: "t" });
  await fx.start({}, { fileSizeLimitKB: 512 });
  try {
    const doc = docId("full");
    const [a] = await join(fx.wsUrl, doc);
    const chunk = "d".repeat(8192);
    let rev = 0;
    let failure = null;
    while (rev < 400 && !failure) {
      a.send({ Edit: { revision: rev, operation: rev % 2 === 0 ? [chunk] : [-8192] } });
      const f = await a.recvUntil((m) => m.History?.start === rev || m.Error);
      if (f.Error) failure = f.Error; else rev++;
    }
    assert.equal(failure?.code, "storage_failure", "writes past the file size limit fail");
    const health = await request(fx.url, "GET", "/api/health");
    assert.equal(health.status, 503);
    assert.equal(health.json.status, "storage_failure");
    assert.equal(health.json.storage, "failing");
    const m = await prometheus(fx.url);
    assert.equal(m.get("kolabpad_storage_healthy"), 0);
    assert.ok(m.get('kolabpad_errors_total{code="storage_failure"}') >= 1);
    const events = (await admin(fx.url, "t").get("/api/events")).json.events;
    assert.ok(events.some((e) => e.kind === "error" && e.document === doc && e.detail === "storage_failure"));
  } finally {
    await fx.dispose();
  }
});
