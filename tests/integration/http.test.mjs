// The HTTP routes of PROTOCOL.md section 5 against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, httpGet, getText, docId } from "./lib/client.mjs";

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(async () => { await fx?.dispose(); });

test("/api/text gives the current text as UTF-8 plain text, and \"\" for an unknown document", async () => {
  const doc = docId("text");
  assert.equal(await getText(fx.url, docId("never")), "");
  const [a] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["fn main() { 👨‍👨‍👦‍👦 }\n"] } });
  await a.recv();
  assert.equal(await getText(fx.url, doc), "fn main() { 👨‍👨‍👦‍👦 }\n");
  await a.close();
  assert.equal((await httpGet(fx.url, "/api/text/bad.id")).status, 400);
});

test("/api/stats reports start time, documents in memory and stored documents", async () => {
  const before = Math.floor(Date.now() / 1000);
  const doc = docId("stats");
  const [a] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["x"] } });
  await a.recv();
  const r = await httpGet(fx.url, "/api/stats");
  assert.equal(r.status, 200);
  assert.match(r.type ?? "", /^application\/json/);
  const stats = JSON.parse(r.body);
  for (const k of ["start_time", "num_documents", "database_size"]) assert.ok(Number.isInteger(stats[k]), `${k}: ${r.body}`);
  assert.ok(stats.start_time <= before + 1 && stats.start_time > before - 3600, `start_time ${stats.start_time}`);
  assert.ok(stats.num_documents >= 1, r.body);
  assert.ok(stats.database_size >= 0, r.body);
  await a.close();
});

test("/api/health answers 200 with status ok", async () => {
  const r = await httpGet(fx.url, "/api/health");
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).status, "ok");
});

/** Parses Prometheus text: {samples: Map(series -> value), types: Map(name -> type)}. */
function parsePrometheus(body) {
  const samples = new Map(), types = new Map();
  for (const line of body.split("\n")) {
    if (!line.trim()) continue;
    const t = /^# TYPE (\w+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) { types.set(t[1], t[2]); continue; }
    if (line.startsWith("#")) continue;
    const m = /^(\w+(?:\{[^}]*\})?) (-?[\d.eE+-]+|NaN|[+-]Inf)$/.exec(line);
    assert.ok(m, `not a Prometheus sample line: ${line}`);
    samples.set(m[1], Number(m[2]));
  }
  return { samples, types };
}

/** Sum of the samples whose metric name matches `re` (labels ignored). */
const total = ({ samples }, re) => [...samples].filter(([k]) => re.test(k.split("{")[0])).reduce((n, [, v]) => n + v, 0);

test("/api/metrics answers Prometheus text counting connections, documents, edits, bytes, errors, latency", async () => {
  const doc = docId("metrics");
  const before = parsePrometheus((await httpGet(fx.url, "/api/metrics")).body);
  const [a] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["counted"] } });
  await a.recv();
  const [bad] = await join(fx.wsUrl, doc);
  bad.sendRaw("not json");
  await bad.waitClosed();
  const r = await httpGet(fx.url, "/api/metrics");
  assert.equal(r.status, 200);
  assert.match(r.type ?? "", /^text\/plain/);
  const after = parsePrometheus(r.body);
  assert.ok(total(after, /connection/) >= 1, "open connections are counted");
  assert.ok(total(after, /document/) >= 1, "documents are counted");
  assert.ok(total(after, /edit/) > total(before, /edit/), "edits are counted");
  assert.ok(total(after, /bytes/) > total(before, /bytes/), "bytes are counted");
  assert.ok(total(after, /error/) > total(before, /error/), "errors are counted");
  const histograms = [...after.types].filter(([, t]) => t === "histogram").map(([n]) => n);
  assert.ok(histograms.length >= 1, "at least one latency histogram");
  for (const h of histograms) {
    const inf = [...after.samples].find(([k]) => k.startsWith(`${h}_bucket{`) && /le="\+Inf"/.test(k));
    assert.ok(inf, `${h} has a +Inf bucket`);
    assert.equal(inf[1], after.samples.get(`${h}_count`), `${h}: +Inf bucket equals _count`);
  }
  await a.close();
});

test("an unknown /api path is 404", async () => {
  for (const p of ["/api/nope", "/api/healthz", "/api/stats/extra"])
    assert.equal((await httpGet(fx.url, p)).status, 404, p);
});
