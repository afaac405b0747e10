// Prints the Kolabpad vs ShareDB table (markdown) from two driver.mjs reports of one workload, with
// the ratios, the user/kernel split of server CPU, the drivers' own CPU and each run's validity.
import { readFileSync } from "node:fs";

const [k, s] = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, "utf8")));
const rows = [
  ["accepted edits/s", (r) => r.accepted_edits_per_s, 0],
  ["keystrokes/s typed", (r) => r.keystrokes_per_s, 0],
  ["server CPU µs per accepted edit", (r) => r.server.cpu_us_per_accepted_edit, 1, "≤ 1/20 of ShareDB"],
  ["  of which user", (r) => r.server.cpu_user_us_per_accepted_edit, 1],
  ["  of which kernel", (r) => r.server.cpu_sys_us_per_accepted_edit, 1],
  ["server CPU µs per delivered frame", (r) => r.server.cpu_us_per_delivered_frame, 2],
  ["server cores used", (r) => r.server.core_fraction, 2],
  ["edit-to-everyone p50 ms", (r) => r.edit_to_everyone.p50_ms, 2],
  ["edit-to-everyone p99 ms", (r) => r.edit_to_everyone.p99_ms, 2, "≤ 1/3 of ShareDB"],
  ["edit-to-ack p50 ms", (r) => r.edit_to_ack.p50_ms, 2],
  ["edit-to-ack p99 ms", (r) => r.edit_to_ack.p99_ms, 2],
  ["server RSS per idle connection (B)", (r) => r.server.rss_bytes_per_idle_connection, 0],
  ["driver CPU (cores) / loop lag p99 ms", (r) => `${r.driver.core_fraction.toFixed(2)} / ${r.driver.loop_lag_p99_ms.toFixed(1)}`, null],
  ["converged", (r) => (r.convergence.ok ? "yes" : "NO"), null],
  ["valid (driver not saturated)", (r) => (r.valid ? "yes" : `INVALID: ${r.invalid_reasons.join("; ")}`), null],
];
const load = k.mode === "flat-out" ? "flat out" : `${k.total_rate_offered} keystrokes/s offered`;
console.log(`${k.clients} authors + ${k.readers} readers on one document, ${load}, ` +
  `${k.window_s.toFixed(1)} s; same Node.js driver for both\n`);
console.log("| measure | Kolabpad | ShareDB | Kolabpad / ShareDB | target |");
console.log("|---|---:|---:|---:|---|");
for (const [name, get, digits, target = ""] of rows) {
  const a = get(k), b = get(s);
  const fmt = (v) => (typeof v === "number" ? v.toFixed(digits) : v == null ? "–" : String(v));
  const ratio = typeof a === "number" && typeof b === "number" && b ? (a / b).toFixed(3) : "";
  console.log(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${ratio} | ${target} |`);
}
console.log();
