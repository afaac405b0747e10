// U+FEFF (the byte-order mark, also "zero width no-break space") is an ordinary character to the
// package: at the start, in the middle and at the end of texts and inserts it crosses the JS/wasm
// boundary intact through every API that returns a string. A decoder that strips a leading BOM
// would drop it from any result that starts with one.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { cpLen, pkg, root } from "./support.mjs";

const { OpSeq, OpLog, TextBuffer, codePointLength } = pkg;

const B = "\ufeff";
// Short (hand-decoded lengths), long ASCII-ish and long non-ASCII texts with U+FEFF placed at the
// start, in the middle and at the end.
const LONG = "x".repeat(300);
const WIDE = "é🎉".repeat(100);
const TEXTS = ["", B, B + B, `${B}abc`, `ab${B}c`, `abc${B}`, `${B}a${B}b${B}`, B + LONG, LONG + B + LONG, LONG + B,
  B + WIDE, WIDE + B, `${B}🎉`];
const INSERTS = [B, `${B}x`, `x${B}`, `${B}${B}`, B + LONG, LONG + B, `${B}🎉`];

/** A test-side model of apply on code-point arrays (the JSON form). */
function modelApply(json, text) {
  const cps = Array.from(text);
  let pos = 0;
  let out = "";
  for (const c of json) {
    if (typeof c === "string") out += c;
    else if (c >= 0) out += cps.slice(pos, (pos += c)).join("");
    else pos -= c;
  }
  return out;
}

/** Every operation of a few shapes on text: insert at start, middle, end; delete around U+FEFF. */
function shapes(text, ins) {
  const n = cpLen(text);
  const mid = n >> 1;
  const out = [[ins, n], [n, ins], [mid, ins, n - mid]];
  if (n > 0) out.push([-1, ...(n > 1 ? [n - 1] : [])], [...(n > 1 ? [n - 1] : []), -1, ins]);
  return out.map((op) => op.filter((c) => c !== 0));
}

test("apply keeps U+FEFF at the start, middle and end of texts and inserts", () => {
  for (const text of TEXTS) {
    for (const ins of INSERTS) {
      for (const json of shapes(text, ins)) {
        const op = OpSeq.from_str(JSON.stringify(json));
        assert.ok(op, JSON.stringify(json));
        const want = modelApply(json, text);
        assert.equal(op.apply(text), want, `${JSON.stringify(json)} on ${JSON.stringify(text)}`);
        // Applied again to the result it just returned (the package may reuse that text's bytes).
        const back = op.invert(text);
        assert.equal(back.apply(want), text, `invert of ${JSON.stringify(json)}`);
        op.free();
        back.free();
      }
    }
  }
});

test("the issue's two cases: a leading U+FEFF insert, and an edit of a text that is only U+FEFF", () => {
  const op = OpSeq.from_str(`["${B}abc"]`);
  assert.equal(op.target_len(), 4);
  assert.equal(op.apply(""), `${B}abc`);
  assert.equal(OpSeq.from_str('[1,"x"]').apply(B), `${B}x`);
  assert.equal(OpSeq.from_str('[-1,"x"]').apply(B), "x");
});

test("to_string, toJSON, compose, transform and invert results keep U+FEFF", () => {
  const a = OpSeq.new();
  a.insert(B);
  a.retain(2);
  a.insert(`m${B}`);
  a.retain(1);
  a.insert(B);
  assert.equal(a.to_string(), `["${B}",2,"m${B}",1,"${B}"]`);
  assert.deepEqual(a.toJSON(), [B, 2, `m${B}`, 1, B]);
  assert.equal(OpSeq.from_str(a.to_string()).to_string(), a.to_string());

  const b = OpSeq.from_str(`["${B}${B}",7]`);
  assert.equal(a.compose(b).to_string(), `["${B}${B}${B}",2,"m${B}",1,"${B}"]`);
  assert.equal(a.compose(b).apply(`${B}y${B}`), `${B}${B}${B}${B}ym${B}${B}${B}`);

  const c = OpSeq.from_str(`[3,"${B}"]`);
  const pair = a.transform(c);
  assert.equal(pair.first().to_string(), `["${B}",2,"m${B}",1,"${B}",1]`);
  assert.equal(pair.second().to_string(), `[7,"${B}"]`);

  const text = `${B}y${B}`;
  const del = OpSeq.from_str("[-1,1,-1]");
  const inv = del.invert(text);
  assert.equal(inv.to_string(), `["${B}",1,"${B}"]`);
  assert.equal(inv.apply(del.apply(text)), text);
});

test("TextBuffer and OpLog.replay keep U+FEFF at every position", () => {
  for (const text of TEXTS) {
    const buffer = new TextBuffer(text);
    assert.equal(buffer.toString(), text);
    assert.equal(buffer.length, codePointLength(text));
    const op = OpSeq.from_str(JSON.stringify([B, cpLen(text), B]));
    assert.equal(buffer.apply(op), true);
    assert.equal(buffer.toString(), B + text + B);
    const log = new OpLog();
    const moved = log.replay(OpSeq.from_str(JSON.stringify([cpLen(text) + 2, `${B}z`])), buffer);
    assert.equal(moved.to_string(), `[${cpLen(text) + 2},"${B}z"]`);
    assert.equal(buffer.toString(), `${B}${text}${B}${B}z`);
    buffer.free();
    log.free();
  }
});

test("a chain of applies, each on the text the last one returned, keeps every U+FEFF", () => {
  let text = "";
  let model = "";
  for (let i = 0; i < 200; i++) {
    const n = cpLen(model);
    const at = (i * 7) % (n + 1);
    const piece = i % 3 === 0 ? B : i % 3 === 1 ? `${B}q` : `🎉${B}`;
    const json = [at, piece, n - at].filter((c) => c !== 0);
    if (i % 5 === 4 && n > 0) json.splice(0, json.length, ...[at > 0 ? [at - 1] : [], -1, piece, n - Math.max(at, 1)].flat().filter((c) => c !== 0));
    const op = OpSeq.from_str(JSON.stringify(json));
    model = modelApply(json, model);
    text = op.apply(text);
    assert.equal(text, model, `step ${i}: ${JSON.stringify(json)}`);
    op.free();
  }
});

test("the Emscripten glue decodes no text itself (every string goes through js/runtime.js)", () => {
  const glue = readFileSync(path.join(root, "wasm/dist/kolabpad_ot.mjs"), "utf8");
  assert.doesNotMatch(glue, /TextDecoder|UTF8ToString|UTF8ArrayToString/);
  const runtime = readFileSync(path.join(root, "wasm/js/runtime.js"), "utf8");
  for (const m of runtime.matchAll(/new TextDecoder\(([^)]*)\)/g)) assert.match(m[1], /ignoreBOM: true/);
});
