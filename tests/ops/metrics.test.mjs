// GET /api/metrics (Prometheus text and JSON) and GET /api/health against the real server.
import { test, before, after } from "node:test";
import http from "node:http";
import assert from "node:assert/strict";
import { ServerFixture } from "../integration/lib/server.mjs";
import { join, socketUrl, connect, docId } from "../integration/lib/client.mjs";
import { request, parsePrometheus, prometheus, metricsJson, until } from "./lib/ops.mjs";

let fx;
before(async () => { fx = new ServerFixture({ MAX_DOCUMENT_SIZE_KB: 1, MAX_MEMORY_MB: 64 }); await fx.start(); });
after(async () => { await fx?.dispose(); });

const REQUIRED = [
  "kolabpad_connections", "kolabpad_documents", "kolabpad_documents_hot", "kolabpad_documents_idle",
  "kolabpad_edits_total", "kolabpad_received_bytes_total", "kolabpad_sent_bytes_total", "kolabpad_history_frames_total",
  "kolabpad_history_frames_merged_total", "kolabpad_resumes_total", "kolabpad_rejected_total",
  "kolabpad_protocol_errors_total", "kolabpad_process_resident_bytes", "kolabpad_documents_memory_bytes",
  "kolabpad_memory_limit_bytes", "kolabpad_storage_pending_writes", "kolabpad_storage_max_pending_writes",
  "kolabpad_uptime_seconds", "kolabpad_messages_per_second",
];
const HISTOGRAMS = ["kolabpad_edit_ack_seconds", "kolabpad_fanout_seconds", "kolabpad_commit_seconds",
  "kolabpad_commit_batch_size", "kolabpad_message_seconds"];

test("Prometheus metrics count edits, bytes both ways, History frames, latencies, errors and rejections by code, resumes", async () => {
  const before = await prometheus(fx.url);
  const doc = docId("prom");
  const [a] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["héllo 👨‍👨‍👦‍👦"] } });
  await a.recvEntries(0, 1);
  a.send({ Edit: { revision: 1, operation: [13, "x".repeat(2000)], seq: 7, client: "c1" } });
  const rej = await a.recvUntil((f) => f.Rejected);
  assert.equal(rej.Rejected.code, "document_too_large");
  const [r] = await join(fx.wsUrl, doc, { revision: 1 });
  const [bad] = await join(fx.wsUrl, doc);
  bad.sendRaw("{not json");
  await bad.waitClosed();

  // Counters are updated around the sends the test just saw; read them once they are all in (or
  // after the bound, and let the assertions below say which one is missing).
  const GROWN = [["kolabpad_edits_total", 1], ["kolabpad_received_bytes_total", 2000], ["kolabpad_sent_bytes_total", 30],
    ["kolabpad_history_frames_total", 1], ["kolabpad_edit_ack_seconds_count", 1], ["kolabpad_fanout_seconds_count", 3],
    ["kolabpad_commit_seconds_count", 1], ["kolabpad_commit_batch_size_count", 1], ["kolabpad_resumes_total", 1],
    ['kolabpad_errors_total{code="bad_message"}', 1], ['kolabpad_rejected_by_code_total{code="document_too_large"}', 1]];
  let res;
  for (const deadline = Date.now() + 5000; ;) {
    res = await request(fx.url, "GET", "/api/metrics");
    const now = parsePrometheus(res.body).samples;
    if (GROWN.every(([k, by]) => now.get(k) - (before.get(k) ?? 0) >= by) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(res.status, 200);
  assert.match(res.type, /^text\/plain; version=0\.0\.4/);
  const { samples: after, types } = parsePrometheus(res.body);
  for (const name of REQUIRED) assert.ok(after.has(name), `${name} is exported`);
  for (const h of HISTOGRAMS) {
    assert.equal(types.get(h), "histogram", `${h} is a histogram`);
    assert.equal(after.get(`${h}_bucket{le="+Inf"}`), after.get(`${h}_count`), `${h}: +Inf bucket equals _count`);
  }
  const grew = (k, by = 1) => assert.ok(after.get(k) - (before.get(k) ?? 0) >= by, `${k} grew by ${by}: ${before.get(k)} -> ${after.get(k)}`);
  for (const [k, by] of GROWN) grew(k, by);
  assert.ok(after.get("kolabpad_connections") >= 2, "a and r are connected");
  assert.ok(after.get("kolabpad_documents_hot") >= 1);
  assert.ok(after.get("kolabpad_process_resident_bytes") > 1 << 20, "RSS is read from /proc/self/statm");
  assert.equal(after.get("kolabpad_memory_limit_bytes"), 64 * 1024 * 1024);
  await a.close();
  await r.close();
});

test("JSON metrics (?format=json or Accept: application/json) carry the dashboard figures", async () => {
  const doc = docId("json");
  const [a] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["12345"] } });
  await a.recvEntries(0, 1);
  const [b] = await join(fx.wsUrl, doc, { revision: 1 });
  // Read once the figures of these two connections are in (or after the bound: the asserts say what is missing).
  let m;
  for (const deadline = Date.now() + 5000; ;) {
    m = await metricsJson(fx.url);
    if ((m.active_connections >= 2 && m.reconnect_count >= 1 && m.total_messages >= 1 && m.p50_latency_ms > 0 &&
      m.edit_ack_latency_seconds?.count >= 1 && m.commit_batch_size?.count >= 1) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const viaAccept = await request(fx.url, "GET", "/api/metrics", { headers: { accept: "application/json" } });
  assert.equal(viaAccept.status, 200);
  assert.match(viaAccept.type, /^application\/json/);
  for (const k of ["active_connections", "messages_per_sec", "p50_latency_ms", "p95_latency_ms", "error_count",
    "reconnect_count", "total_doc_size_bytes", "uptime_seconds", "total_messages", "rooms_active"]) {
    assert.equal(typeof m[k], "number", `${k}: ${JSON.stringify(m)}`);
    assert.equal(typeof viaAccept.json[k], "number", `${k} via Accept`);
  }
  assert.ok(m.active_connections >= 2);
  assert.ok(m.rooms_active >= 1);
  assert.ok(m.reconnect_count >= 1, "b resumed with ?revision=");
  assert.ok(m.total_doc_size_bytes >= 5);
  assert.ok(m.total_messages >= 1);
  assert.ok(m.p50_latency_ms > 0 && m.p50_latency_ms <= m.p95_latency_ms, `${m.p50_latency_ms} <= ${m.p95_latency_ms}`);
  assert.ok(m.edit_ack_latency_seconds.count >= 1);
  assert.ok(m.commit_batch_size.count >= 1);
  assert.equal(typeof m.errors, "object");
  assert.equal(m.documents, m.documents_hot + m.documents_idle);
  await a.close();
  await b.close();
});

test("an unknown metrics format is a 400", async () => {
  const r = await request(fx.url, "GET", "/api/metrics?format=xml");
  assert.equal(r.status, 400);
  assert.equal(r.json.error, "bad_format");
});

test("/api/health reports storage status and memory", async () => {
  const r = await request(fx.url, "GET", "/api/health");
  assert.equal(r.status, 200);
  assert.equal(r.json.status, "ok");
  assert.equal(r.json.storage, "ok");
  assert.ok(r.json.memory.process_resident_bytes > 0);
  assert.equal(typeof r.json.memory.documents_bytes, "number");
  assert.equal(r.json.memory.limit_bytes, 64 * 1024 * 1024);
});

test("/api/health is 503 while shutting down", async () => {
  const local = new ServerFixture({ SHUTDOWN_TIMEOUT_SECONDS: 10 });
  try {
    const s = await local.start();
    const doc = docId("shut");
    // A client that never answers the closing handshake keeps the server draining for a while.
    const c = await connect(socketUrl(s.wsUrl, doc));
    await c.recv();
    c.ws._socket.pause();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () => new Promise((res, rej) => {
      http.get(`${s.url}/api/health`, { agent }, (resp) => {
        let body = "";
        resp.on("data", (d) => { body += d; });
        resp.on("end", () => res({ status: resp.statusCode, body }));
      }).on("error", rej);
    });
    assert.equal((await get()).status, 200);
    s.proc.kill("SIGTERM");
    const during = await until(async () => {
      const r = await get().catch(() => null);
      return r && r.status === 503 ? r : null;
    }, 5000, "health 503 during shutdown");
    assert.equal(JSON.parse(during.body).status, "shutting_down");
    agent.destroy();
    c.terminate();
  } finally {
    await local.dispose();
  }
});
