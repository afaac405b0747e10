// Attribution: who wrote each code point of a text, as runs of (length, author), moved through
// operations by the same C++ rule as the server's (ot::apply on an attribution). Author -1 is
// "unknown" (text from before authorship was kept).
import { pointerOf } from "./opseq.js";
import { isCount, readOutput, track, untrack, wasm, writeInput } from "./runtime.js";

const registry = new FinalizationRegistry((ptr) => wasm.kp_attr_free(ptr));
const WRAP = Symbol("wrap");

function isAuthor(a) {
  return a === -1 || isCount(a);
}

/** Runs of (length, author) covering a text. */
export class Attribution {
  /** An empty attribution (the empty text), or a wrapped pointer (module-internal). */
  constructor(token, ptr) {
    this._ptr = token === WRAP ? ptr : wasm.kp_attr_uniform(0, -1);
    this._registered = false;
    track(this);
  }

  /** `length` code points, all by `author`; undefined for a bad count or author. */
  static uniform(length, author) {
    if (!isCount(length) || !isAuthor(author)) return undefined;
    const ptr = wasm.kp_attr_uniform(length, author);
    return ptr === 0 ? undefined : new Attribution(WRAP, ptr);
  }

  /**
   * Parses the serialized form, [length, author, ...] (a JSON string or an array of numbers),
   * covering exactly `length` code points; undefined when invalid.
   */
  static fromJSON(json, length) {
    const text = typeof json === "string" ? json : Array.isArray(json) ? JSON.stringify(json) : undefined;
    if (text === undefined || !isCount(length)) return undefined;
    const size = writeInput(text);
    if (size < 0) return undefined;
    const ptr = wasm.kp_attr_from_json(size, length);
    return ptr === 0 ? undefined : new Attribution(WRAP, ptr);
  }

  /** Code points covered (undefined after free()). */
  get length() {
    return this._ptr === 0 ? undefined : wasm.kp_attr_length(this._ptr);
  }

  /** Moves the attribution through `op` applied by `author`, in place; false (unchanged) on a mismatch. */
  apply(op, author) {
    const p = pointerOf(op);
    return this._ptr !== 0 && p !== 0 && isAuthor(author) && wasm.kp_attr_apply(this._ptr, p, author) === 1;
  }

  /** The serialized form as a string: "[5,0,3,-1]". */
  toString() {
    return this._ptr === 0 ? undefined : readOutput(wasm.kp_attr_to_json(this._ptr));
  }

  /** The runs as a flat array [length, author, length, author, ...] (so JSON.stringify works). */
  toJSON() {
    return this._ptr === 0 ? undefined : JSON.parse(this.toString());
  }

  /** An independent copy. */
  clone() {
    return this._ptr === 0 ? undefined : new Attribution(WRAP, wasm.kp_attr_clone(this._ptr));
  }

  /** True until free() is called. */
  get alive() {
    return this._ptr !== 0;
  }

  /** Releases the wasm memory now. */
  free() {
    if (this._ptr === 0) return;
    untrack(this);
    wasm.kp_attr_free(this._ptr);
    this._ptr = 0;
  }
}

Attribution.prototype._registry = registry;
