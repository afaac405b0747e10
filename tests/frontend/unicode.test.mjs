// UTF-16 <-> code point conversion at the editor boundary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { collab } from "./helpers/collab.mjs";

const { Utf16Index, codePointLength } = collab;
const FAMILY = "👨‍👨‍👦‍👦"; // 7 code points, 11 UTF-16 units

// Reference conversions by brute force (a cut pair's lone high half does not count).
const isLoneHigh = (c) => c.length === 1 && c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdbff;
const cpOf = (s, off) => [...s.slice(0, off)].filter((c) => !isLoneHigh(c)).length;
const u16Of = (s, cp) => [...s].slice(0, cp).join("").length;

test("counts emoji, ZWJ sequences and astral planes in code points", () => {
  assert.equal(codePointLength("🎉"), 1);
  assert.equal(codePointLength(FAMILY), 7);
  assert.equal(codePointLength("a𝄞b𠀋c"), 5);
  assert.equal(new Utf16Index(FAMILY).codePointLength, 7);
  assert.equal(new Utf16Index(FAMILY).utf16Length, 11);
});

test("converts every offset of a mixed text both ways", () => {
  const s = `x${FAMILY}y🎉\n𝄞é${FAMILY}`;
  const idx = new Utf16Index(s);
  for (let off = 0; off <= s.length; off++) assert.equal(idx.toCodePoint(off), cpOf(s, off), `utf16 ${off}`);
  const n = [...s].length;
  for (let cp = 0; cp <= n; cp++) assert.equal(idx.toUtf16(cp), u16Of(s, cp), `cp ${cp}`);
});

test("an offset inside a surrogate pair counts as the pair's start", () => {
  const idx = new Utf16Index("a🎉b");
  assert.equal(idx.toCodePoint(2), 1);
  assert.equal(idx.toCodePoint(3), 2);
});

test("stays exact through thousands of random edits without rescanning", () => {
  const pieces = ["a", "bc", "🎉", FAMILY, "𠀋", "\n", "é", ""];
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  let text = "";
  const idx = new Utf16Index("");
  for (let i = 0; i < 3000; i++) {
    // Edit at code point boundaries, as Monaco does.
    const n = [...text].length;
    const from = rand(n + 1);
    const del = rand(Math.min(3, n - from) + 1);
    const ins = pieces[rand(pieces.length)] + pieces[rand(pieces.length)];
    const off = u16Of(text, from);
    const len = u16Of(text, from + del) - off;
    text = text.slice(0, off) + ins + text.slice(off + len);
    idx.replace(off, len, ins);
    if (i % 100 === 0 || i === 2999) {
      assert.equal(idx.codePointLength, [...text].length);
      assert.equal(idx.utf16Length, text.length);
      for (let cp = 0; cp <= [...text].length; cp += 3) assert.equal(idx.toUtf16(cp), u16Of(text, cp));
      for (let o = 0; o <= text.length; o += 5) assert.equal(idx.toCodePoint(o), cpOf(text, o));
    }
  }
});
