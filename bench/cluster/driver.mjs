// Cluster benchmark driver: one run compares 1 instance (PostgreSQL, no Redis) against 3
// instances behind nginx (deploy/nginx.conf) on the same private PostgreSQL and Redis. Many
// documents, a few authors each typing at a fixed rate; every author also reads. Measures
// accepted edits/s, edit-to-reader latency for readers on the author's instance and on others,
// CPU per accepted edit per instance, and failover time (kill of an owner to the first accepted
// edit of each document it owned) over repeated kills. Not a test: figures for bench/RESULTS.md.
//
//   node bench/cluster/driver.mjs [--docs 300] [--authors 5] [--rates 2,4,8] [--seconds 10]
//                                 [--kills 4] [--lease 2]
// Needs KOLABPAD_TEST_DATABASE_URL / KOLABPAD_TEST_REDIS_URL (bench/cluster/run.sh starts them).
import { readFileSync, readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import WebSocket from "ws";
import { TestCluster, ADMIN_TOKEN } from "../../tests/distributed/lib/cluster.mjs";

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (v.startsWith("--") ? [...a, [v.slice(2), all[i + 1]]] : a), []));
const DOCS = Number(args.docs ?? 300);
const AUTHORS = Number(args.authors ?? 5);
const RATES = String(args.rates ?? "2,4,8").split(",").map(Number);
const SECONDS = Number(args.seconds ?? 10);
const WARMUP = 3;
const KILLS = Number(args.kills ?? 4);
const LEASE = Number(args.lease ?? 2);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tag = (c) => createHash("sha256").update(c, "utf8").digest("base64url").slice(0, 22);
/** CPU seconds in a /proc/PID/stat line: utime + stime, clock ticks of 10 ms. */
const cpuOfStat = (stat) => {
  const f = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};
const cpuOf = (pid) => cpuOfStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
/** CPU seconds of every nginx, redis-server and postgres process (the services the instances use). */
const servicesCpu = () => {
  let sum = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (/^(nginx|redis-server|postgres)/.test(comm)) sum += cpuOfStat(stat);
    } catch { /* gone meanwhile */ }
  }
  return sum;
};
function quantile(sorted, q) { return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN; }

/** Which instance a user id came from: each instance logs the id blocks it reserved. */
function blockMap(cluster) {
  const m = new Map();
  for (let k = 0; k < cluster.n; k++) {
    const log = cluster.servers[k].log;
    for (const x of log.matchAll(/user_ids=(\d+)\+\d+/g)) m.set(Math.floor(Number(x[1]) / 1000), k);
    for (const x of log.matchAll(/user id block first=(\d+)/g)) m.set(Math.floor(Number(x[1]) / 1000), k);
  }
  return m;
}

/** One connection of one author (also a reader): tracks revision and length, one edit in flight. */
class Author {
  constructor(run, doc, index, url) {
    Object.assign(this, { run, doc, index, url, rev: 0, len: 0, seq: 0, inflight: null, id: -1, open: false });
    this.client = `a-${doc}-${index}-${Math.random().toString(36).slice(2)}`;
    this.tag = tag(this.client);
    run.byTag.set(this.tag, this);
  }
  connect() {
    return new Promise((res) => {
      const ws = new WebSocket(`${this.url}/api/socket/${this.doc}?revision=${this.rev}`);
      this.ws = ws;
      ws.on("message", (data) => this.onFrame(JSON.parse(data)));
      ws.on("open", () => { this.open = true; res(); });
      ws.on("close", () => { this.open = false; this.run.onClose(this); res(); });
      ws.on("error", () => {});
    });
  }
  onFrame(f) {
    if (f.Identity !== undefined) {
      this.id = f.Identity;
      if (this.inflight) this.send(this.inflight);  // resend after a reconnect: (client, seq) de-duplicates
      return;
    }
    if (!f.History) return;
    const now = performance.now();
    f.History.operations.forEach((e, k) => {
      if (f.History.start + k < this.rev) return;
      for (const c of e.operation) {
        if (typeof c === "string") this.len += c.length;
        else if (c < 0) this.len += c;
      }
      this.rev++;
      const author = e.client ? this.run.byTag.get(e.client) : null;
      if (!author) return;
      const sent = author.sentAt.get(e.seq);
      if (sent === undefined) return;
      this.run.delivered(author, this, e.seq, now - sent);
      if (author === this && this.inflight && this.inflight.seq === e.seq) {
        this.inflight = null;
        this.run.accepted(this, now);
      }
    });
  }
  send(edit) {
    if (!this.open) return;
    this.ws.send(JSON.stringify({ Edit: { revision: edit.revision, operation: edit.op, client: this.client, seq: edit.seq } }));
  }
  tick() {
    if (!this.open || this.inflight || this.id < 0) { this.run.skipped++; return; }
    const op = this.len > 0 ? ["x", this.len] : ["x"];
    const edit = { seq: ++this.seq, revision: this.rev, op };
    this.sentAt ??= new Map();
    this.sentAt.set(edit.seq, performance.now());
    this.inflight = edit;
    this.send(edit);
  }
}

class Run {
  constructor(cluster, label, baseFor) {
    Object.assign(this, { cluster, label, baseFor, byTag: new Map(), authors: [], skipped: 0 });
    this.reset();
  }
  reset() {
    this.acks = 0;
    this.same = [];
    this.cross = [];
    this.everyone = new Map();  // author tag/seq -> {left, max}
    this.everyoneDone = [];
    this.measuring = false;
    this.firstAckAfter = null;  // failover: doc -> first ack time
  }
  instanceOf(a) {
    if (this.cluster.n === 1) return 0;
    return this.blocks.get(Math.floor(a.id / 1000)) ?? -1;
  }
  delivered(author, reader, seq, ms) {
    if (!this.measuring) return;
    const same = this.instanceOf(author) === this.instanceOf(reader);
    (same ? this.same : this.cross).push(ms);
    const key = `${author.tag}/${seq}`;
    let e = this.everyone.get(key);
    if (!e) { e = { left: AUTHORS, max: 0 }; this.everyone.set(key, e); }
    e.max = Math.max(e.max, ms);
    if (--e.left === 0) { this.everyoneDone.push(e.max); this.everyone.delete(key); }
  }
  accepted(a, now) {
    if (this.measuring) this.acks++;
    if (this.firstAckAfter && !this.firstAckAfter.has(a.doc) && now >= this.killAt) this.firstAckAfter.set(a.doc, now);
  }
  onClose(a) {
    if (this.closing) return;
    // Reconnect through the cluster's front door (nginx, or the single instance).
    setTimeout(() => { a.url = this.baseFor(-1); a.connect(); }, 50 + Math.random() * 100);
  }
  async connectAll() {
    for (let d = 0; d < DOCS; d++) {
      for (let i = 0; i < AUTHORS; i++) this.authors.push(new Author(this, `bench-${this.label}-${d}`, i, this.baseFor(d * AUTHORS + i)));
    }
    for (let i = 0; i < this.authors.length; i += 100) await Promise.all(this.authors.slice(i, i + 100).map((a) => a.connect()));
    await sleep(1000);
    this.blocks = blockMap(this.cluster);
  }
  async phase(rate) {
    this.reset();
    const period = 1000 / rate;
    const timers = this.authors.map((a) => {
      let t;
      const start = setTimeout(() => { a.tick(); t = setInterval(() => a.tick(), period); }, Math.random() * period);
      return () => { clearTimeout(start); clearInterval(t); };
    });
    await sleep(WARMUP * 1000);
    const pids = this.cluster.servers.map((s) => s.proc.pid);
    const cpu0 = pids.map(cpuOf);
    const drv0 = process.cpuUsage();
    const svc0 = servicesCpu();
    this.measuring = true;
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    this.measuring = false;
    const secs = (performance.now() - t0) / 1000;
    const cpu = pids.map((p, k) => cpuOf(p) - cpu0[k]);
    const drv = process.cpuUsage(drv0);
    const svc = servicesCpu() - svc0;
    for (const stop of timers) stop();
    await sleep(1500);  // in-flight edits finish
    const s = (xs) => xs.sort((a, b) => a - b);
    s(this.same); s(this.cross); s(this.everyoneDone);
    return {
      config: this.label, rate, offered: Math.round((DOCS * AUTHORS * rate)), accepted: Math.round(this.acks / secs),
      same_p50: quantile(this.same, 0.5), same_p99: quantile(this.same, 0.99),
      cross_p50: quantile(this.cross, 0.5), cross_p99: quantile(this.cross, 0.99),
      all_p50: quantile(this.everyoneDone, 0.5), all_p99: quantile(this.everyoneDone, 0.99),
      cpu_ms_per_edit: cpu.map((c) => (this.acks ? (1000 * c) / this.acks : NaN)),
      cpu_total_ms_per_edit: this.acks ? (1000 * cpu.reduce((a, b) => a + b, 0)) / this.acks : NaN,
      instance_cpu_pct: cpu.map((c) => (100 * c) / secs),
      driver_cpu_pct: (100 * (drv.user + drv.system)) / 1e6 / secs,
      services_cpu_pct: (100 * svc) / secs,
    };
  }
  async failovers(kills, rate) {
    const out = [];
    const period = 1000 / rate;
    const timers = this.authors.map((a) => setInterval(() => a.tick(), period));
    await sleep(2000);
    for (let k = 0; k < kills; k++) {
      // The documents the victim owns, from the admin API of a survivor.
      const victim = k % this.cluster.n;
      const owned = [];
      const asker = (victim + 1) % this.cluster.n;
      for (let d = 0; d < DOCS; d += 1) {
        const r = await fetch(`${this.cluster.url(asker)}/api/rooms/bench-${this.label}-${d}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        const j = await r.json();
        if (j.owner === this.cluster.id(victim)) owned.push(`bench-${this.label}-${d}`);
      }
      this.firstAckAfter = new Map();
      this.killAt = performance.now();
      await this.cluster.kill(victim);
      await sleep((LEASE + 6) * 1000);
      const times = owned.map((d) => (this.firstAckAfter.has(d) ? this.firstAckAfter.get(d) - this.killAt : Infinity));
      out.push(...times);
      process.stderr.write(`kill ${k}: i${victim} owned ${owned.length} documents; sequenced again after p50 ${quantile([...times].sort((a, b) => a - b), 0.5).toFixed(0)} ms\n`);
      this.firstAckAfter = null;
      await this.cluster.startInstance(victim);
      await sleep(3000);
      this.blocks = blockMap(this.cluster);
    }
    for (const t of timers) clearInterval(t);
    return out.sort((a, b) => a - b);
  }
  async close() {
    this.closing = true;
    for (const a of this.authors) a.ws?.terminate();
  }
}

const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : "-");

async function main() {
  const rows = [];
  let failover = [];
  // One instance on PostgreSQL (no Redis): the single-node baseline.
  {
    const single = await new TestCluster({ n: 1, nginx: false, env: { REDIS_URL: undefined } }).start();
    const run = new Run(single, "single", () => single.wsUrl(0));
    try {
      await run.connectAll();
      for (const rate of RATES) { rows.push(await run.phase(rate)); process.stderr.write(JSON.stringify(rows.at(-1)) + "\n"); }
    } finally { await run.close(); await single.dispose(); }
  }
  {
    const c = await new TestCluster({ n: 3, env: { LEASE_SECONDS: LEASE, LOG_LEVEL: "info" } }).start();
    // Placement through nginx (round robin): every document gets authors on several instances.
    const run = new Run(c, "cluster", () => c.nginxWsUrl);
    try {
      await run.connectAll();
      for (const rate of RATES) { rows.push(await run.phase(rate)); process.stderr.write(JSON.stringify(rows.at(-1)) + "\n"); }
      if (KILLS > 0) failover = await run.failovers(KILLS, RATES[0]);
    } finally { await run.close(); await c.dispose(); }
  }
  console.log(`\n${DOCS} documents x ${AUTHORS} authors, ${SECONDS} s measured per rate after ${WARMUP} s warm-up; latencies in ms (send to History received)\n`);
  console.log("| config | edits/s per author | offered/s | accepted/s | same-instance p50 / p99 | cross-instance p50 / p99 | to everyone p50 / p99 | server CPU ms per edit (per instance) | instances' CPU % | driver CPU % | nginx + Redis + PostgreSQL CPU % |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(`| ${r.config} | ${r.rate} | ${r.offered} | ${r.accepted} | ${fmt(r.same_p50)} / ${fmt(r.same_p99)} | ${fmt(r.cross_p50)} / ${fmt(r.cross_p99)} | ` +
      `${fmt(r.all_p50)} / ${fmt(r.all_p99)} | ${fmt(r.cpu_total_ms_per_edit, 3)} (${r.cpu_ms_per_edit.map((x) => fmt(x, 3)).join(", ")}) | ` +
      `${r.instance_cpu_pct.map((x) => fmt(x, 0)).join(", ")} | ${fmt(r.driver_cpu_pct, 0)} | ${fmt(r.services_cpu_pct, 0)} |`);
  }
  if (failover.length) {
    const finite = failover.filter(Number.isFinite);
    console.log(`\nFailover (kill -9 of an owner to the first accepted edit of each document it owned), LEASE_SECONDS=${LEASE}, ${KILLS} kills, ${failover.length} documents: ` +
      `p50 ${fmt(quantile(finite, 0.5), 0)} ms, max ${fmt(finite.at(-1), 0)} ms` + (finite.length < failover.length ? `, ${failover.length - finite.length} not sequenced within ${LEASE + 6} s` : ""));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
