// Runs the shared OT workload through @kolabpad/ot (wasm) and through ot.js in one Node process and
// prints ops/s for both and their ratio, row by row. Usage:
//   node bench/wasm/bench.mjs [build/bench/workload.json]
// ot.js counts UTF-16 units, so it runs on BMP variants of the same cases: every astral character
// (in documents and inserts) replaced by U+FFFD, which keeps every length in code points.
// Time is the process's CPU time (user + system, all threads), so that other work on a shared
// machine slows neither side's figures; both sides are measured the same way.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { OpLog, OpSeq, TextBuffer } from "../../wasm/index.js";
import { wasm } from "../../wasm/js/runtime.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { TextOperation } = createRequire(import.meta.url)(path.join(root, "node_modules/ot"));
const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--")) ?? path.join(root, "build/bench/workload.json");
const workload = JSON.parse(readFileSync(file, "utf8"));
let MIN_MS = Number(process.env.BENCH_MS ?? 600);

const bmp = (s) => s.replace(/[\u{10000}-\u{10ffff}]/gu, "\ufffd");
const bmpOp = (json) => json.map((c) => (typeof c === "string" ? bmp(c) : c));
const ours = (json) => OpSeq.from_str(JSON.stringify(json));
const theirs = (json) => TextOperation.fromJSON(bmpOp(json));

// Calls run(i) for i = 0.. over `n` cases, after a warm-up, in 3 rounds of MIN_MS / 3 of CPU time
// each, and returns the best round's ops per CPU second.
function measure(n, run) {
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const round = (ms) => {
    let count = 0;
    const start = cpu();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < n; i++) run(i);
      count += n;
      now = cpu();
    }
    return (count * 1000) / (now - start);
  };
  round(MIN_MS / 4);
  return Math.max(round(MIN_MS / 3), round(MIN_MS / 3), round(MIN_MS / 3));
}

// Ops per CPU second of run(i) measured on each case i alone (a document's stream of edits: the
// same text comes back call after call), then combined: the mean time per call over the cases.
function measureEach(n, run) {
  let seconds = 0;
  for (let i = 0; i < n; i++) {
    const saved = MIN_MS;
    MIN_MS = Math.max(15, saved / n);
    seconds += 1 / measure(1, () => run(i));
    MIN_MS = saved;
  }
  return n / seconds;
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
    measure(theirApply.length, (i) => theirApply[i].apply(textBmp)),
    "many operations on one text (the package holds it in wasm)");
  // Three texts of one length, one character apart, in turn: the package holds two, so every
  // call brings a text it does not hold and encodes it.
  const variants = ["\u0001", "\u0002", "\u0003"].map((c) => c + [...text].slice(1).join(""));
  const variantsBmp = variants.map(bmp);
  row("apply to a text it does not hold", doc,
    measure(ourApply.length, (i) => ourApply[i].apply(variants[i % 3])),
    measure(theirApply.length, (i) => theirApply[i].apply(variantsBmp[i % 3])),
    "encodes the whole text each call");

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

  // A log replayed through the Rustpad surface: text = op.apply(text) over the 100 operations of
  // each k=100 case (each result is the next input), starting from the document.
  const logs = pick(workload.replay).filter((c) => c.k === 100);
  const ourLogs = logs.map((c) => c.history.map(ours));
  const theirLogs = logs.map((c) => c.history.map(theirs));
  row("replay a log: text = op.apply(text), 100 operations", doc,
    measure(ourLogs.length, (i) => { let t = text; for (const op of ourLogs[i]) t = op.apply(t); }) * 100,
    measure(theirLogs.length, (i) => { let t = textBmp; for (const op of theirLogs[i]) t = op.apply(t); }) * 100,
    "per apply; Rustpad surface: OpSeq.apply(string)");

  for (const k of [1, 10, 100]) {
    const cases = pick(workload.replay).filter((c) => c.k === k);
    if (cases.length === 0) continue;
    // The server's step through the Rustpad surface: the edit transformed over the log with
    // OpSeq.transform (each pair freed), applied to the string, and the undo applied to the result.
    const surface = cases.map((c) => {
      const history = c.history.map(ours);
      let after = text;
      for (const op of history) after = op.apply(after);
      const edit = ours(c.edit);
      let moved = edit.clone();
      for (const h of history) {
        const pair = moved.transform(h);
        moved.free();
        moved = pair.first();
        pair.free();
      }
      const undo = moved.invert(after);
      moved.free();
      return { history, edit, after, undo };
    });
    const theirSurface = cases.map((c) => {
      const history = c.history.map(theirs);
      let after = textBmp;
      for (const h of history) after = h.apply(after);
      const edit = theirs(c.edit);
      let moved = edit;
      for (const h of history) moved = TextOperation.transform(moved, h)[0];
      return { history, edit, after, undo: moved.invert(after) };
    });
    row(`replay k=${k} (Rustpad surface): transform loop + apply + undo apply`, doc,
      measureEach(surface.length, (i) => {
        const p = surface[i];
        let e = p.edit.clone();
        for (const h of p.history) {
          const pair = e.transform(h);
          e.free();
          e = pair.first();
          pair.free();
        }
        p.undo.apply(e.apply(p.after));
        e.free();
      }),
      measureEach(theirSurface.length, (i) => {
        const t = theirSurface[i];
        let e = t.edit;
        for (const h of t.history) e = TextOperation.transform(e, h)[0];
        t.undo.apply(e.apply(t.after));
      }),
      "OpSeq.transform (pairs freed) + OpSeq.apply(string); each case measured alone (one document)");
  }

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
out.push(`workload: ${path.relative(root, path.resolve(file))} (seed ${workload.seed}); node ${process.version}; best of 3 rounds of ${Math.round(MIN_MS / 3)} ms of CPU time per cell`);
out.push("@kolabpad/ot runs the workload as is (astral characters included); ot.js runs BMP variants of the");
out.push("same cases (each astral character replaced by U+FFFD, so every length in code points is unchanged).");
out.push("");
out.push("| operation | doc | @kolabpad/ot ops/s | ot.js ops/s | wasm / ot.js | note |");
out.push("|---|---|---:|---:|---:|---|");
for (const r of rows) {
  out.push(`| ${r.name} | ${r.doc} | ${fmt(r.wasmOps)} | ${fmt(r.otjsOps)} | ${(r.wasmOps / r.otjsOps).toFixed(2)} | ${r.note} |`);
}
console.log(out.join("\n"));
