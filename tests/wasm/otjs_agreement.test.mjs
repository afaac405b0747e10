// ot.js (the `ot` npm package, operational-transform's reference) is an oracle on BMP-only texts,
// where its UTF-16 counting equals our code-point counting.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";

import { BMP_PIECES, pkg, randomOp, randomText, rng } from "./support.mjs";

const { TextOperation, Selection } = createRequire(import.meta.url)("ot");
const { OpSeq } = pkg;
const CASES = 3000;

const ours = (json) => OpSeq.from_str(JSON.stringify(json));
const theirs = (json) => TextOperation.fromJSON(json);
// Our JSON form as an array, and the operation freed.
const done = (op) => {
  const json = JSON.parse(op.to_string());
  op.free();
  return json;
};

function forCases(seed, check) {
  const r = rng(seed);
  for (let i = 0; i < CASES; i++) {
    const s = randomText(r, BMP_PIECES, 16);
    check(r, s);
  }
}

test("apply and invert agree with ot.js", () => {
  forCases(11, (r, s) => {
    const json = randomOp(r, s, BMP_PIECES);
    const a = ours(json);
    const t = theirs(json);
    assert.equal(a.apply(s), t.apply(s));
    assert.deepEqual(done(a.invert(s)), t.invert(s).toJSON());
    assert.deepEqual(done(a), t.toJSON(), "same canonical form");
  });
});

test("compose agrees with ot.js", () => {
  forCases(12, (r, s) => {
    const j1 = randomOp(r, s, BMP_PIECES);
    const j2 = randomOp(r, theirs(j1).apply(s), BMP_PIECES);
    const [a, b] = [ours(j1), ours(j2)];
    assert.deepEqual(done(a.compose(b)), theirs(j1).compose(theirs(j2)).toJSON());
    a.free();
    b.free();
  });
});

test("transform agrees with ot.js, tie-break included", () => {
  forCases(13, (r, s) => {
    const j1 = randomOp(r, s, BMP_PIECES);
    const j2 = randomOp(r, s, BMP_PIECES);
    const [a, b] = [ours(j1), ours(j2)];
    const pair = a.transform(b);
    const [t1, t2] = TextOperation.transform(theirs(j1), theirs(j2));
    assert.deepEqual(done(pair.first()), t1.toJSON());
    assert.deepEqual(done(pair.second()), t2.toJSON());
    a.free();
    b.free();
  });
});

// ot.js has no TextOperation.transformIndex; its cursor rule lives in Selection.Range.transform.
test("transform_index agrees with ot.js's cursor transform", () => {
  forCases(14, (r, s) => {
    const json = randomOp(r, s, BMP_PIECES);
    const a = ours(json);
    const t = theirs(json);
    for (let p = 0; p <= s.length + 2; p++) {
      assert.equal(a.transform_index(p), new Selection.Range(p, p).transform(t).head, `p=${p} op=${JSON.stringify(json)}`);
    }
    a.free();
  });
});
