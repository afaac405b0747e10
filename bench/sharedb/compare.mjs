// Prints the Kolabpad vs ShareDB table (markdown) from two driver.mjs reports, with the ratios and targets.
import { readFileSync } from "node:fs";

const [k, s] = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, "utf8")));
const rows = [
  ["accepted edits/s", (r) => r.accepted_edits_per_s, 0],
  ["keystrokes/s typed", (r) => r.keystrokes_per_s, 0],
  ["server CPU µs per accepted edit", (r) => r.server.cpu_us_per_accepted_edit, 1, "≤ 1/20 of ShareDB"],
  ["server CPU µs per keystroke", (r) => r.server.cpu_us_per_keystroke, 1],
  ["edit-to-everyone p50 ms", (r) => r.edit_to_everyone.p50_ms, 2],
  ["edit-to-everyone p99 ms", (r) => r.edit_to_everyone.p99_ms, 2, "≤ 1/3 of ShareDB"],
  ["edit-to-ack p50 ms", (r) => r.edit_to_ack.p50_ms, 2],
  ["edit-to-ack p99 ms", (r) => r.edit_to_ack.p99_ms, 2],
  ["server RSS per author connection (B)", (r) => r.server.rss_bytes_per_connection, 0],
  ["server RSS per idle connection (B)", (r) => r.server.rss_bytes_per_idle_connection, 0],
  ["converged", (r) => (r.convergence.ok ? "yes" : "NO"), null],
];
console.log(`${k.clients} authors on one document, ${k.total_rate_offered} keystrokes/s offered, ` +
  `${k.window_s.toFixed(1)} s; same Node.js driver for both\n`);
console.log("| measure | Kolabpad | ShareDB | Kolabpad / ShareDB | target |");
console.log("|---|---:|---:|---:|---|");
for (const [name, get, digits, target = ""] of rows) {
  const a = get(k), b = get(s);
  const fmt = (v) => (typeof v === "number" ? v.toFixed(digits) : String(v));
  const ratio = typeof a === "number" && typeof b === "number" && b ? (a / b).toFixed(3) : "";
  console.log(`| ${name} | ${fmt(a)} | ${fmt(b)} | ${ratio} | ${target} |`);
}
