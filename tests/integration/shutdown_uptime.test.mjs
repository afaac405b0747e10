// A graceful shutdown does not depend on how long the server has been up: the drain deadline
// (80% of SHUTDOWN_TIMEOUT_SECONDS) is counted from the signal, not from the start.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, httpGet, eventually, docId } from "./lib/client.mjs";

test("SIGTERM after more than SHUTDOWN_TIMEOUT_SECONDS of uptime closes every client with 1001 after what was queued", async () => {
  const fx = new ServerFixture({ SHUTDOWN_TIMEOUT_SECONDS: 2 });
  await fx.start();
  try {
    // start_time is whole seconds: 4 s after it the server has been up for at least 3 s.
    await eventually(async () => {
      const stats = JSON.parse((await httpGet(fx.url, "/api/stats")).body);
      return Date.now() / 1000 - stats.start_time >= 4;
    }, 15000, "an uptime longer than SHUTDOWN_TIMEOUT_SECONDS");
    const doc = docId("uptime");
    const clients = [];
    for (let i = 0; i < 3; i++) clients.push((await join(fx.wsUrl, doc))[0]);
    clients.push((await join(fx.wsUrl, docId("uptime-other")))[0]);
    const [a] = clients;
    a.send({ Edit: { revision: 0, operation: ["last words"], client: "a", seq: 1 } });
    await a.recvUntil((f) => f.History?.operations.some((o) => o.seq === 1));
    const stopping = fx.server.stop("SIGTERM", 10000);
    for (const [i, c] of clients.entries()) {
      const closed = await c.waitClosed(8000);
      assert.deepStrictEqual(closed, { code: 1001, reason: "server shutting down" }, `client ${i}`);
      if (i < 3) {
        const frames = c.queue.map((f) => f.data);
        assert.ok(i === 0 || frames.some((f) => f.History?.operations.some((o) => o.seq === 1)),
          `client ${i} received the last edit before the close: ${JSON.stringify(frames).slice(0, 300)}`);
      }
    }
    const exit = await stopping;
    assert.equal(exit.code, 0, "a clean exit");
    assert.ok(!exit.killedAfterTimeout);
  } finally {
    await fx.dispose();
  }
});
