// UTF-16 (Monaco, the DOM) <-> code point (the protocol) offset conversion.
// The index remembers where the astral characters (surrogate pairs) sit, so a conversion is a
// binary search and an edit touches only the pairs after it: plain text costs nothing.

/** Number of code points in `s` (a lone surrogate counts as one). */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i + 1 < s.length; i++) {
    if (isPair(s, i)) { n--; i++; }
  }
  return n;
}

/** True when `s` holds a surrogate pair (one astral code point) at UTF-16 index `i`. */
export function isPair(s: string, i: number): boolean {
  const hi = s.charCodeAt(i);
  if (hi < 0xd800 || hi > 0xdbff) return false;
  const lo = s.charCodeAt(i + 1);
  return lo >= 0xdc00 && lo <= 0xdfff;
}

/** Number of entries of ascending `xs` below `bound` (binary search). */
export function countBelow(xs: readonly number[], bound: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < bound) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Number of entries of ascending `xs` with `xs[i] - i < bound`: where the i-th marker of a text sits
 *  once the i markers before it are taken out (binary search). */
export function countShiftedBelow(xs: readonly number[], bound: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] - mid < bound) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** UTF-16 offsets of every surrogate pair in `s`, each shifted by `base`. */
function pairOffsets(s: string, base: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < s.length; i++) {
    if (isPair(s, i)) { out.push(base + i); i++; }
  }
  return out;
}

/** Tracks a document's surrogate pairs; convert offsets both ways, then update on every edit. */
export class Utf16Index {
  private pairs: number[] = []; // ascending UTF-16 offsets of each pair's high surrogate
  private len16 = 0;

  /** Starts tracking `text` (replaces whatever was tracked). */
  constructor(text = "") { this.reset(text); }

  /** Rescans the whole text: only for a full replacement, never per keystroke. */
  reset(text: string): void {
    this.pairs = pairOffsets(text, 0);
    this.len16 = text.length;
  }

  /** The document's length in UTF-16 units. */
  get utf16Length(): number { return this.len16; }

  /** The document's length in code points. */
  get codePointLength(): number { return this.len16 - this.pairs.length; }

  /** Number of pairs whose high surrogate sits before UTF-16 offset `off`. */
  private pairsBefore16(off: number): number { return countBelow(this.pairs, off); }

  /** Code point offset of UTF-16 offset `off` (an offset inside a pair counts as its start). */
  toCodePoint(off: number): number {
    // An offset inside a pair counts that pair as passed, which lands on the pair's own start.
    return off - this.pairsBefore16(off);
  }

  /** UTF-16 offset of code point offset `cp` (past-the-end offsets extend linearly). */
  toUtf16(cp: number): number {
    // The i-th pair sits at code point pairs[i] - i; count pairs strictly before cp.
    return cp + countShiftedBelow(this.pairs, cp);
  }

  /** Records that UTF-16 range [offset, offset+removed) was replaced by `inserted`. */
  replace(offset: number, removed: number, inserted: string): void {
    const first = this.pairsBefore16(offset);
    // Pairs starting in the removed range disappear; a pair starting at offset-1 is cut in half
    // only by malformed edits, which Monaco never makes.
    const last = this.pairsBefore16(offset + removed);
    const delta = inserted.length - removed;
    const added = pairOffsets(inserted, offset);
    const tail = this.pairs.slice(last);
    if (delta !== 0) for (let i = 0; i < tail.length; i++) tail[i] += delta;
    this.pairs.length = first;
    for (const p of added) this.pairs.push(p);
    for (const p of tail) this.pairs.push(p);
    this.len16 += delta;
  }
}
