// UTF-16 offsets (what JS strings and Monaco use) <-> code-point offsets (what operations use).
// A surrogate pair is one code point; a lone surrogate also counts as one (the package turns it
// into U+FFFD, also one code point). An offset inside a pair rounds down to the pair's start.

const isHigh = (c) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c) => c >= 0xdc00 && c <= 0xdfff;

/**
 * Converts offsets in one text. Remembers the last (utf16, codePoint) pair it produced and walks
 * from there, so a conversion costs time proportional to the distance from the previous one.
 */
export class OffsetConverter {
  /** A converter for `text`. */
  constructor(text = "") {
    this.setText(text);
  }

  /** Switches to a new text (forgets the remembered position). */
  setText(text) {
    this.text = text;
    this._u = 0;
    this._c = 0;
  }

  /** The code-point offset of UTF-16 offset `utf16`; past the end, one code point per unit. */
  toCodePoint(utf16) {
    const s = this.text;
    const end = Math.min(Math.max(utf16, 0), s.length);
    let u = this._u;
    let c = this._c;
    while (u < end) {
      const step = isHigh(s.charCodeAt(u)) && u + 1 < s.length && isLow(s.charCodeAt(u + 1)) ? 2 : 1;
      if (u + step > end) break;
      u += step;
      c += 1;
    }
    while (u > end) {
      const step = u >= 2 && isLow(s.charCodeAt(u - 1)) && isHigh(s.charCodeAt(u - 2)) ? 2 : 1;
      u -= step;
      c -= 1;
    }
    this._u = u;
    this._c = c;
    return c + Math.max(utf16 - s.length, 0);
  }

  /** The UTF-16 offset of code-point offset `cp`; past the end, one unit per code point. */
  toUtf16(cp) {
    const s = this.text;
    const target = Math.max(cp, 0);
    let u = this._u;
    let c = this._c;
    while (c < target && u < s.length) {
      u += isHigh(s.charCodeAt(u)) && u + 1 < s.length && isLow(s.charCodeAt(u + 1)) ? 2 : 1;
      c += 1;
    }
    while (c > target) {
      u -= u >= 2 && isLow(s.charCodeAt(u - 1)) && isHigh(s.charCodeAt(u - 2)) ? 2 : 1;
      c -= 1;
    }
    this._u = u;
    this._c = c;
    return u + (target - c);
  }
}

/** Number of code points in `s`. */
export function codePointLength(s) {
  return new OffsetConverter(s).toCodePoint(s.length);
}

/** The code-point offset of UTF-16 offset `utf16` in `s` (a one-off walk from the start). */
export function utf16ToCodePoint(s, utf16) {
  return new OffsetConverter(s).toCodePoint(utf16);
}

/** The UTF-16 offset of code-point offset `cp` in `s` (a one-off walk from the start). */
export function codePointToUtf16(s, cp) {
  return new OffsetConverter(s).toUtf16(cp);
}
