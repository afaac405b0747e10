// Types for @kolabpad/ot. Every length, count and position is in Unicode code points.
// The OpSeq and OpSeqPair methods of PROTOCOL.md section 7 (rustpad-wasm's surface) are declared
// exactly as there, so a Rustpad client type-checks unchanged; the rest are additions.

/** An operation on a text: retain / insert / delete components, kept in canonical form. */
export class OpSeq {
  /** An empty operation (same as OpSeq.new()). */
  constructor();
  /** An empty operation. */
  static new(): OpSeq;
  /** An empty operation with room for n components. */
  static with_capacity(n: number): OpSeq;
  /** Parses the JSON form ([2,"n",-1,2]), normalized; undefined when invalid. */
  static from_str(json: string): OpSeq | undefined;
  /** Appends retain(n); nothing is appended unless n is an integer >= 0 (the call then returns
   *  false at run time, true otherwise; declared void as in rustpad-wasm). */
  retain(n: number): void;
  /** Appends insert(s); lone surrogates in s become U+FFFD (returns true/false like retain). */
  insert(s: string): void;
  /** Appends a delete of n code points; nothing unless n is an integer >= 0 (true/false like retain). */
  delete(n: number): void;
  /** This then other as one operation; undefined unless this.target_len() == other.base_len(). */
  compose(other: OpSeq): OpSeq | undefined;
  /** (this', other'): applying other' after this equals this' after other; this inserts first on ties. */
  transform(other: OpSeq): OpSeqPair | undefined;
  /** The text after this operation; undefined unless text has base_len() code points. */
  apply(text: string): string | undefined;
  /** The operation that undoes this one on text. Declared OpSeq as in rustpad-wasm; at run time
   *  it is undefined when text does not have base_len() code points (Rustpad did not check). */
  invert(text: string): OpSeq;
  /** Where code-point position p moves when this operation is applied. Declared number as in
   *  rustpad-wasm; undefined at run time for a p that is not an integer >= 0, or after free(). */
  transform_index(position: number): number;
  /** True when applying this operation changes nothing. */
  is_noop(): boolean;
  /** Length of the text this operation applies to. */
  base_len(): number;
  /** Length of the text it produces. */
  target_len(): number;
  /** The JSON form. */
  to_string(): string;
  /** The JSON form as an array, so JSON.stringify(op) gives the JSON form. */
  toJSON(): Array<number | string>;
  /** An independent copy. */
  clone(): OpSeq;
  /** True when both operations have the same canonical form. */
  equals(other: OpSeq): boolean;
  /** True until free() is called. */
  readonly alive: boolean;
  /** Releases the wasm memory now (otherwise released after garbage collection). */
  free(): void;
}

/** The result of OpSeq.transform. */
export class OpSeqPair {
  private constructor();
  /** this': the first call hands over the pair's operation, later calls return copies. */
  first(): OpSeq;
  /** other': the first call hands over the pair's operation, later calls return copies. */
  second(): OpSeq;
  /** Frees whichever half was never handed out. */
  free(): void;
}

/** A text kept in wasm memory as UTF-8; applying operations to it never copies it to JS. */
export class TextBuffer {
  /** A buffer holding text (lone surrogates become U+FFFD); dead when over limits.maxTextBytes. */
  constructor(text?: string);
  /** True until free() is called (false when the text was refused). */
  readonly alive: boolean;
  /** Length in code points. */
  readonly length: number;
  /** Applies op in place; false (text unchanged) unless op.base_len() == length. */
  apply(op: OpSeq): boolean;
  /** The text as a JS string. */
  toString(): string;
  /** Releases the wasm memory now (otherwise released after garbage collection). */
  free(): void;
}

/** A list of operations, each applying to the result of the one before (a document's log). */
export class OpLog {
  /** An empty log. */
  constructor();
  /** Number of operations in the log. */
  readonly length: number;
  /** Appends a copy of op. */
  push(op: OpSeq): boolean;
  /** edit transformed over every operation from index `from` on (edit is the left operand). */
  transformOver(edit: OpSeq, from?: number): OpSeq | undefined;
  /** transformOver then apply to text in place, in one wasm call; returns edit' or undefined. */
  replay(edit: OpSeq, text: TextBuffer, from?: number): OpSeq | undefined;
  /** Releases the wasm memory now (otherwise released after garbage collection). */
  free(): void;
}

/**
 * Who wrote each code point of a text: runs of (length, author), moved through operations by the
 * same rule as the server's. Author -1 is unknown (text from before authorship was kept).
 */
export class Attribution {
  /** The attribution of the empty text. */
  constructor();
  /** `length` code points all by `author` (-1 or an integer >= 0); undefined otherwise. */
  static uniform(length: number, author: number): Attribution | undefined;
  /** Parses [length, author, ...] (a JSON string or an array) covering exactly `length` code points. */
  static fromJSON(json: string | number[], length: number): Attribution | undefined;
  /** Code points covered. */
  readonly length: number;
  /** Moves it through `op` applied by `author`, in place; false (unchanged) unless op.base_len() == length. */
  apply(op: OpSeq, author: number): boolean;
  /** The serialized form, e.g. "[5,0,3,-1]". */
  toString(): string;
  /** The runs as a flat array [length, author, ...]. */
  toJSON(): number[];
  /** An independent copy. */
  clone(): Attribution;
  /** True until free() is called. */
  readonly alive: boolean;
  /** Releases the wasm memory now (otherwise released after garbage collection). */
  free(): void;
}

/**
 * Converts offsets in one text between UTF-16 units and code points, walking from the last
 * converted position (cost proportional to the distance). Offsets inside a surrogate pair round
 * down; a lone surrogate counts as one code point; past the end, one unit per code point.
 */
export class OffsetConverter {
  /** A converter for text. */
  constructor(text?: string);
  /** The text being converted. */
  readonly text: string;
  /** Switches to a new text. */
  setText(text: string): void;
  /** Code-point offset of a UTF-16 offset. */
  toCodePoint(utf16: number): number;
  /** UTF-16 offset of a code-point offset. */
  toUtf16(codePoint: number): number;
}

/** Number of code points in s. */
export function codePointLength(s: string): number;
/** Code-point offset of UTF-16 offset utf16 in s. */
export function utf16ToCodePoint(s: string, utf16: number): number;
/** UTF-16 offset of code-point offset cp in s. */
export function codePointToUtf16(s: string, codePoint: number): number;
/** The package's named limits; assign to change them. */
export const limits: {
  /** Largest text or insert (UTF-8 bytes) that crosses into wasm; larger ones are refused
   *  (apply/invert/from_str give undefined, insert gives false). Default 256 MiB. */
  maxTextBytes: number;
};
/** Bytes of wasm linear memory currently reserved by the module. */
export function memoryBytes(): number;
