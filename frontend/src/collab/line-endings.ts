// The document may hold "\r" (any client can send it); the Monaco model is LF-only. The model
// shows the document under one rule: a hidden "\r" (always directly before a "\n") is not in the
// model at all, so "\r\n" reads as one line break; every other "\r" is shown as CR_PLACEHOLDER.
// Everything else is the same character. The rule is exact both ways, so the document never
// drifts; see docs/frontend.md "Line endings".
import { newOp, opToJson, type Op } from "./ot.js";
import { Utf16Index, codePointLength, countBelow, countShiftedBelow, isPair } from "./unicode.js";

/** What the model shows in place of a "\r" that is not part of a hidden "\r\n" (U+240D, "␍"). */
export const CR_PLACEHOLDER = "\u240d";

/** One replacement in the model: UTF-16 range [offset, offset + length) of the text before it. */
export interface ModelChange { offset: number; length: number; text: string; }

/** The model text of document text `text`, and its hidden CRs (document code points + `base`). */
export function renderLf(text: string, base = 0): { model: string; hidden: number[] } {
  const hidden: number[] = [];
  let model = "";
  let cp = base;
  let from = 0; // start of the run of plain text not yet copied
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) {
      model += text.slice(from, i);
      from = i + 1;
      if (text.charCodeAt(i + 1) === 10) hidden.push(cp);
      else model += CR_PLACEHOLDER;
    } else if (isPair(text, i)) {
      i++; // one code point, two units
    }
    cp++;
  }
  return { model: model + text.slice(from), hidden };
}

interface Span { at: number; ins: string; del: number; } // one non-retain stretch of an op

/** The model's view of a document: converts positions, local changes and remote operations. */
export class LfView {
  private hidden: number[] = []; // ascending document code points of the hidden "\r"s
  private index = new Utf16Index(); // the model's text (UTF-16 <-> model code points)

  /** Starts with `text`; returns the model text to show. */
  reset(text: string): string {
    const r = renderLf(text);
    this.hidden = r.hidden;
    this.index.reset(r.model);
    return r.model;
  }

  /** The document's length in code points. */
  get length(): number { return this.index.codePointLength + this.hidden.length; }

  /** The model's length in UTF-16 units (what the editor must hold). */
  get modelLength(): number { return this.index.utf16Length; }

  /** Document code points of the hidden "\r"s, ascending (each is followed by "\n"). */
  hiddenCrs(): readonly number[] { return this.hidden; }

  /** Model UTF-16 offset of document code point `cp` (between a hidden "\r" and its "\n" is before the "\n"). */
  toModel(cp: number): number {
    return this.index.toUtf16(cp - countBelow(this.hidden, cp));
  }

  /** Document code point of model UTF-16 offset `off`: before any hidden "\r" sitting there. */
  toDoc(off: number): number {
    const m = this.index.toCodePoint(off);
    // The i-th hidden "\r" sits at model code point hidden[i] - i; count those strictly before m.
    return m + countShiftedBelow(this.hidden, m);
  }

  /** The operation for changes the user made in the model (ranges in the text before them; LF text). */
  local(changes: readonly ModelChange[]): Op {
    const sorted = [...changes].sort((a, b) => a.offset - b.offset);
    const spans = sorted.map((c) => ({ start: this.toDoc(c.offset), end: this.toDoc(c.offset + c.length), c }));
    const op = newOp();
    let at = 0;
    for (const s of spans) {
      op.retain(s.start - at);
      op.insert(s.c.text);
      op.delete(s.end - s.start);
      at = s.end;
    }
    op.retain(this.length - at);
    // A range never ends between a hidden "\r" and its "\n" (toDoc lands before the "\r"), so a
    // pair is removed whole or kept whole; the typed text holds no "\r" in an LF model.
    for (let i = spans.length - 1; i >= 0; i--) {
      const { start, end, c } = spans[i];
      this.index.replace(c.offset, c.length, c.text);
      this.replaceHidden(start, end, codePointLength(c.text));
    }
    return op;
  }

  /** The model changes (ascending, in the text before them) that show remote operation `op`. */
  remote(op: Op): ModelChange[] {
    const spans = this.spans(op);
    const out: ModelChange[] = [];
    const hidden: number[] = [];
    let k = 0; // next old hidden "\r" to place
    let delta = 0; // document length change of the spans so far
    for (const s of spans) {
      while (k < this.hidden.length && this.hidden[k] < s.at - 1) hidden.push(this.hidden[k++] + delta);
      // A change right after a hidden "\r" separates it from its "\n": it is shown from now on.
      const split = k < this.hidden.length && this.hidden[k] === s.at - 1;
      if (split) k++;
      while (k < this.hidden.length && this.hidden[k] < s.at) hidden.push(this.hidden[k++] + delta);
      while (k < this.hidden.length && this.hidden[k] < s.at + s.del) k++; // deleted
      const r = renderLf(s.ins, s.at + delta);
      for (const h of r.hidden) hidden.push(h);
      const offset = this.toModel(s.at);
      const end = this.toModel(s.at + s.del);
      const text = (split ? CR_PLACEHOLDER : "") + r.model;
      const last = out[out.length - 1];
      // Only hidden "\r"s were retained in between: one model edit, the texts in document order.
      if (last && last.offset + last.length === offset) {
        last.length = end - last.offset;
        last.text += text;
      } else {
        out.push({ offset, length: end - offset, text });
      }
      delta += codePointLength(s.ins) - s.del;
    }
    while (k < this.hidden.length) hidden.push(this.hidden[k++] + delta);
    for (let i = out.length - 1; i >= 0; i--) this.index.replace(out[i].offset, out[i].length, out[i].text);
    this.hidden = hidden;
    return out;
  }

  /** The op's insert/delete stretches, at document code points of the text before it. */
  private spans(op: Op): Span[] {
    const spans: Span[] = [];
    let cur: Span | null = null;
    let p = 0;
    for (const c of opToJson(op) as (number | string)[]) {
      if (typeof c === "number" && c > 0) {
        if (cur) spans.push(cur);
        cur = null;
        p += c;
        continue;
      }
      cur ??= { at: p, ins: "", del: 0 };
      if (typeof c === "string") cur.ins += c;
      else { cur.del -= c; p -= c; }
    }
    if (cur) spans.push(cur);
    return spans;
  }

  /** Hidden "\r"s in [start, end) go; later ones shift by `inserted - (end - start)`. */
  private replaceHidden(start: number, end: number, inserted: number): void {
    const first = countBelow(this.hidden, start);
    const last = countBelow(this.hidden, end);
    const delta = inserted - (end - start);
    if (first === last && delta === 0) return;
    const tail = this.hidden.slice(last);
    this.hidden.length = first;
    for (const h of tail) this.hidden.push(h + delta);
  }
}
