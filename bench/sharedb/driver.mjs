// One Node.js client workload against either system (--system kolabpad|sharedb): N authors on one
// document typing at a fixed total rate; reports server CPU per accepted edit, edit-to-ack and
// edit-to-everyone latency, server RSS per connection, and checks every author converged.
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    system: { type: "string" }, url: { type: "string" }, clients: { type: "string", default: "50" },
    "total-rate": { type: "string", default: "1000" }, duration: { type: "string", default: "20" },
    "server-pid": { type: "string" }, json: { type: "string" }, seed: { type: "string", default: "1" },
    "doc-size": { type: "string", default: "500" }, doc: { type: "string" },
    idle: { type: "string", default: "1000" },
  },
});
if (!["kolabpad", "sharedb"].includes(a.system) || !a.url) {
  console.error("usage: node driver.mjs --system kolabpad|sharedb --url ws://127.0.0.1:PORT [--clients 50]" +
    " [--total-rate 1000] [--duration 20] [--server-pid PID] [--json FILE] [--seed 1] [--doc-size 500] [--idle 1000]");
  process.exit(64);
}
const adapter = await import(`./adapters/${a.system}.mjs`);
const clients = Number(a.clients), totalRate = Number(a["total-rate"]), duration = Number(a.duration);
const docSize = Number(a["doc-size"]), pid = a["server-pid"];
const docId = a.doc || `cmp-${a.system}-${process.pid}-${Date.now()}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Server RSS in KiB and CPU seconds (utime+stime) from /proc. */
const rssKiB = () => (pid ? Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) : -1);
const cpuS = (p = pid) => {
  if (!p) return -1;
  const s = readFileSync(`/proc/${p}/stat`, "utf8");
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // fields 14 and 15; USER_HZ is 100 on Linux
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

let typing = false, acks = 0, acksInWindow = 0, keystrokes = 0, ticksLate = 0;
const sentAt = new Map(), pending = new Map(), ackMs = [], everyoneMs = [];
const hooks = {
  onSent(key, t) { sentAt.set(key, t); if (clients > 1) pending.set(key, { t, remaining: clients - 1 }); },
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
};

const rss0 = rssKiB();
const authors = [await adapter.connect(a.url, docId, 0, hooks)];
authors.push(...(await Promise.all(Array.from({ length: clients - 1 }, (_, i) => adapter.connect(a.url, docId, i + 1, hooks)))));
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
const cpu0 = cpuS(), driverCpu0 = cpuS(process.pid), t0 = performance.now();
typing = true;
authors.forEach((author, i) => {
  const r = rng(Number(a.seed) * 1000 + i);
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
const windowS = (performance.now() - t0) / 1000;
const cpu1 = cpuS(), driverCpu1 = cpuS(process.pid);

const d0 = performance.now();
let settled = false;
while (performance.now() - d0 < 30000) {
  const v = authors[0].version();
  if (authors.every((x) => x.idle() && x.version() === v)) { settled = true; break; }
  await sleep(50);
}
const serverText = await adapter.serverText(a.url, docId);
const diverged = authors.filter((x) => x.text() !== serverText).length;
const failures = authors.map((x) => x.failed?.()).filter(Boolean);

// Memory per connection: open `idle` more connections, 10 per document, and divide the RSS growth.
const idleN = Number(a.idle), idleDocs = Math.max(1, Math.ceil(idleN / 10)), idlers = [];
const rssIdle0 = rssKiB();
for (let k = 0; idlers.length < idleN; k++) {
  const batch = [];
  for (let d = 0; d < idleDocs && idlers.length + batch.length < idleN; d++)
    batch.push(adapter.connect(a.url, `${docId}-idle-${d}`, k, { onSent() {}, onAck() {}, onRemote() {} }));
  idlers.push(...(await Promise.all(batch)));
}
await sleep(1000);
const rssIdle1 = rssKiB();
for (const x of [...authors, ...idlers]) x.close();

function pct(xs) {
  const s = [...xs].sort((p, q) => p - q);
  const at = (q) => (s.length ? s[Math.min(s.length - 1, Math.round(q * (s.length - 1)))] : 0);
  return { count: s.length, p50_ms: at(0.5), p95_ms: at(0.95), p99_ms: at(0.99), max_ms: s.length ? s[s.length - 1] : 0 };
}
const report = {
  system: a.system, clients, total_rate_offered: totalRate, window_s: windowS, keystrokes,
  keystrokes_per_s: keystrokes / windowS, accepted_edits: acks, accepted_edits_in_window: acksInWindow,
  accepted_edits_per_s: acksInWindow / windowS, ticks_late: ticksLate,
  edit_to_ack: pct(ackMs), edit_to_everyone: pct(everyoneMs), everyone_incomplete: pending.size,
  server: { pid: Number(pid) || null, cpu_s: cpu1 - cpu0,
    cpu_us_per_accepted_edit: acksInWindow ? ((cpu1 - cpu0) * 1e6) / acksInWindow : null,
    cpu_us_per_keystroke: keystrokes ? ((cpu1 - cpu0) * 1e6) / keystrokes : null,
    rss_kib_before: rss0, rss_kib_connected: rss1, rss_kib_end: rssKiB(),
    rss_bytes_per_connection: ((rss1 - rss0) * 1024) / clients,
    idle_connections: idleN, rss_kib_idle_before: rssIdle0, rss_kib_idle_after: rssIdle1,
    rss_bytes_per_idle_connection: idleN ? ((rssIdle1 - rssIdle0) * 1024) / idleN : null },
  driver_cpu_s: driverCpu1 - driverCpu0,
  convergence: { ok: settled && diverged === 0 && failures.length === 0, settled, diverged, failures,
    text_code_points: [...serverText].length },
};
if (a.json) writeFileSync(a.json, JSON.stringify(report, null, 2) + "\n");
const e = report.edit_to_everyone, k = report.edit_to_ack;
console.log(`${a.system}: ${clients} clients, ${totalRate}/s offered, ${windowS.toFixed(1)} s: ` +
  `${report.accepted_edits_per_s.toFixed(0)} accepted edits/s (${report.keystrokes_per_s.toFixed(0)} keystrokes/s)`);
console.log(`  server CPU ${report.server.cpu_s.toFixed(2)} s = ${report.server.cpu_us_per_accepted_edit?.toFixed(1)} us/accepted edit;` +
  ` RSS ${rss0} -> ${rss1} KiB (${report.server.rss_bytes_per_connection.toFixed(0)} B/connection);` +
  ` ${idleN} idle connections: ${report.server.rss_bytes_per_idle_connection?.toFixed(0)} B each`);
console.log(`  edit->ack p50 ${k.p50_ms.toFixed(2)} p99 ${k.p99_ms.toFixed(2)} ms; edit->everyone p50 ${e.p50_ms.toFixed(2)}` +
  ` p99 ${e.p99_ms.toFixed(2)} max ${e.max_ms.toFixed(2)} ms (n=${e.count}, incomplete ${pending.size})`);
console.log(`  convergence ${report.convergence.ok ? "OK" : "FAILED"} (${diverged} diverged, settled=${settled})`);
process.exit(report.convergence.ok ? 0 : 1);
