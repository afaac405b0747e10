// Distributed-mode settings checked by the real binary at start: a bad REDIS_URL, REDIS_URL
// without DATABASE_URL and an unreachable Redis stop the server, naming the variable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runServerToExit } from "../integration/lib/server.mjs";
import { services, freePort, freshSchema } from "./lib/cluster.mjs";

test("a bad REDIS_URL, or REDIS_URL without DATABASE_URL, stops the server at start naming the variable", async () => {
  const { db } = services();
  const bad = await runServerToExit({ DATABASE_URL: db, REDIS_URL: "redis://:hunter2@cache:99999" });
  assert.equal(bad.code, 2);
  assert.match(bad.output, /REDIS_URL: the port must be a number from 1 to 65535/);
  assert.doesNotMatch(bad.output, /hunter2/);
  const alone = await runServerToExit({ REDIS_URL: "redis://127.0.0.1:6380", DATABASE_URL: undefined });
  assert.equal(alone.code, 2);
  assert.match(alone.output, /REDIS_URL: distributed mode needs DATABASE_URL too/);
  const timeout = await runServerToExit({ DATABASE_URL: db, REDIS_URL: "redis://127.0.0.1:6379", RELAY_TIMEOUT_SECONDS: "0" });
  assert.equal(timeout.code, 2);
  assert.match(timeout.output, /RELAY_TIMEOUT_SECONDS/);
});

test("an unreachable Redis stops the server at start with exit code 1, naming REDIS_URL and the address", async () => {
  const schema = freshSchema(services().db);
  try {
    const port = await freePort();  // nothing listens there
    const r = await runServerToExit({ DATABASE_URL: schema.url, REDIS_URL: `redis://127.0.0.1:${port}` }, 30000);
    assert.equal(r.code, 1);
    assert.match(r.output, new RegExp(`REDIS_URL: cannot reach Redis at 127\\.0\\.0\\.1:${port}/0`));
  } finally {
    schema.drop();
  }
});
