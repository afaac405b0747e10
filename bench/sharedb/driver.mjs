// One Node.js client workload against either system (--system kolabpad|sharedb): N authors on one
// document typing at a fixed total rate (or flat out: each author's next edit as soon as the last is
// acknowledged), plus M thin readers; reports server CPU (user and kernel) per accepted edit and per
// delivered frame, edit-to-ack and edit-to-everyone latency, server RSS per connection, the driver's
// own CPU and event-loop lag (a driver that saturated makes the run INVALID), and checks every author
// converged.
import { execSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    system: { type: "string" }, url: { type: "string" }, clients: { type: "string", default: "50" },
    readers: { type: "string", default: "0" }, "flat-out": { type: "boolean", default: false },
    "total-rate": { type: "string", default: "250" }, duration: { type: "string", default: "10" },
    "server-pid": { type: "string" }, json: { type: "string" }, seed: { type: "string", default: "1" },
    "doc-size": { type: "string", default: "500" }, doc: { type: "string" },
    idle: { type: "string", default: "1000" }, "max-cpu": { type: "string", default: "0.5" },
    "max-lag-ms": { type: "string", default: "10" },
  },
});
if (!["kolabpad", "sharedb"].includes(a.system) || !a.url) {
  console.error("usage: node driver.mjs --system kolabpad|sharedb --url ws://127.0.0.1:PORT [--clients 50]" +
    " [--readers 0] [--total-rate 250 | --flat-out] [--duration 10] [--server-pid PID] [--json FILE] [--seed 1]" +
    " [--doc-size 500] [--idle 1000] [--max-cpu 0.5] [--max-lag-ms 10]");
  process.exit(64);
}
const adapter = await import(`./adapters/${a.system}.mjs`);
const clients = Number(a.clients), readersN = Number(a.readers), totalRate = Number(a["total-rate"]);
const flatOut = a["flat-out"], duration = Number(a.duration);
const docSize = Number(a["doc-size"]), pid = a["server-pid"];
const maxCpu = Number(a["max-cpu"]), maxLagMs = Number(a["max-lag-ms"]);
const docId = a.doc || `cmp-${a.system}-${process.pid}-${Date.now()}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const HZ = Number(execSync("getconf CLK_TCK").toString().trim()) || 100;

/** Server RSS in KiB, and user and kernel CPU seconds (utime, stime) from /proc. */
const rssKiB = () => (pid ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) : -1);
const cpuS = () => {
  if (!pid) return { user: 0, sys: 0 };
  const s = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return { user: Number(f[11]) / HZ, sys: Number(f[12]) / HZ }; // fields 14 and 15
};

/** Seeded PRNG (mulberry32), so both systems get the same keystrokes for the same state. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let typing = false, acks = 0, acksInWindow = 0, keystrokes = 0, ticksLate = 0, frames = 0, framesInWindow = 0;
const receivers = clients - 1 + readersN;
const sentAt = new Map(), pending = new Map(), ackMs = [], everyoneMs = [];
const hooks = (author) => ({
  onSent(key, t) { sentAt.set(key, t); if (receivers > 0) pending.set(key, { t, remaining: receivers }); },
  onAck(key, t) {
    const s = sentAt.get(key);
    if (s === undefined) return;
    sentAt.delete(key);
    acks++;
    if (typing) acksInWindow++;
    ackMs.push(t - s);
  },
  onRemote(key, t) {
    const p = pending.get(key);
    if (p && --p.remaining === 0) { everyoneMs.push(t - p.t); pending.delete(key); }
  },
  onFrame() { frames++; if (typing) framesInWindow++; },
  onIdle() { if (flatOut && typing && author.value) setImmediate(() => typing && author.value.idle() && keystroke(author.value, author.r)); },
});

const rss0 = rssKiB();
const slots = Array.from({ length: clients }, (_, i) => ({ value: null, r: rng(Number(a.seed) * 1000 + i) }));
slots[0].value = await adapter.connect(a.url, docId, 0, hooks(slots[0]));
await Promise.all(slots.slice(1).map(async (s, i) => { s.value = await adapter.connect(a.url, docId, i + 1, hooks(s)); }));
const authors = slots.map((s) => s.value);
const readers = await Promise.all(Array.from({ length: readersN }, () => adapter.connectReader(a.url, docId, hooks({}))));
await sleep(1000);
const rss1 = rssKiB();

function keystroke(author, r) {
  const len = author.length();
  if (len === 0 || r() < (len < docSize ? 0.7 : 0.3)) {
    const x = r();
    const ch = x < 0.01 ? "🎉" : x < 0.03 ? "é" : x < 0.1 ? " " : x < 0.13 ? "\n" : String.fromCharCode(97 + Math.floor(r() * 26));
    author.insert(Math.floor(r() * (len + 1)), ch);
  } else {
    author.remove(Math.floor(r() * len));
  }
  keystrokes++;
}

const period = (clients / totalRate) * 1000;
const lag = monitorEventLoopDelay({ resolution: 5 });
const cpu0 = cpuS(), driverCpu0 = process.cpuUsage(), t0 = performance.now();
lag.enable();
typing = true;
slots.forEach((slot) => {
  const author = slot.value, r = slot.r;
  if (flatOut) return keystroke(author, r);
  let next = t0 + r() * period;
  const tick = () => {
    if (!typing) return;
    const now = performance.now();
    if (now - next > period) { ticksLate++; next = now; }
    keystroke(author, r);
    next += period;
    setTimeout(tick, Math.max(0, next - performance.now()));
  };
  setTimeout(tick, next - t0);
});
await sleep(duration * 1000);
typing = false;
lag.disable();
const windowS = (performance.now() - t0) / 1000;
const cpu1 = cpuS(), driverCpu = process.cpuUsage(driverCpu0);

const d0 = performance.now();
let settled = false;
while (performance.now() - d0 < 30000) {
  const v = authors[0].version();
  if (authors.every((x) => x.idle() && x.version() === v) && readers.every((x) => x.version() === v)) { settled = true; break; }
  await sleep(50);
}
const serverText = await adapter.serverText(a.url, docId);
const diverged = authors.filter((x) => x.text() !== serverText).length;
const failures = [...authors, ...readers].map((x) => x.failed?.()).filter(Boolean);

// Memory per connection: open `idle` more connections, 10 per document, and divide the RSS growth.
const idleN = Number(a.idle), idleDocs = Math.max(1, Math.ceil(idleN / 10)), idlers = [];
const rssIdle0 = rssKiB();
for (let k = 0; idlers.length < idleN; k++) {
  const batch = [];
  for (let d = 0; d < idleDocs && idlers.length + batch.length < idleN; d++)
    batch.push(adapter.connect(a.url, `${docId}-idle-${d}`, k, { onSent() {}, onAck() {}, onRemote() {} }));
  idlers.push(...(await Promise.all(batch)));
}
await sleep(idleN ? 1000 : 0);
const rssIdle1 = rssKiB();
for (const x of [...authors, ...readers, ...idlers]) x.close();

function pct(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const at = (q) => (s.length ? s[Math.min(s.length - 1, Math.round(q * (s.length - 1)))] : 0);
  return { count: s.length, p50_ms: at(0.5), p95_ms: at(0.95), p99_ms: at(0.99), max_ms: s.length ? s[s.length - 1] : 0 };
}
const per = (v, n) => (n ? (v * 1e6) / n : null);
const serverUser = cpu1.user - cpu0.user, serverSys = cpu1.sys - cpu0.sys, serverCpu = serverUser + serverSys;
const driverCore = (driverCpu.user + driverCpu.system) / 1e6 / windowS;
const lagP99 = lag.percentile(99) / 1e6;
const invalid = [];
if (driverCore > maxCpu) invalid.push(`the driver saturated: it used ${driverCore.toFixed(2)} of a core (limit ${maxCpu})`);
if (lagP99 > maxLagMs)
  invalid.push(`the driver's event loop ran late by ${lagP99.toFixed(1)} ms at p99 (limit ${maxLagMs} ms), so latencies include its own delay`);
const report = {
  system: a.system, clients, readers: readersN, mode: flatOut ? "flat-out" : "rate",
  total_rate_offered: flatOut ? null : totalRate, window_s: windowS, keystrokes,
  keystrokes_per_s: keystrokes / windowS, accepted_edits: acks, accepted_edits_in_window: acksInWindow,
  accepted_edits_per_s: acksInWindow / windowS, ticks_late: ticksLate, frames_in: frames, frames_in_window: framesInWindow,
  edit_to_ack: pct(ackMs), edit_to_everyone: pct(everyoneMs), everyone_incomplete: pending.size,
  server: { pid: Number(pid) || null, cpu_s: serverCpu, cpu_user_s: serverUser, cpu_sys_s: serverSys,
    core_fraction: serverCpu / windowS,
    cpu_us_per_accepted_edit: per(serverCpu, acksInWindow),
    cpu_user_us_per_accepted_edit: per(serverUser, acksInWindow),
    cpu_sys_us_per_accepted_edit: per(serverSys, acksInWindow),
    cpu_us_per_keystroke: per(serverCpu, keystrokes),
    cpu_us_per_delivered_frame: per(serverCpu, framesInWindow),
    cpu_user_us_per_delivered_frame: per(serverUser, framesInWindow),
    cpu_sys_us_per_delivered_frame: per(serverSys, framesInWindow),
    rss_kib_before: rss0, rss_kib_connected: rss1, rss_kib_end: rssKiB(),
    rss_bytes_per_connection: ((rss1 - rss0) * 1024) / (clients + readersN),
    idle_connections: idleN, rss_kib_idle_before: rssIdle0, rss_kib_idle_after: rssIdle1,
    rss_bytes_per_idle_connection: idleN ? ((rssIdle1 - rssIdle0) * 1024) / idleN : null },
  driver: { cpu_user_s: driverCpu.user / 1e6, cpu_sys_s: driverCpu.system / 1e6, core_fraction: driverCore,
    loop_lag_p50_ms: lag.percentile(50) / 1e6, loop_lag_p99_ms: lagP99, loop_lag_max_ms: lag.max / 1e6 },
  driver_cpu_s: (driverCpu.user + driverCpu.system) / 1e6,
  valid: invalid.length === 0, invalid_reasons: invalid,
  convergence: { ok: settled && diverged === 0 && failures.length === 0, settled, diverged, failures,
    text_code_points: [...serverText].length },
};
if (a.json) writeFileSync(a.json, JSON.stringify(report, null, 2) + "\n");
const e = report.edit_to_everyone, k = report.edit_to_ack, sv = report.server, f = (v, d = 1) => (v ?? 0).toFixed(d);
console.log(`${a.system}: ${clients} authors + ${readersN} readers, ${flatOut ? "flat out" : `${totalRate}/s offered`}, ` +
  `${windowS.toFixed(1)} s: ${report.accepted_edits_per_s.toFixed(0)} accepted edits/s (${report.keystrokes_per_s.toFixed(0)} keystrokes/s)`);
console.log(`  server CPU ${f(sv.cpu_user_s, 2)} user + ${f(sv.cpu_sys_s, 2)} kernel s = ${f(sv.cpu_us_per_accepted_edit)} us/accepted edit` +
  ` (${f(sv.cpu_user_us_per_accepted_edit)} user, ${f(sv.cpu_sys_us_per_accepted_edit)} kernel),` +
  ` ${f(sv.cpu_us_per_delivered_frame, 2)} us/delivered frame; RSS ${rss0} -> ${rss1} KiB;` +
  ` ${idleN} idle connections: ${f(sv.rss_bytes_per_idle_connection, 0)} B each`);
console.log(`  edit->ack p50 ${f(k.p50_ms, 2)} p99 ${f(k.p99_ms, 2)} ms; edit->everyone p50 ${f(e.p50_ms, 2)}` +
  ` p99 ${f(e.p99_ms, 2)} max ${f(e.max_ms, 2)} ms (n=${e.count}, incomplete ${pending.size})`);
console.log(`  driver CPU ${f(report.driver.cpu_user_s, 2)} user + ${f(report.driver.cpu_sys_s, 2)} kernel s` +
  ` (${f(driverCore, 2)} core), loop lag p99 ${f(lagP99, 2)} max ${f(report.driver.loop_lag_max_ms, 2)} ms`);
console.log(`  convergence ${report.convergence.ok ? "OK" : "FAILED"} (${diverged} diverged, settled=${settled}${failures.length ? `, ${failures[0]}` : ""})`);
for (const why of invalid) console.log(`  INVALID: the figures above do not measure the server: ${why}`);
process.exit(!report.convergence.ok ? 1 : report.valid ? 0 : 4);
