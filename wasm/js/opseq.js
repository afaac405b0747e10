// OpSeq and OpSeqPair: rustpad-wasm's surface over the C++ operation. Every method forwards to one
// wasm export; failures come back as undefined, never as an exception.
import { isCount, readOutput, track, u32, untrack, wasm, writeInput } from "./runtime.js";
import { applyToText, invertOnText } from "./text_slots.js";

// Frees the wasm operation of an OpSeq that was garbage collected without free().
const registry = new FinalizationRegistry((ptr) => wasm.kp_op_free(ptr));
// Two words of scratch memory for transform's pair of results.
const pairSlot = wasm.malloc(8);
// Only this module may wrap an existing wasm pointer.
const WRAP = Symbol("wrap");

/** An operation on a text, in code points (retain / insert / delete components). */
export class OpSeq {
  /** An empty operation (same as OpSeq.new()). */
  constructor(token, ptr) {
    this._ptr = token === WRAP ? ptr : wasm.kp_op_new(0);
    this._registered = false;
    track(this);
  }

  /** An empty operation. */
  static new() {
    return new OpSeq(WRAP, wasm.kp_op_new(0));
  }

  /** An empty operation with room for n components. */
  static with_capacity(n) {
    return new OpSeq(WRAP, wasm.kp_op_new(isCount(n) && n < 2 ** 24 ? n : 0));
  }

  /** Parses the JSON form ([2,"n",-1,2]), normalized; undefined when invalid. */
  static from_str(json) {
    if (typeof json !== "string") return undefined;
    const size = writeInput(json);
    if (size < 0) return undefined;
    const ptr = wasm.kp_op_from_json(size);
    return ptr === 0 ? undefined : new OpSeq(WRAP, ptr);
  }

  /** Appends retain(n); ignored unless n is an integer >= 0. Returns whether it was taken. */
  retain(n) {
    return this._ptr !== 0 && isCount(n) && wasm.kp_op_retain(this._ptr, n) === 1;
  }

  /** Appends insert(s); lone surrogates in s become U+FFFD. Returns whether it was taken. */
  insert(s) {
    if (this._ptr === 0 || typeof s !== "string") return false;
    const size = writeInput(s);
    return size >= 0 && wasm.kp_op_insert(this._ptr, size) === 1;
  }

  /** Appends a delete of n code points; ignored unless n is an integer >= 0. */
  delete(n) {
    return this._ptr !== 0 && isCount(n) && wasm.kp_op_remove(this._ptr, n) === 1;
  }

  /** This then other as one operation; undefined unless this.target_len() == other.base_len(). */
  compose(other) {
    if (this._ptr === 0 || !(other instanceof OpSeq) || other._ptr === 0) return undefined;
    const ptr = wasm.kp_op_compose(this._ptr, other._ptr);
    return ptr === 0 ? undefined : new OpSeq(WRAP, ptr);
  }

  /** (this', other') such that both orders converge; this' inserts first on ties. */
  transform(other) {
    if (this._ptr === 0 || !(other instanceof OpSeq) || other._ptr === 0) return undefined;
    if (wasm.kp_op_transform(this._ptr, other._ptr, pairSlot) !== 1) return undefined;
    const words = u32();
    const slot = pairSlot >>> 2;
    return new OpSeqPair(new OpSeq(WRAP, words[slot]), new OpSeq(WRAP, words[slot + 1]));
  }

  /** The text after this operation; undefined unless text has base_len() code points. */
  apply(text) {
    if (this._ptr === 0 || typeof text !== "string") return undefined;
    return applyToText(this._ptr, text);
  }

  /** The operation that undoes this one on text; undefined unless text has base_len() code points. */
  invert(text) {
    if (this._ptr === 0 || typeof text !== "string") return undefined;
    const ptr = invertOnText(this._ptr, text);
    return ptr === 0 ? undefined : new OpSeq(WRAP, ptr);
  }

  /** Where code-point position p moves when this operation is applied. */
  transform_index(position) {
    if (this._ptr === 0 || !isCount(position)) return undefined;
    return wasm.kp_op_transform_index(this._ptr, position);
  }

  /** True when applying this operation changes nothing. */
  is_noop() {
    return this._ptr === 0 ? undefined : wasm.kp_op_is_noop(this._ptr) === 1;
  }

  /** Length in code points of the text this operation applies to. */
  base_len() {
    return this._ptr === 0 ? undefined : wasm.kp_op_base_len(this._ptr);
  }

  /** Length in code points of the text it produces. */
  target_len() {
    return this._ptr === 0 ? undefined : wasm.kp_op_target_len(this._ptr);
  }

  /** The JSON form, e.g. [2,"n",-1,2]. */
  to_string() {
    return this._ptr === 0 ? undefined : readOutput(wasm.kp_op_to_json(this._ptr));
  }

  /** The JSON form as an array (so JSON.stringify(op) works). */
  toJSON() {
    return this._ptr === 0 ? undefined : JSON.parse(this.to_string());
  }

  /** An independent copy. */
  clone() {
    return this._ptr === 0 ? undefined : new OpSeq(WRAP, wasm.kp_op_clone(this._ptr));
  }

  /** True when both operations have the same canonical form. */
  equals(other) {
    if (this._ptr === 0 || !(other instanceof OpSeq) || other._ptr === 0) return false;
    return wasm.kp_op_equals(this._ptr, other._ptr) === 1;
  }

  /** True until free() is called. */
  get alive() {
    return this._ptr !== 0;
  }

  /** Releases the wasm memory now; later calls on this object return undefined. */
  free() {
    if (this._ptr === 0) return;
    untrack(this);
    wasm.kp_op_free(this._ptr);
    this._ptr = 0;
  }
}

OpSeq.prototype._registry = registry;

/** The result of transform: (this', other'). */
export class OpSeqPair {
  constructor(first, second) {
    this._first = first;
    this._second = second;
    this._taken = 0;
  }

  /** this': the first call hands over the pair's own operation, later calls return copies. */
  first() {
    return this._take(this._first, 1);
  }

  /** other': the first call hands over the pair's own operation, later calls return copies. */
  second() {
    return this._take(this._second, 2);
  }

  /** Frees whichever half was never handed out. */
  free() {
    if (!(this._taken & 1)) this._first.free();
    if (!(this._taken & 2)) this._second.free();
    this._taken = 3;
  }

  _take(op, bit) {
    if (this._taken & bit) return op.clone();
    this._taken |= bit;
    return op;
  }
}

/** The wasm pointer behind an OpSeq (0 when freed or not an OpSeq); for oplog.js. */
export function pointerOf(op) {
  return op instanceof OpSeq ? op._ptr : 0;
}

/** Wraps a pointer returned by the module in an OpSeq (undefined for null). */
export function wrapPointer(ptr) {
  return ptr === 0 ? undefined : new OpSeq(WRAP, ptr);
}
