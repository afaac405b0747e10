// The texts that OpSeq.apply and OpSeq.invert work on, held as UTF-8 in two wasm slots
// (src/text_slots.hpp). A string that is one of the last two the package was given or returned
// (compared with ===, which is exact) is not encoded again, so a replay (`text = op.apply(text)`)
// or several operations on one text cross the boundary only with what changed. The module applies
// the operation (the rules stay in C++) and reports the result as the input's first and last
// UTF-16 units around a changed middle; the result string is the input's two slices around the
// decoded middle.
import { bytes, limits, readText, u32, wasm } from "./runtime.js";

const encoder = new TextEncoder();
// Per slot: the JS string whose text it holds (undefined: none); whether that string is free of
// lone surrogates (each is held as U+FFFD, so slices of such a string are not the result's
// characters: its results are decoded whole); whether the slot holds a pending result (an edit of
// the other slot's text, which the module completes by taking the other slot's memory).
const held = [undefined, undefined];
const sound = [false, false];
const pending = [false, false];
// For a long result, the pieces it was built from (slices of earlier strings and decoded middles),
// so the next result is cut from them: slicing V8's concatenation itself would first copy it
// whole into one flat string, every time. null: the string is its only piece.
const parts = [null, null];
// Texts shorter than this are sliced directly (copying them is cheaper than keeping pieces), and
// a result of more than MAX_PIECES pieces is left for V8 to flatten once.
const PIECES_FROM = 2048;
const MAX_PIECES = 16;
// Neighbouring pieces both shorter than this are joined (typing adds many short pieces).
const SHORT = 32;
let recent = 0;
const report = wasm.kp_slot_applied() >>> 2;

const wellFormed =
  typeof String.prototype.isWellFormed === "function" ? (s) => s.isWellFormed() : (s) => !/\p{Surrogate}/u.test(s);

/**
 * The slot holding `s`: one that already does, or else the least recently used one, encoded now
 * (lone surrogates become U+FFFD). -1 when s exceeds limits.maxTextBytes.
 */
export function slotOf(s) {
  // On a hit, keep the caller's string: equal strings may be distinct objects, and comparing the
  // same object again is immediate.
  if (held[recent] === s) {
    held[recent] = s;
    return recent;
  }
  const k = 1 - recent;
  recent = k;
  if (held[k] === s) {
    held[k] = s;
    return k;
  }
  held[k] = undefined;
  parts[k] = null;
  pending[k] = false;
  pending[1 - k] = false; // the module completes a result based on slot k before k is overwritten
  const n = s.length;
  if (n > limits.maxTextBytes) return -1;
  let written = -1;
  if (n <= 32) {
    // Short strings are mostly ASCII: a byte loop beats encodeInto's setup cost.
    const ptr = wasm.kp_slot_reserve(k, n);
    const view = bytes();
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      view[ptr + i] = c;
    }
    if (i === n) written = n;
  }
  if (written < 0) {
    // UTF-8 needs at least one byte per UTF-16 unit and at most three.
    const max = Math.min(n * 3, limits.maxTextBytes);
    const ptr = wasm.kp_slot_reserve(k, max);
    const r = encoder.encodeInto(s, bytes().subarray(ptr, ptr + max));
    if (r.read !== n) return -1;
    written = r.written;
  }
  if (wasm.kp_slot_fill(k, written, n) !== 1) return -1;
  held[k] = s;
  sound[k] = wellFormed(s);
  return k;
}

// Appends piece p to list, joining it to a short last piece.
function push(list, p) {
  const n = list.length;
  if (n !== 0 && p.length < SHORT && list[n - 1].length < SHORT) list[n - 1] += p;
  else list.push(p);
}

// The pieces of: the first `prefix` units of the string made of `pieces`, then middle, then its
// last `suffix` units.
function cut(pieces, prefix, middle, suffix) {
  const out = [];
  let i = 0;
  for (let need = prefix; need > 0; i++) {
    const p = pieces[i];
    if (p.length <= need) {
      push(out, p);
      need -= p.length;
    } else {
      push(out, p.slice(0, need));
      need = 0;
    }
  }
  if (middle !== "") push(out, middle);
  if (suffix > 0) {
    let j = pieces.length - 1;
    let rest = suffix;
    while (pieces[j].length < rest) rest -= pieces[j--].length;
    const p = pieces[j];
    push(out, rest === p.length ? p : p.slice(p.length - rest));
    for (j++; j < pieces.length; j++) push(out, pieces[j]);
  }
  return out;
}

// Slot k's pending result is about to be completed, which empties the other slot.
function completing(k) {
  if (pending[k]) {
    pending[k] = false;
    held[1 - k] = undefined;
    parts[1 - k] = null;
  }
}

/** op (a wasm pointer) applied to text, or undefined when the lengths differ. */
export function applyToText(op, text) {
  const k = slotOf(text);
  if (k < 0) return undefined;
  const out = 1 - k;
  completing(k);
  const whole = !sound[k];
  held[out] = undefined;
  pending[out] = false;
  if (wasm.kp_slot_apply(op, k, out, whole) !== 1) return undefined;
  const w = u32();
  const size = w[report + 1];
  let result = size === 0 ? "" : readText(w[report], size);
  let pieces = null;
  if (whole) {
    held[k] = undefined; // the result took its memory
  } else {
    const prefix = w[report + 2];
    const suffix = w[report + 3];
    if (text.length < PIECES_FROM) {
      if (prefix !== 0) result = text.slice(0, prefix) + result;
      if (suffix !== 0) result += text.slice(text.length - suffix);
    } else {
      pieces = cut(parts[k] ?? [text], prefix, result, suffix);
      result = pieces.length === 0 ? "" : pieces[0];
      for (let i = 1; i < pieces.length; i++) result += pieces[i];
      if (pieces.length > MAX_PIECES) pieces = null;
    }
    pending[out] = true;
  }
  held[out] = result;
  parts[out] = pieces;
  sound[out] = true;
  recent = out;
  return result;
}

/** The inverse of op (a wasm pointer) on text, as a wasm pointer; 0 when the lengths differ. */
export function invertOnText(op, text) {
  const k = slotOf(text);
  if (k < 0) return 0;
  completing(k);
  return wasm.kp_slot_invert(op, k);
}
