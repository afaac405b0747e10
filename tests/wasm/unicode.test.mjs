// Strings cross the JS/wasm boundary intact for all of Unicode; lone surrogates become U+FFFD
// (one code point for one unit); UTF-16 <-> code-point offsets convert in both directions.
import assert from "node:assert/strict";
import { test } from "node:test";

import { UNICODE_PIECES, cpLen, pkg, randomText, rng } from "./support.mjs";

const { OpSeq, OffsetConverter, TextBuffer, codePointLength, codePointToUtf16, utf16ToCodePoint } = pkg;

const FAMILY = "👨‍👨‍👦‍👦";

test("a ZWJ family is 7 code points and survives insert, apply and to_string", () => {
  const op = OpSeq.new();
  op.retain(1);
  op.insert(FAMILY);
  op.retain(1);
  assert.equal(op.target_len(), 9);
  assert.equal(op.apply("🎉𝄞"), `🎉${FAMILY}𝄞`);
  assert.equal(op.to_string(), `[1,"${FAMILY}",1]`);
  assert.equal(codePointLength(FAMILY), 7);
});

test("every plane round-trips through insert and apply", () => {
  // One character from each 4096-code-point block of every plane (skipping surrogates).
  let all = "";
  for (let cp = 0; cp <= 0x10ffff; cp += 0x1000 - 7) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    all += String.fromCodePoint(cp);
  }
  all += "\u0000\u007f\u0080\u07ff\u0800\uffff\u{10000}\u{10ffff}";
  const op = OpSeq.new();
  op.insert(all);
  assert.equal(op.apply(""), all);
  assert.equal(op.target_len(), cpLen(all));
  assert.equal(OpSeq.from_str(op.to_string()).apply(""), all);
  assert.equal(new TextBuffer(all).toString(), all);
});

test("lone surrogates become U+FFFD, one code point each, and corrupt nothing", () => {
  const op = OpSeq.new();
  op.insert("a\ud800b\udc00");
  assert.equal(op.target_len(), 4);
  assert.equal(op.apply(""), "a\ufffdb\ufffd");
  // A text with a lone surrogate has the same length in code points as its replacement.
  const del = OpSeq.from_str("[1,-1,2]");
  assert.equal(del.apply("x\udfffyz"), "xyz");
  assert.equal(new TextBuffer("\ud83d").length, 1);
  // JSON with an escaped lone surrogate is invalid input (the protocol's rule).
  assert.equal(OpSeq.from_str('["\\udc00"]'), undefined);
});

test("long non-ASCII texts cross intact (TextEncoder/TextDecoder path)", () => {
  const r = rng(7);
  for (let i = 0; i < 50; i++) {
    const s = randomText(r, UNICODE_PIECES, 2000);
    const op = OpSeq.from_str(JSON.stringify([cpLen(s), s]));
    assert.equal(op.apply(s), s + s);
    op.free();
  }
});

test("offset converter agrees with Array.from on random texts, both directions, any order", () => {
  const r = rng(8);
  for (let i = 0; i < 300; i++) {
    const s = randomText(r, [...UNICODE_PIECES, "\ud800", "\udc00"], 60);
    const units = []; // the code-point offset of each UTF-16 offset, by a slow reference walk
    let c = 0;
    for (const ch of s) {
      units.push(c);
      if (ch.length === 2) units.push(c);
      c++;
    }
    units.push(c);
    const conv = new OffsetConverter(s);
    for (let k = 0; k < 40; k++) {
      const u = r.int(s.length + 1);
      assert.equal(conv.toCodePoint(u), units[u], `toCodePoint(${u}) in ${JSON.stringify(s)}`);
      const cp = r.int(c + 1);
      const back = conv.toUtf16(cp);
      assert.equal(units[back], cp);
      assert.ok(back === 0 || units[back - 1] < cp, "the first unit of the code point");
    }
    assert.equal(codePointLength(s), c);
  }
});

test("an offset inside a surrogate pair rounds down; past the end counts one per unit", () => {
  const s = "a🎉b";
  assert.equal(utf16ToCodePoint(s, 2), 1);
  assert.equal(utf16ToCodePoint(s, 3), 2);
  assert.equal(codePointToUtf16(s, 2), 3);
  assert.equal(utf16ToCodePoint(s, 6), 5);
  assert.equal(codePointToUtf16(s, 5), 6);
});

test("the converter walks from its last position (cost proportional to the distance)", () => {
  const s = "🎉".repeat(200000);
  const conv = new OffsetConverter(s);
  assert.equal(conv.toCodePoint(300000), 150000);
  // Each step below walks one code point from the remembered position; a walk from the start
  // would be 150000 steps each. Counted with a proxy text that records charCodeAt calls.
  let reads = 0;
  const counting = new Proxy(new String(s), {
    get(target, key) {
      if (key === "charCodeAt") return (i) => (reads++, s.charCodeAt(i));
      if (key === "length") return s.length;
      return Reflect.get(target, key);
    },
  });
  conv.text = counting;
  for (let i = 1; i <= 100; i++) {
    assert.equal(conv.toCodePoint(300000 + 2 * i), 150000 + i);
    assert.equal(conv.toUtf16(150000 + i - 1), 300000 + 2 * (i - 1));
  }
  assert.ok(reads < 100 * 10, `reads: ${reads}`);
});
