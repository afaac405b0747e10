// What the undo manager adds to the live edit path in the browser: per local keystroke (the
// inverse needs the text before the edit) and per remote operation (every step is transformed
// through it), by document size and stack depth. Run after `npm run build --workspace frontend`:
//   node bench/frontend/undo.mjs            (BENCH_MS sets the time per cell, default 300)
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const path = fileURLToPath(new URL("../../frontend/dist-node/collab/index.js", import.meta.url));
if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build --workspace frontend\``);
const { UndoManager, opFromJson } = await import(path);
const MS = Number(process.env.BENCH_MS ?? 300);

const sink = { applyRemote() {}, setText() {}, applyOwn() {} };

/** Best of 3 rounds: calls per second of `step(i)`. */
function rate(step) {
  let best = 0;
  let i = 0;
  for (let round = 0; round < 3; round++) {
    const end = performance.now() + MS;
    let n = 0;
    const t0 = performance.now();
    while (performance.now() < end) for (let k = 0; k < 16; k++, n++) step(i++);
    best = Math.max(best, n / ((performance.now() - t0) / 1000));
  }
  return best;
}

const line = (cells) => console.log(`| ${cells.join(" | ")} |`);
const us = (perSec) => (1e6 / perSec).toFixed(1);

console.log(`node ${process.version}; best of 3 rounds of ${MS} ms per cell\n`);
line(["case", "doc", "steps on the stack", "µs per call"]);
line(["---", "---:", "---:", "---:"]);

for (const kib of [1, 64, 256]) {
  // A local keystroke: one typed character at a moving place (pauses never happen here).
  const len0 = kib * 1024;
  const undo = new UndoManager(sink, { now: () => 0 }, "x".repeat(len0));
  let len = len0;
  const per = rate((i) => {
    const pos = (i * 7919) % (len + 1);
    const op = opFromJson(pos ? [pos, "a", len - pos].filter((c) => c !== 0) : ["a", len]);
    undo.edit(op);
    len++;
    op.free();
  });
  line(["local keystroke (invert against the text)", `${kib} KiB`, String(undo.undoDepth), us(per)]);
}

for (const depth of [0, 100, 500]) {
  const len0 = 64 * 1024;
  const undo = new UndoManager(sink, { now: () => 0 }, "x".repeat(len0));
  let len = len0;
  for (let k = 0; k < depth; k++) { // pastes: one step each, spread over the text
    const pos = (k * 104729) % len;
    undo.edit(opFromJson([pos, "word ", len - pos].filter((c) => c !== 0)));
    len += 5;
  }
  const per = rate((i) => {
    const pos = (i * 7919) % (len + 1);
    const op = opFromJson(pos === len ? [len, "R"] : pos ? [pos, "R", len - pos] : ["R", len]);
    undo.applyRemote(op);
    len++;
    op.free();
  });
  line(["remote operation (moves every step)", "64 KiB", String(undo.undoDepth), us(per)]);
}
