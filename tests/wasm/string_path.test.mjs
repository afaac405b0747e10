// OpSeq.apply(string) and invert(string) keep the last texts they saw in wasm and build results
// from slices of the input string; every way a string can arrive must give what the library's own
// apply gives (TextBuffer applies with kolabpad::ot::apply directly): a fresh string, the result
// just returned (a replay), the input again (many operations on one text), an equal string that
// is a different object, a text with lone surrogates, after a failed call, long and short texts.
import assert from "node:assert/strict";
import { test } from "node:test";

import { UNICODE_PIECES, cpLen, pkg, randomOp, randomText, rng } from "./support.mjs";

const { OpSeq, TextBuffer } = pkg;

const PIECES = [...UNICODE_PIECES, "\ufeff", "x".repeat(40), "é🎉".repeat(12)];
const LONE = ["\ud800", "\udfff", "\ud83d"];

/** The library's apply (through TextBuffer), or undefined on a length mismatch. */
function reference(op, text) {
  const buffer = new TextBuffer(text);
  const ok = buffer.apply(op);
  const out = ok ? buffer.toString() : undefined;
  buffer.free();
  return out;
}

/** A typing-sized operation on text: a few code points deleted and a piece inserted somewhere. */
function typingOp(r, text) {
  const n = cpLen(text);
  const at = r.int(n + 1);
  const del = Math.min(n - at, r() < 0.4 ? 1 + r.int(3) : 0);
  return [at, r() < 0.7 ? r.pick(PIECES) : "", -del, n - at - del].filter((c) => c !== 0 && c !== "");
}

/** A copy of s that is a distinct string object with the same characters. */
const copyOf = (s) => (s.length === 0 ? "" : [...s].join(""));

test("every way a text can arrive gives the library's result", () => {
  const r = rng(2024);
  let last = "";
  let lastInput = "";
  for (let step = 0; step < 6000; step++) {
    const roll = r();
    let text;
    if (last.length > 3000) last = lastInput = ""; // random operations grow texts geometrically
    if (roll < 0.35) text = last; // replay: the result just returned
    else if (roll < 0.5) text = lastInput; // the same input again
    else if (roll < 0.6) text = copyOf(last); // equal, another object
    else if (roll < 0.65) text = randomText(r, [...PIECES, ...LONE], 30); // lone surrogates
    else if (roll < 0.7) text = randomText(r, PIECES, 400); // long
    else text = randomText(r, PIECES, 12);
    const sane = text.replace(/\p{Surrogate}/gu, "\ufffd");
    let op;
    if (r() < 0.1) {
      // An operation for another length: fails, and must leave nothing behind.
      op = OpSeq.from_str(JSON.stringify(randomOp(r, `${sane}z`, PIECES)));
    } else {
      op = OpSeq.from_str(JSON.stringify(randomOp(r, sane, PIECES)));
    }
    const want = reference(op, text);
    if (r() < 0.1) {
      // invert alone (it too takes the text's place in wasm), then the next step's text
      const inv = op.invert(text);
      if (want === undefined) assert.equal(inv, undefined, `invert at step ${step}`);
      else assert.equal(reference(inv, want), sane, `invert at step ${step}`);
      inv?.free();
      op.free();
      continue;
    }
    if (r() < 0.2) {
      const inv = op.invert(text);
      if (want === undefined) assert.equal(inv, undefined);
      else assert.equal(inv.apply(want), sane, `invert at step ${step}`);
      inv?.free();
    }
    const got = op.apply(text);
    assert.equal(got, want, `step ${step}: ${op.to_string()} on ${JSON.stringify(text)}`);
    if (got !== undefined) {
      lastInput = text;
      last = got;
      assert.equal(cpLen(got), op.target_len());
    }
    op.free();
  }
});

test("a long replay (each result the next input) equals the library's replay", () => {
  const r = rng(99);
  let text = randomText(r, PIECES, 300);
  const buffer = new TextBuffer(text);
  for (let step = 0; step < 3000; step++) {
    const op = OpSeq.from_str(JSON.stringify(typingOp(r, text)));
    text = op.apply(text);
    assert.equal(buffer.apply(op), true);
    if (step % 50 === 0) assert.equal(text, buffer.toString(), `step ${step}`);
    op.free();
  }
  assert.equal(text, buffer.toString());
  buffer.free();
});

test("typing into a large text through apply(string) stays exact at both ends and in the middle", () => {
  const base = "é🎉 ".repeat(20000) + "x".repeat(70000);
  let text = base;
  let n = cpLen(text);
  const buffer = new TextBuffer(text);
  const r = rng(5);
  for (let step = 0; step < 400; step++) {
    const at = step % 3 === 0 ? 0 : step % 3 === 1 ? n : r.int(n + 1);
    const json = r() < 0.7 ? [at, step % 5 === 0 ? "🎉\ufeff" : "k", n - at].filter((c) => c !== 0)
      : at < n ? [at, -1, n - at - 1].filter((c) => c !== 0) : [n];
    const op = OpSeq.from_str(JSON.stringify(json));
    text = op.apply(text);
    buffer.apply(op);
    n = op.target_len();
    op.free();
  }
  assert.equal(text, buffer.toString());
  assert.equal(cpLen(text), n);
  buffer.free();
});

test("results are ordinary strings: no lone surrogate is created, none from the input survives", () => {
  const op = OpSeq.from_str('[1,"🎉",2]');
  assert.equal(op.apply("a\ud800b"), "a🎉\ufffdb");
  const pairs = OpSeq.from_str('[2,"x",1]'); // positions count code points: never inside a pair
  const out = pairs.apply("🎉🎉🎉");
  assert.equal(out, "🎉🎉x🎉");
  assert.equal(out.isWellFormed(), true);
  // The same strings again (now held in wasm) give the same answers.
  assert.equal(op.apply("a\ud800b"), "a🎉\ufffdb");
  assert.equal(pairs.apply("🎉🎉🎉"), out);
  assert.equal(OpSeq.from_str("[-2,2]").apply(out), "x🎉");
});
