// Configuration by environment: bad values stop the server with exit code 2 naming the variable.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runServerToExit, startServer, tempDir } from "./lib/server.mjs";
import { httpGet } from "./lib/client.mjs";
import { join as pathJoin } from "node:path";

const BAD = [
  ["PORT", "abc"],
  ["PORT", "70000"],
  ["MAX_DOCUMENT_SIZE_KB", "-1"],
  ["MAX_MESSAGE_SIZE_KB", "1.5x"],
  ["RATE_LIMIT_MESSAGES_PER_SECOND", "fast"],
  ["SNAPSHOT_INTERVAL_OPS", "-5"],
  ["WS_HEARTBEAT_INTERVAL_SECONDS", "-0.5"],
  ["EXPIRY_DAYS", "seven"],
  ["LOG_FORMAT", "xml"],
  ["LOG_RETENTION_MB", "0"],
  ["EDIT_SEQ_MAX_GAP", "0"],
  ["HISTORY_RETENTION_DAYS", "36501"],
  ["HISTORY_RETENTION_DAYS", "a week"],
  ["HISTORY_KEYFRAME_OPS", "0"],
  ["HISTORY_KEYFRAME_KB", "1.5"],
  ["HISTORY_SESSION_PAUSE_MINUTES", "0"],
  ["HISTORY_PAGE_MAX", "1001"],
  ["HISTORY_DIFF_MAX_OPS", "-1"],
  ["HISTORY_TEXT_DIFF_MAX_STEPS", "999"],
  ["HISTORY_VERSION_NAME_MAX", "0"],
];

for (const [name, value] of BAD) {
  test(`${name}=${JSON.stringify(value)} exits with code 2 naming ${name}`, async () => {
    const tmp = tempDir();
    try {
      const r = await runServerToExit({ [name]: value, SQLITE_URI: pathJoin(tmp.dir, "db.sqlite") });
      assert.equal(r.code, 2, `exit ${r.code}/${r.signal}; output:\n${r.output}`);
      assert.ok(r.output.includes(name), `the message names ${name}:\n${r.output}`);
    } finally {
      tmp.cleanup();
    }
  });
}

test("decimal durations are accepted", async () => {
  const s = await startServer({
    SQLITE_URI: ":memory:", WS_HEARTBEAT_INTERVAL_SECONDS: "0.5", WS_WRITE_TIMEOUT_SECONDS: "2.5",
    WS_READ_TIMEOUT_MINUTES: "0.75", CLEANUP_INTERVAL_HOURS: "0.01", EXPIRY_DAYS: "0.5", SHUTDOWN_TIMEOUT_SECONDS: "1.5",
  });
  try {
    assert.equal((await httpGet(s.url, "/api/health")).status, 200);
  } finally {
    await s.stop("SIGKILL");
  }
});
