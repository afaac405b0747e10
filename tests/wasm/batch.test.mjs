// The batch calls: OpLog.replay (transform an edit over a log, then apply it, in one wasm call)
// gives what the step-by-step calls give; TextBuffer applies in place.
import assert from "node:assert/strict";
import { test } from "node:test";

import { UNICODE_PIECES, pkg, randomOp, randomText, rng } from "./support.mjs";

const { OpSeq, OpLog, TextBuffer } = pkg;

test("replay equals transforming step by step then applying", () => {
  const r = rng(31);
  for (let round = 0; round < 300; round++) {
    const base = randomText(r, UNICODE_PIECES, 20);
    const log = new OpLog();
    const steps = [];
    let text = base;
    const k = r.int(12);
    for (let i = 0; i < k; i++) {
      const op = OpSeq.from_str(JSON.stringify(randomOp(r, text, UNICODE_PIECES)));
      text = op.apply(text);
      steps.push(op);
      log.push(op);
    }
    const from = r.int(k + 1);
    let stale = from === 0 ? base : steps.slice(0, from).reduce((s, op) => op.apply(s), base);
    const edit = OpSeq.from_str(JSON.stringify(randomOp(r, stale, UNICODE_PIECES)));
    let expected = edit;
    for (const op of steps.slice(from)) expected = expected.transform(op).first();
    const buffer = new TextBuffer(text);
    const moved = log.replay(edit, buffer, from);
    assert.ok(moved.equals(expected));
    assert.ok(log.transformOver(edit, from).equals(expected));
    assert.equal(buffer.toString(), expected.apply(text));
    assert.equal(buffer.length, expected.target_len());
    assert.equal(log.length, k);
    log.free();
    buffer.free();
  }
});

test("replay with a mismatched edit or revision changes nothing and returns undefined", () => {
  const log = new OpLog();
  log.push(OpSeq.from_str('[2,"x"]'));
  const buffer = new TextBuffer("abx");
  assert.equal(log.replay(OpSeq.from_str("[5]"), buffer), undefined);
  assert.equal(log.replay(OpSeq.from_str("[2]"), buffer, 2), undefined);
  assert.equal(log.replay(OpSeq.from_str("[2]"), "abx"), undefined);
  assert.equal(buffer.toString(), "abx");
  assert.equal(log.replay(OpSeq.from_str('[2,"y"]'), buffer).to_string(), '[2,"y",1]');
  assert.equal(buffer.toString(), "abyx");
});

test("a text buffer refuses an operation of the wrong length and keeps its text", () => {
  const buffer = new TextBuffer("👨‍👨‍👦‍👦");
  assert.equal(buffer.length, 7);
  assert.equal(buffer.apply(OpSeq.from_str("[6,-1]")), true);
  assert.equal(buffer.apply(OpSeq.from_str("[7]")), false);
  assert.equal(buffer.toString(), "👨‍👨‍👦‍");
  buffer.free();
  assert.equal(buffer.toString(), undefined);
});
