// rustpad-wasm's OpSeq/OpSeqPair surface: its test vectors, its names, and failures that return
// undefined instead of throwing.
import assert from "node:assert/strict";
import { test } from "node:test";

import { pkg } from "./support.mjs";

const { OpSeq, OpSeqPair } = pkg;

const build = (...parts) => {
  const op = OpSeq.new();
  for (const p of parts) {
    if (typeof p === "string") op.insert(p);
    else if (p > 0) op.retain(p);
    else op.delete(-p);
  }
  return op;
};

test("compose equals applying both in turn (Rustpad vector)", () => {
  const a = build("abc");
  const b = build(3, "def");
  const afterB = b.apply(a.apply(""));
  assert.equal(a.compose(b).apply(""), afterB);
  assert.equal(afterB, "abcdef");
});

test("transform converges with the left insert first (Rustpad vector)", () => {
  const a = build("abc");
  const b = build("def");
  const pair = a.transform(b);
  assert.ok(pair instanceof OpSeqPair);
  const [a2, b2] = [pair.first(), pair.second()];
  const ab = a.compose(b2);
  const ba = b.compose(a2);
  assert.equal(ab.to_string(), ba.to_string());
  assert.equal(ab.apply(""), "abcdef");
  assert.equal(ba.apply(""), "abcdef");
});

test("invert undoes the operation (Rustpad vector)", () => {
  const o = build(3, "def");
  const after = o.apply("abc");
  assert.equal(o.invert("abc").apply(after), "abc");
});

test("transform_index moves positions past inserts (Rustpad vector)", () => {
  const o = OpSeq.from_str('[3,"def",3,"abc"]');
  assert.deepEqual([2, 3, 5, 7].map((p) => o.transform_index(p)), [2, 6, 8, 13]);
});

test("transform_index lands inside a delete at its start", () => {
  const o = OpSeq.from_str("[2,-3,5]");
  assert.deepEqual([1, 3, 5, 6].map((p) => o.transform_index(p)), [1, 2, 2, 3]);
});

test("delete(n) appends a delete component and the JSON form is normalized", () => {
  const o = OpSeq.with_capacity(4);
  o.retain(1);
  o.delete(1);
  o.insert("abc");
  o.retain(0);
  assert.equal(o.to_string(), '[1,"abc",-1]');
  assert.equal(o.base_len(), 2);
  assert.equal(o.target_len(), 4);
  assert.equal(OpSeq.from_str('[1,-1,"abc",0]').to_string(), '[1,"abc",-1]');
  assert.deepEqual(JSON.parse(JSON.stringify(o)), [1, "abc", -1]);
});

test("is_noop is true only for retains", () => {
  assert.equal(OpSeq.from_str("[5]").is_noop(), true);
  assert.equal(OpSeq.new().is_noop(), true);
  assert.equal(OpSeq.from_str("[5,-1]").is_noop(), false);
});

test("from_str refuses floats, objects, nested arrays, 2^31 and invalid JSON", () => {
  for (const bad of ["[1.5]", "[1e3]", '[{"a":1}]', "[[1]]", "[2147483648]", "[-2147483648]", "[1,",
    "", "{}", "null", "[true]", '["\\ud800"]', "[1] x", 5, null, undefined, {}]) {
    assert.equal(OpSeq.from_str(bad), undefined, `accepted ${JSON.stringify(bad)}`);
  }
  assert.equal(OpSeq.from_str("[2147483647]").base_len(), 2147483647);
});

test("apply with the wrong length returns undefined", () => {
  const o = OpSeq.from_str('[2,"x"]');
  assert.equal(o.apply("a"), undefined);
  assert.equal(o.apply("abc"), undefined);
  assert.equal(o.apply(42), undefined);
  assert.equal(o.apply("🎉🎉"), "🎉🎉x");
  assert.equal(o.invert("abc"), undefined);
});

test("compose and transform with mismatched lengths return undefined", () => {
  const a = OpSeq.from_str('[2,"x"]');
  const b = OpSeq.from_str("[2]");
  assert.equal(a.compose(b), undefined);
  assert.equal(a.transform(OpSeq.from_str("[3]")), undefined);
  assert.equal(a.compose("not an op"), undefined);
  assert.equal(a.transform(null), undefined);
});

test("bad counts are refused without throwing", () => {
  const o = OpSeq.new();
  for (const bad of [-1, 1.5, NaN, Infinity, "3", 2n, null, undefined, {}]) {
    assert.equal(o.retain(bad), false);
    assert.equal(o.delete(bad), false);
    assert.equal(o.transform_index(bad), undefined);
  }
  assert.equal(o.insert(7), false);
  assert.equal(o.to_string(), "[]");
});

test("a freed operation answers undefined instead of crashing", () => {
  const o = OpSeq.from_str('[1,"x"]');
  const other = OpSeq.from_str("[2]");
  o.free();
  o.free();
  assert.equal(o.alive, false);
  assert.equal(o.apply("a"), undefined);
  assert.equal(o.to_string(), undefined);
  assert.equal(o.compose(other), undefined);
  assert.equal(other.compose(o), undefined);
  assert.equal(o.retain(1), false);
});

test("pair halves are handed over once, then copied", () => {
  const pair = OpSeq.from_str('["a"]').transform(OpSeq.from_str('["b"]'));
  const first = pair.first();
  const again = pair.first();
  assert.notEqual(first, again);
  assert.ok(first.equals(again));
  pair.free();
  assert.equal(first.to_string(), '["a",1]');
  assert.equal(pair.second(), undefined, "the unclaimed half was freed with the pair");
});

test("texts over limits.maxTextBytes are refused, not truncated", () => {
  const { limits, TextBuffer } = pkg;
  const saved = limits.maxTextBytes;
  limits.maxTextBytes = 1024;
  try {
    const big = "é".repeat(600); // 1200 bytes of UTF-8, 600 UTF-16 units
    const op = OpSeq.from_str("[600]");
    assert.equal(op.apply(big), undefined);
    assert.equal(op.invert(big), undefined);
    assert.equal(OpSeq.new().insert(big), false);
    assert.equal(OpSeq.from_str(JSON.stringify([big])), undefined);
    assert.equal(new TextBuffer(big).alive, false);
    assert.equal(new TextBuffer("x".repeat(1025)).alive, false);
    assert.equal(OpSeq.from_str("[1024]").apply("x".repeat(1024)), "x".repeat(1024));
  } finally {
    limits.maxTextBytes = saved;
  }
  assert.equal(OpSeq.from_str("[600]").apply("é".repeat(600)), "é".repeat(600));
});
