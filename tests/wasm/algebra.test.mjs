// Seeded algebra properties of the package on thousands of random cases over texts with astral
// characters and ZWJ sequences.
import assert from "node:assert/strict";
import { test } from "node:test";

import { UNICODE_PIECES, cpLen, pkg, randomOp, randomText, rng } from "./support.mjs";

const { OpSeq } = pkg;
const CASES = 3000;

// Runs `check(r, i)` CASES times with a seeded generator, freeing what each case returns.
function forCases(seed, check) {
  const r = rng(seed);
  for (let i = 0; i < CASES; i++) {
    const made = [];
    const op = (json) => {
      const o = OpSeq.from_str(JSON.stringify(json));
      assert.ok(o, `from_str refused ${JSON.stringify(json)}`);
      made.push(o);
      return o;
    };
    try {
      check(r, op, made);
    } finally {
      for (const o of made) o.free();
    }
  }
}

test("applying compose(a, b) equals applying a then b", () => {
  forCases(1, (r, op, made) => {
    const s = randomText(r, UNICODE_PIECES);
    const a = op(randomOp(r, s, UNICODE_PIECES));
    const s1 = a.apply(s);
    const b = op(randomOp(r, s1, UNICODE_PIECES));
    const ab = a.compose(b);
    made.push(ab);
    assert.equal(ab.apply(s), b.apply(s1));
    assert.equal(ab.base_len(), cpLen(s));
    assert.equal(ab.target_len(), cpLen(b.apply(s1)));
  });
});

test("transform converges (TP1) and keeps lengths", () => {
  forCases(2, (r, op, made) => {
    const s = randomText(r, UNICODE_PIECES);
    const a = op(randomOp(r, s, UNICODE_PIECES));
    const b = op(randomOp(r, s, UNICODE_PIECES));
    const pair = a.transform(b);
    const a2 = pair.first();
    const b2 = pair.second();
    made.push(a2, b2);
    const viaA = b2.apply(a.apply(s));
    assert.notEqual(viaA, undefined);
    assert.equal(viaA, a2.apply(b.apply(s)));
    assert.ok(a.compose(b2).equals(b.compose(a2)));
  });
});

test("invert round-trips", () => {
  forCases(3, (r, op, made) => {
    const s = randomText(r, UNICODE_PIECES);
    const a = op(randomOp(r, s, UNICODE_PIECES));
    const inv = a.invert(s);
    made.push(inv);
    assert.equal(inv.apply(a.apply(s)), s);
    assert.equal(inv.base_len(), a.target_len());
  });
});

test("transform_index agrees with apply for every retained character", () => {
  forCases(4, (r, op) => {
    const s = Array.from(randomText(r, UNICODE_PIECES));
    // Mark every code point with a unique private-use character, then follow the marks.
    const marked = s.map((_, i) => String.fromCodePoint(0xf0000 + i)).join("");
    const a = op(randomOp(r, s.join(""), ["x", "🎉", "👨‍👨‍👦‍👦"]));
    const after = Array.from(a.apply(marked));
    for (let i = 0; i < s.length; i++) {
      const at = after.indexOf(String.fromCodePoint(0xf0000 + i));
      if (at >= 0) assert.equal(a.transform_index(i), at, `position ${i} of ${JSON.stringify(a.toJSON())}`);
    }
    // The end of the text is pushed past every insert, including those at the end.
    assert.equal(a.transform_index(s.length), a.target_len());
  });
});

test("from_str(to_string()) round-trips and is normalized", () => {
  forCases(5, (r, op, made) => {
    const s = randomText(r, UNICODE_PIECES);
    const a = op(randomOp(r, s, UNICODE_PIECES));
    const again = OpSeq.from_str(a.to_string());
    made.push(again);
    assert.ok(again.equals(a));
    assert.equal(again.to_string(), a.to_string());
    const json = a.toJSON();
    for (let i = 0; i < json.length; i++) {
      assert.notEqual(json[i], 0);
      if (i > 0) assert.notEqual(kind(json[i]), kind(json[i - 1]));
      if (i > 0) assert.ok(!(kind(json[i]) === "insert" && kind(json[i - 1]) === "delete"));
    }
  });
});

const kind = (c) => (typeof c === "string" ? "insert" : c > 0 ? "retain" : "delete");
