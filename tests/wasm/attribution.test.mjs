// Attribution in the wasm package: moved through operations exactly as a per-code-point model says
// (retained code points keep their author, inserted ones get the editor's, deleted ones go), canonical
// runs, strict parsing of the serialized form, and refusals without exceptions.
import assert from "node:assert/strict";
import { test } from "node:test";

import { UNICODE_PIECES, cpLen, pkg, randomOp, randomText, rng } from "./support.mjs";

const { Attribution, OpSeq } = pkg;

/** The model: one author per code point, moved through a JSON-form operation. */
function modelApply(op, authors, author) {
  const out = [];
  let i = 0;
  for (const c of op) {
    if (typeof c === "string") for (let k = 0; k < cpLen(c); k++) out.push(author);
    else if (c > 0) { out.push(...authors.slice(i, i + c)); i += c; }
    else i += -c;
  }
  return out;
}

/** The canonical runs of a per-code-point model. */
function runsOf(authors) {
  const runs = [];
  for (const a of authors) {
    if (runs.length && runs[runs.length - 1][1] === a) runs[runs.length - 1][0]++;
    else runs.push([1, a]);
  }
  return runs.flat();
}

test("an attribution moves through random operations exactly as the per-code-point model", () => {
  const r = rng(1301);
  for (let round = 0; round < 200; round++) {
    let text = randomText(r, UNICODE_PIECES, 8);
    let model = Array(cpLen(text)).fill(-1);
    const a = Attribution.uniform(cpLen(text), -1);
    for (let step = 0; step < 20; step++) {
      const json = randomOp(r, text, UNICODE_PIECES);
      const op = OpSeq.from_str(JSON.stringify(json));
      const author = r.int(4);
      assert.equal(a.apply(op, author), true);
      model = modelApply(json, model, author);
      text = op.apply(text);
      op.free();
    }
    assert.equal(a.length, cpLen(text));
    assert.deepEqual(a.toJSON(), runsOf(model));
    assert.equal(a.toString(), JSON.stringify(runsOf(model)));
    // The serialized form reads back as the same attribution.
    assert.equal(Attribution.fromJSON(a.toString(), a.length).toString(), a.toString());
    a.free();
  }
});

test("the serialized form is parsed strictly: it must cover exactly the text", () => {
  assert.equal(Attribution.fromJSON("[5,0,3,-1]", 8).toString(), "[5,0,3,-1]");
  assert.equal(Attribution.fromJSON([2, 7, 3, 7], 5).toString(), "[5,7]");  // neighbours by one author merge
  assert.equal(Attribution.fromJSON("[]", 0).length, 0);
  for (const [json, length] of [["[5,0]", 6], ["[5,0]", 4], ["[0,1]", 0], ["[1,-2]", 1], ["[1.5,0]", 1],
    ["[1,0,]", 1], ['[1,"a"]', 1], ["[[1,0]]", 1], ["[1]", 1], ["{}", 0], ["[1,9007199254740992]", 1], ["", 0]]) {
    assert.equal(Attribution.fromJSON(json, length), undefined, `${json} for ${length}`);
  }
  assert.equal(Attribution.fromJSON({}, 0), undefined);
  assert.equal(Attribution.fromJSON("[1,0]", -1), undefined);
});

test("mismatches and bad authors are refused without changing anything", () => {
  const a = Attribution.uniform(3, 4);
  const op = OpSeq.from_str('[2,"x"]');  // applies to 2 code points, not 3
  assert.equal(a.apply(op, 1), false);
  const fits = OpSeq.from_str('[3,"🎉"]');
  assert.equal(a.apply(fits, 1.5), false);
  assert.equal(a.apply(fits, -2), false);
  assert.equal(a.apply("[3]", 1), false);
  assert.equal(a.toString(), "[3,4]");
  assert.equal(a.apply(fits, 9), true);
  assert.equal(a.toString(), "[3,4,1,9]");
  const copy = a.clone();
  a.free();
  assert.equal(a.alive, false);
  assert.equal(a.apply(fits, 1), false);
  assert.equal(a.toString(), undefined);
  assert.equal(copy.toString(), "[3,4,1,9]");
  assert.equal(Attribution.uniform(-1, 0), undefined);
  assert.equal(Attribution.uniform(1, -3), undefined);
  assert.equal(new Attribution().length, 0);
});
