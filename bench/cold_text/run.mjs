// How much a cold /api/text of a document with a long, heavy log holds up another document's edits
// on a one-thread server (issue 10, item 5). Builds the heavy log, kills the server (so no snapshot
// shortens it), restarts on the same file with THREADS=1, then while COLD_REQUESTS cold /api/text
// requests are answered, a client of another (hot) document sends edits one after the other and the
// round-trip latency of each is recorded.
// Usage: node bench/cold_text/run.mjs [server binary]   (env: OPS, SIZE, COLD_REQUESTS)
import { join as pathJoin, resolve } from "node:path";
import http from "node:http";

// Before the fixture module is loaded: it reads KOLABPAD_SERVER once.
if (process.argv[2]) process.env.KOLABPAD_SERVER = resolve(process.argv[2]);
const { startServer, tempDir } = await import("../../tests/integration/lib/server.mjs");
const { join } = await import("../../tests/integration/lib/client.mjs");
const { buildBigLog } = await import("../../tests/integration/lib/big_document.mjs");
const OPS = Number(process.env.OPS ?? 401), SIZE = Number(process.env.SIZE ?? 200000);
const COLD = Number(process.env.COLD_REQUESTS ?? 3);
const env = { SNAPSHOT_INTERVAL_OPS: 1000000, LOG_RETENTION_OPS: 1000000, RATE_LIMIT_BURST: 100000,
  RATE_LIMIT_MESSAGES_PER_SECOND: 100000, WS_SEND_QUEUE_LIMIT_KB: 4194304, SQLITE_SYNCHRONOUS: "normal" };

const get = (url) => new Promise((res, rej) => {
  http.get(url, { agent: false }, (r) => { let n = 0; r.on("data", (c) => { n += c.length; }); r.on("end", () => res({ status: r.statusCode, bytes: n })); }).on("error", rej);
});
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

const tmp = tempDir();
const db = pathJoin(tmp.dir, "k.db");
try {
  let s = await startServer({ ...env, SQLITE_URI: db });
  const t0 = Date.now();
  await buildBigLog(s.wsUrl, "heavy", { ops: OPS, size: SIZE });
  console.log(`built ${OPS} operations of ${SIZE} characters in ${Date.now() - t0} ms`);
  await s.kill();
  s = await startServer({ ...env, SQLITE_URI: db, THREADS: 1, LOADER_THREADS: 1 });
  if (process.env.DEBUG) console.log(s.log.trim());
  const [b] = await join(s.wsUrl, "other");
  let rev = 0;
  const edit = async () => {
    const t = process.hrtime.bigint();
    b.send({ Edit: { revision: rev, operation: rev === 0 ? ["x"] : [rev, "x"], client: "b", seq: rev + 1 } });
    const want = rev + 1;
    await b.recvUntil((f) => f.History && f.History.operations.some((o) => o.seq === want), 60000);
    rev++;
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const idle = [];
  for (let i = 0; i < 20; i++) idle.push(await edit());
  const tText = Date.now();
  let pending = COLD;
  const texts = Array.from({ length: COLD }, () => get(`${s.url}/api/text/heavy`).then((r) => { pending--; return { ...r, ms: Date.now() - tText }; }));
  const during = []; const marks = [];
  while (pending > 0) { during.push(await edit()); if (during.at(-1) > 20) marks.push(`${Date.now() - tText}:${during.at(-1).toFixed(0)}`); }
  if (process.env.DEBUG) console.log("slow edits (t:ms)", marks.join(" "));
  const done = await Promise.all(texts);
  console.log(`server: ${process.env.KOLABPAD_SERVER ?? "build/server/kolabpad-server"}`);
  console.log(`cold /api/text x${COLD}: answered after ${done.map((d) => d.ms).join(", ")} ms (${done[0].bytes} bytes, status ${done[0].status})`);
  console.log(`other document's edit round trip, idle:   p50 ${pct(idle, 0.5).toFixed(1)} ms, max ${Math.max(...idle).toFixed(1)} ms (${idle.length} edits)`);
  console.log(`other document's edit round trip, during: p50 ${pct(during, 0.5).toFixed(1)} ms, max ${Math.max(...during).toFixed(1)} ms (${during.length} edits)`);
  await s.kill();
} finally {
  tmp.cleanup();
}
