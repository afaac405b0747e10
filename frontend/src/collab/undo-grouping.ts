// Which local edits make one undo step. Monaco's rules (monaco-editor 0.57,
// common/cursor/cursorTypeEditOperations.js shouldPushStackElementBetween, cursorDeleteOperations.js,
// cursor moves calling pushStackElement) re-expressed over operations, so they run without Monaco:
// a run of typed characters is one step, a space starts a new step that the next word joins
// ("abc", " def"), Enter starts a new step, backspaces (or deletes) in a row are one step unless
// one crosses a line, a paste or any other edit is a step of its own. Added to Monaco's rules:
// a pause of `pauseMs` starts a new step, and so does an edit that does not continue where the
// last one left the caret (a cursor jump; the Monaco binding also reports explicit cursor moves).
import { type Op, opToJson } from "./ot.js";
import { codePointLength } from "./unicode.js";

/** One changed place of an operation, in code points. */
export interface Region {
  pos: number;     // where it starts in the text before the edit
  post: number;    // where it starts in the text after the edit
  del: number;     // code points removed
  deleted: string; // the removed text
  ins: string;     // the inserted text
}

interface Change { pos: number; del: number; ins: string; }

function changesOf(op: Op): Change[] {
  const out: Change[] = [];
  let pos = 0;
  let cur: Change | null = null;
  for (const c of opToJson(op) as (number | string)[]) {
    if (typeof c === "number" && c > 0) {
      if (cur) out.push(cur);
      cur = null;
      pos += c;
      continue;
    }
    cur ??= { pos, del: 0, ins: "" };
    if (typeof c === "string") cur.ins += c;
    else { cur.del -= c; pos -= c; }
  }
  if (cur) out.push(cur);
  return out;
}

/** The regions of `op`; the removed text is read from `inv`, the inverse of `op`. */
export function regionsOf(op: Op, inv: Op): Region[] {
  const fwd = changesOf(op);
  const back = changesOf(inv);
  let shift = 0;
  return fwd.map((c, i) => {
    const post = c.pos + shift;
    shift += codePointLength(c.ins) - c.del;
    return { pos: c.pos, post, del: c.del, deleted: back[i]?.ins ?? "", ins: c.ins };
  });
}

/** Monaco's EditOperationType; "delete" is a deletion whose direction is not known yet. */
type EditType = "other" | "delete" | "delete-left" | "delete-right" | "typing" | "first-space" | "more-space";

const isTyping = (t: EditType) => t === "typing" || t === "first-space" || t === "more-space";
const isDelete = (t: EditType) => t === "delete" || t === "delete-left" || t === "delete-right";
const norm = (t: EditType) => (t === "first-space" || t === "more-space" ? "space" : t);

// Monaco's shouldPushStackElementBetween, for two typing or deleting types.
function monacoStopBetween(prev: EditType, cur: EditType): boolean {
  if (isTyping(prev) && !isTyping(cur)) return true;
  if (prev === "first-space") return false; // `abc |d`: the word joins its space
  return norm(prev) !== norm(cur);
}

const ENTER = /^\n[ \t]*$/; // Enter, with the indentation Monaco adds

/** Decides, edit by edit, whether a local edit continues the current undo step. */
export class UndoGrouping {
  private type: EditType = "other";
  private open = false;
  private ends: number[] = [];  // where each region left the caret (current coordinates)
  private runStart = 0;         // start of what the current typing step inserted (one region)
  private last = -Infinity;

  /** `pauseMs`: a longer pause between two edits starts a new step. */
  constructor(private pauseMs: number) {}

  /** True when an edit with these regions, made at `now` (ms), joins the current step. */
  next(regions: Region[], now: number): boolean {
    const joins = this.open && now - this.last <= this.pauseMs && regions.length === this.ends.length;
    const at = (i: number) => regions[i].pos === this.ends[i];
    let type: EditType = "other";
    let join = false;
    let closeAfter = false;
    const one = regions.length === 1 ? regions[0] : null;
    if (one && one.del > 0 && one.ins !== "" && joins && isTyping(this.type)
      && one.pos >= this.runStart && one.pos + one.del === this.ends[0]) {
      // Rewriting what this step just typed (an IME composition, an autocorrection).
      type = "typing";
      join = true;
      this.runStart = Math.min(this.runStart, one.post);
    } else if (regions.every((r) => r.del === 0 && codePointLength(r.ins) === 1)) {
      const ch = regions[0].ins;
      const same = regions.every((r) => r.ins === ch);
      type = same && ch === " "
        ? (this.type === "first-space" || this.type === "more-space" ? "more-space" : "first-space")
        : "typing";
      join = joins && regions.every((_, i) => at(i)) && !(same && ch === "\n")
        && !monacoStopBetween(this.type, type);
    } else if (regions.every((r) => r.del === 0 && ENTER.test(r.ins))) {
      type = "typing"; // Enter always starts a step
    } else if (regions.every((r) => r.ins === "" && r.del > 0)) {
      const left = regions.every((r, i) => r.pos + r.del === this.ends[i]);
      const right = regions.every((_, i) => at(i));
      const crossesLine = regions.some((r) => r.deleted.includes("\n"));
      if (joins && !crossesLine && left && (this.type === "delete" || this.type === "delete-left")) {
        type = "delete-left";
        join = true;
      } else if (joins && !crossesLine && right && (this.type === "delete" || this.type === "delete-right")) {
        type = "delete-right";
        join = true;
      } else {
        type = "delete";
      }
    } else if (regions.every((r) => r.del > 0 && codePointLength(r.ins) === 1)) {
      // Typing over a selection starts a step that later typing joins; overtyping at the caret
      // (Insert mode, a typed closing bracket) continues one.
      type = "typing";
      join = joins && regions.every((_, i) => at(i)) && !monacoStopBetween(this.type, type);
    } else {
      closeAfter = true; // a paste, a replace-all, a whole-text change: a step of its own
    }
    if (!join) this.runStart = regions[0]?.post ?? 0;
    this.type = type;
    this.open = !closeAfter;
    this.last = now;
    this.ends = regions.map((r) => r.post + codePointLength(r.ins));
    return join;
  }

  /** Ends the current step: the next edit starts a new one (cursor jump, undo, redo). */
  close(): void { this.open = false; }

  /** Moves the remembered caret positions through an operation applied from elsewhere. */
  transform(op: Op): void {
    if (!this.open) return;
    this.ends = this.ends.map((p) => op.transform_index(p));
    this.runStart = op.transform_index(this.runStart);
  }
}
