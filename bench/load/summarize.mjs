// One markdown table of kolabpad-load JSON reports (bench/load/run.sh writes them): per run, what the
// server did, what it cost, and what the tool cost, with the run's validity.
// Usage: node bench/load/summarize.mjs REPORT.json...
import { readFileSync } from "node:fs";
import { basename } from "node:path";

const f = (v, d = 1) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(d) : "–");
console.log("| run | valid | accepted/s | everyone p50 / p95 / p99 ms | ack p50 / p99 ms |" +
  " server µs/edit (user + kernel) | server µs/frame (user + kernel) | server cores | tool cores (busiest thread, lag p99 ms) |" +
  " converged, drained s | notes |");
console.log("|---|---|---:|---|---|---|---|---:|---|---|---|");
for (const file of process.argv.slice(2)) {
  let r;
  try { r = JSON.parse(readFileSync(file, "utf8")); } catch { console.log(`| ${basename(file)} | missing | | | | | | | | | |`); continue; }
  const s = r.server || {}, e = r.edit_to_everyone, k = r.edit_to_ack, t = r.tool;
  const busiest = t.threads.reduce((m, x) => (x.core_fraction > m.core_fraction ? x : m), t.threads[0]);
  const notes = [];
  if (r.disk_bound_limit_per_s) notes.push(`disk-bound limit ${f(r.disk_bound_limit_per_s, 0)}/s (fdatasync ${f(r.floors.fdatasync_p50_us, 0)} µs + RTT ${f(r.floors.loopback_rtt_p50_us, 0)} µs): ${f(100 * r.disk_bound_fraction)} %`);
  if (r.durable) notes.push(`durable ${r.durable.sqlite_rows}/${r.durable.acknowledged}`);
  if (r.config.mode === "idle") notes.push(`${f(s.rss_bytes_per_connection, 0)} B RSS per connection`);
  if (r.everyone_incomplete) notes.push(`${r.everyone_incomplete} incomplete`);
  if (Object.keys(r.errors).length) notes.push(`errors: ${JSON.stringify(r.errors)}`);
  if (!r.valid) notes.push(r.invalid_reasons.join("; "));
  console.log(`| ${basename(file, ".json")} | ${r.valid ? "yes" : "**INVALID**"} | ${f(r.accepted_edits_per_s, 0)} |` +
    ` ${f(e.p50_ms, 2)} / ${f(e.p95_ms, 2)} / ${f(e.p99_ms, 2)} | ${f(k.p50_ms, 2)} / ${f(k.p99_ms, 2)} |` +
    ` ${f(s.cpu_us_per_accepted_edit)} (${f(s.cpu_user_us_per_accepted_edit)} + ${f(s.cpu_sys_us_per_accepted_edit)}) |` +
    ` ${f(s.cpu_us_per_delivered_frame, 2)} (${f(s.cpu_user_us_per_delivered_frame, 2)} + ${f(s.cpu_sys_us_per_delivered_frame, 2)}) |` +
    ` ${f(s.core_fraction, 2)} | ${f(t.core_fraction, 2)} (${f(busiest.core_fraction, 2)}, ${f(busiest.loop_lag.p99_ms, 1)}) |` +
    ` ${r.convergence.ok ? "yes" : r.convergence.settled ? "**NO**" : "not settled"}, ${f(r.drain_s)} | ${notes.join("; ")} |`);
}
