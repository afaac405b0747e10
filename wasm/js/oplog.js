// Batch calls that stay inside wasm: a text held in linear memory (TextBuffer) and a list of
// operations (OpLog) that an edit is transformed over and then applied, in one call.
import { pointerOf, wrapPointer } from "./opseq.js";
import { isCount, readText, track, untrack, wasm, writeInput } from "./runtime.js";

const textRegistry = new FinalizationRegistry((ptr) => wasm.kp_text_free(ptr));
const logRegistry = new FinalizationRegistry((ptr) => wasm.kp_history_free(ptr));

/** A text kept in wasm memory as UTF-8, so applying operations to it never copies it to JS. */
export class TextBuffer {
  /** A buffer holding `text` (lone surrogates become U+FFFD); dead (alive false) when text is
   *  not a string or exceeds limits.maxTextBytes. */
  constructor(text = "") {
    const size = typeof text === "string" ? writeInput(text) : -1;
    this._ptr = size < 0 ? 0 : wasm.kp_text_new(size);
    this._registered = false;
    if (this._ptr !== 0) track(this);
  }

  /** True until free() is called (false also when the text was refused). */
  get alive() {
    return this._ptr !== 0;
  }

  /** Length in code points (undefined after free()). */
  get length() {
    return this._ptr === 0 ? undefined : wasm.kp_text_length(this._ptr);
  }

  /** Applies op in place; false (text unchanged) unless op.base_len() == length. */
  apply(op) {
    const p = pointerOf(op);
    return this._ptr !== 0 && p !== 0 && wasm.kp_text_apply(this._ptr, p) === 1;
  }

  /** The text as a JS string (decodes it: cost proportional to its size). */
  toString() {
    if (this._ptr === 0) return undefined;
    return readText(wasm.kp_text_data(this._ptr), wasm.kp_text_size(this._ptr));
  }

  /** Releases the wasm memory now. */
  free() {
    if (this._ptr === 0) return;
    untrack(this);
    wasm.kp_text_free(this._ptr);
    this._ptr = 0;
  }
}

TextBuffer.prototype._registry = textRegistry;

/** A list of operations, each applying to the result of the one before (a document's log). */
export class OpLog {
  /** An empty log. */
  constructor() {
    this._ptr = wasm.kp_history_new();
    this._registered = false;
    track(this);
  }

  /** Number of operations in the log. */
  get length() {
    return this._ptr === 0 ? undefined : wasm.kp_history_size(this._ptr);
  }

  /** Appends a copy of op; false when op is not a live OpSeq. */
  push(op) {
    const p = pointerOf(op);
    if (this._ptr === 0 || p === 0) return false;
    wasm.kp_history_push(this._ptr, p);
    return true;
  }

  /** edit transformed over every operation from index `from` on (edit is the left operand). */
  transformOver(edit, from = 0) {
    const p = pointerOf(edit);
    if (this._ptr === 0 || p === 0 || !isCount(from)) return undefined;
    return wrapPointer(wasm.kp_history_transform_over(this._ptr, p, from));
  }

  /**
   * The server's step in one wasm call: edit' = transformOver(edit, from), applied to `text` in
   * place. Returns edit', or undefined (text unchanged) on any length mismatch.
   */
  replay(edit, text, from = 0) {
    const p = pointerOf(edit);
    if (this._ptr === 0 || p === 0 || !isCount(from)) return undefined;
    if (!(text instanceof TextBuffer) || text._ptr === 0) return undefined;
    return wrapPointer(wasm.kp_history_replay(this._ptr, p, from, text._ptr));
  }

  /** Releases the wasm memory now. */
  free() {
    if (this._ptr === 0) return;
    untrack(this);
    wasm.kp_history_free(this._ptr);
    this._ptr = 0;
  }
}

OpLog.prototype._registry = logRegistry;
