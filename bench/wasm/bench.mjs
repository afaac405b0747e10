// Runs the shared OT workload through @kolabpad/ot (wasm) and through ot.js in one Node process and
// prints ops/s for both and their ratio, row by row. Usage:
//   node bench/wasm/bench.mjs [build/bench/workload.json] [--breakdown]
// --breakdown adds a table of where OpSeq.apply(string) spends its time (encode, wasm, decode).
// ot.js counts UTF-16 units, so it runs on BMP variants of the same cases: every astral character
// (in documents and inserts) replaced by U+FFFD, which keeps every length in code points.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { OpLog, OpSeq, TextBuffer } from "../../wasm/index.js";
import { readOutput, wasm, writeInput } from "../../wasm/js/runtime.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { TextOperation } = createRequire(import.meta.url)(path.join(root, "node_modules/ot"));
const args = process.argv.slice(2);
const breakdown = args.includes("--breakdown");
const file = args.find((a) => !a.startsWith("--")) ?? path.join(root, "build/bench/workload.json");
const workload = JSON.parse(readFileSync(file, "utf8"));
const MIN_MS = Number(process.env.BENCH_MS ?? 600);

const bmp = (s) => s.replace(/[\u{10000}-\u{10ffff}]/gu, "\ufffd");
const bmpOp = (json) => json.map((c) => (typeof c === "string" ? bmp(c) : c));
const ours = (json) => OpSeq.from_str(JSON.stringify(json));
const theirs = (json) => TextOperation.fromJSON(bmpOp(json));

// Calls run(i) for i = 0.. over `n` cases, after a warm-up, in 3 rounds of MIN_MS / 3 each, and
// returns the best round's ops per second (the machine is shared: the best round is the least
// disturbed one).
function measure(n, run) {
  const round = (ms) => {
    let count = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < n; i++) run(i);
      count += n;
      now = performance.now();
    }
    return (count * 1000) / (now - start);
  };
  round(MIN_MS / 4);
  return Math.max(round(MIN_MS / 3), round(MIN_MS / 3), round(MIN_MS / 3));
}

const rows = [];
const row = (name, doc, wasmOps, otjsOps, note = "") => rows.push({ name, doc, wasmOps, otjsOps, note });

for (const doc of Object.keys(workload.docs)) {
  const text = workload.docs[doc];
  const textBmp = bmp(text);
  const pick = (list) => list.filter((c) => c.doc === doc);

  const applies = pick(workload.apply);
  const ourApply = applies.map((c) => ours(c.op));
  const theirApply = applies.map((c) => theirs(c.op));
  row("apply (string in, string out)", doc,
    measure(ourApply.length, (i) => ourApply[i].apply(text)),
    measure(theirApply.length, (i) => theirApply[i].apply(textBmp)));

  // The text held in wasm: apply, then apply the precomputed inverse to restore it (2 applies).
  const buffer = new TextBuffer(text);
  const undo = ourApply.map((op) => op.invert(text));
  const perApply = measure(ourApply.length, (i) => {
    buffer.apply(ourApply[i]);
    buffer.apply(undo[i]);
  }) * 2;
  row("apply (TextBuffer: text stays in wasm)", doc, perApply, measure(theirApply.length, (i) => theirApply[i].apply(textBmp)),
    "ot.js column: string apply");

  const composes = pick(workload.compose);
  const ourCompose = composes.map((c) => [ours(c.a), ours(c.b)]);
  const theirCompose = composes.map((c) => [theirs(c.a), theirs(c.b)]);
  row("compose (typing-sized), result freed", doc,
    measure(ourCompose.length, (i) => ourCompose[i][0].compose(ourCompose[i][1]).free()),
    measure(theirCompose.length, (i) => theirCompose[i][0].compose(theirCompose[i][1])));
  row("compose, result left to the GC", doc,
    measure(ourCompose.length, (i) => ourCompose[i][0].compose(ourCompose[i][1])),
    measure(theirCompose.length, (i) => theirCompose[i][0].compose(theirCompose[i][1])));
  row("compose, raw wasm export (no JS object)", doc,
    measure(ourCompose.length, (i) => wasm.kp_op_free(wasm.kp_op_compose(ourCompose[i][0]._ptr, ourCompose[i][1]._ptr))),
    measure(theirCompose.length, (i) => theirCompose[i][0].compose(theirCompose[i][1])),
    "cost breakdown");

  const transforms = pick(workload.transform);
  const ourTransform = transforms.map((c) => [ours(c.a), ours(c.b)]);
  const theirTransform = transforms.map((c) => [theirs(c.a), theirs(c.b)]);
  row("transform (typing-sized), pair freed", doc,
    measure(ourTransform.length, (i) => ourTransform[i][0].transform(ourTransform[i][1]).free()),
    measure(theirTransform.length, (i) => TextOperation.transform(theirTransform[i][0], theirTransform[i][1])));
  const slot = wasm.malloc(8);
  row("transform, raw wasm export (no JS object)", doc,
    measure(ourTransform.length, (i) => {
      wasm.kp_op_transform(ourTransform[i][0]._ptr, ourTransform[i][1]._ptr, slot);
      const words = new Uint32Array(wasm.memory.buffer, slot, 2);
      wasm.kp_op_free(words[0]);
      wasm.kp_op_free(words[1]);
    }),
    measure(theirTransform.length, (i) => TextOperation.transform(theirTransform[i][0], theirTransform[i][1])),
    "cost breakdown");
  wasm.free(slot);

  for (const k of [1, 10, 100]) {
    const cases = pick(workload.replay).filter((c) => c.k === k);
    if (cases.length === 0) continue;
    const prepared = cases.map((c) => {
      const log = new OpLog();
      let after = text;
      for (const h of c.history) {
        const op = ours(h);
        log.push(op);
        after = op.apply(after);
        op.free();
      }
      const edit = ours(c.edit);
      const moved = log.transformOver(edit);
      const buf = new TextBuffer(after);
      return { log, edit, buf, undo: moved.invert(after) };
    });
    const theirs_ = cases.map((c) => {
      const history = c.history.map(theirs);
      let after = textBmp;
      for (const h of history) after = h.apply(after);
      const edit = theirs(c.edit);
      let moved = edit;
      for (const h of history) moved = TextOperation.transform(moved, h)[0];
      return { history, edit, after, undo: moved.invert(after) };
    });
    // Both sides do the same work: transform over the log, apply, and apply the undo (which the
    // wasm side needs to restore its buffer for the next round).
    row(`replay k=${k}: transform over log + apply + undo apply`, doc,
      measure(prepared.length, (i) => {
        const p = prepared[i];
        p.log.replay(p.edit, p.buf).free();
        p.buf.apply(p.undo);
      }),
      measure(theirs_.length, (i) => {
        const t = theirs_[i];
        let e = t.edit;
        for (const h of t.history) e = TextOperation.transform(e, h)[0];
        t.undo.apply(e.apply(t.after));
      }),
      "wasm: OpLog.replay (one call) on a TextBuffer; ot.js: transform loop + string applies");
    for (const p of prepared) {
      p.log.free();
      p.edit.free();
      p.buf.free();
      p.undo.free();
    }
  }
}

const fmt = (x) => Math.round(x).toLocaleString("en-US");
const out = [];
out.push(`workload: ${path.relative(root, path.resolve(file))} (seed ${workload.seed}); node ${process.version}; best of 3 rounds of ${Math.round(MIN_MS / 3)} ms per cell`);
out.push("@kolabpad/ot runs the workload as is (astral characters included); ot.js runs BMP variants of the");
out.push("same cases (each astral character replaced by U+FFFD, so every length in code points is unchanged).");
out.push("");
out.push("| operation | doc | @kolabpad/ot ops/s | ot.js ops/s | wasm / ot.js | note |");
out.push("|---|---|---:|---:|---:|---|");
for (const r of rows) {
  out.push(`| ${r.name} | ${r.doc} | ${fmt(r.wasmOps)} | ${fmt(r.otjsOps)} | ${(r.wasmOps / r.otjsOps).toFixed(2)} | ${r.note} |`);
}
console.log(out.join("\n"));

if (breakdown) {
  // Time per call of each step of OpSeq.apply(string), on the workload's apply cases.
  const us = (rate) => (1e6 / rate).toFixed(1);
  const lines = ["", "| step of OpSeq.apply(string), µs per call | " + Object.keys(workload.docs).join(" | ") + " |",
    "|---|" + Object.keys(workload.docs).map(() => "---:").join("|") + "|"];
  const cells = { encode: [], wasm: [], decode: [], whole: [] };
  for (const doc of Object.keys(workload.docs)) {
    const text = workload.docs[doc];
    const ops = workload.apply.filter((c) => c.doc === doc).map((c) => ours(c.op));
    cells.encode.push(us(measure(1, () => writeInput(text))));
    const len = writeInput(text);
    cells.wasm.push(us(measure(ops.length, (i) => wasm.kp_op_apply(ops[i]._ptr, len))));
    const size = wasm.kp_op_apply(ops[0]._ptr, len);
    cells.decode.push(us(measure(1, () => readOutput(size))));
    cells.whole.push(us(measure(ops.length, (i) => ops[i].apply(text))));
  }
  lines.push(`| encode into wasm (TextEncoder.encodeInto) | ${cells.encode.join(" | ")} |`);
  lines.push(`| validate + apply inside wasm | ${cells.wasm.join(" | ")} |`);
  lines.push(`| decode the result (TextDecoder) | ${cells.decode.join(" | ")} |`);
  lines.push(`| whole apply(string) | ${cells.whole.join(" | ")} |`);
  console.log(lines.join("\n"));
}
