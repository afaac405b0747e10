// Undo and redo of this user's own edits only. A step is the inverse of one of our edit groups.
// The steps form a chain in the local document's coordinates (the text the editor shows, our
// unacknowledged edits included): the newest applies to the current text, each older one to the
// text the newer one produces. An operation that reaches the editor from elsewhere (a
// collaborator's edit, a rollback) is transformed through the chain, newest first, as ot.js's
// UndoManager does; so an undo never removes text someone else inserted, and does whatever is left
// of the step when others deleted part of it. An undo or redo is applied as a new local edit: it
// reaches the server as an ordinary Edit through the session. Every rule is @kolabpad/ot's.
import type { EditorPort } from "./session.js";
import { type Op, opToJson } from "./ot.js";
import { UndoGrouping, regionsOf } from "./undo-grouping.js";

/** The editor as the undo manager sees it: the session's EditorPort plus our own undo/redo. */
export interface UndoEditorPort extends EditorPort {
  /** Apply this user's undo or redo (code points) and put the caret at `caret`. */
  applyOwn(op: Op, caret: number): void;
}

/** Settings of an undo manager; all optional. */
export interface UndoOptions {
  /** A longer pause between two edits starts a new undo step (ms; default 1000). */
  groupPauseMs?: number;
  /** Undo steps kept; older ones are forgotten (default 500). Each costs a transform per remote edit. */
  maxSteps?: number;
  /** The clock (ms), for tests. */
  now?: () => number;
}

/** Default of UndoOptions.groupPauseMs. */
export const UNDO_GROUP_PAUSE_MS = 1000;
/** Default of UndoOptions.maxSteps. */
export const UNDO_MAX_STEPS = 500;

/**
 * Sits between the session and the editor: the session applies remote operations and whole texts
 * through it (EditorPort), the editor's local edits pass through `edit()` on their way to `send`.
 */
export class UndoManager implements EditorPort {
  /** Receives every local edit, undo and redo (wire it to Session.localEdit). */
  send: (op: Op) => void = () => {};
  private undos: Op[] = [];
  private redos: Op[] = [];
  private grouping: UndoGrouping;
  private maxSteps: number;
  private now: () => number;
  // The local text, kept lazily as a text plus the operations applied since; null when lost.
  private text: string | null;
  private since: Op | null = null;
  private sinceCount = 0;

  /** Stands in front of `editor`, whose current text is `text`. */
  constructor(private editor: UndoEditorPort, opts: UndoOptions = {}, text = "") {
    this.grouping = new UndoGrouping(opts.groupPauseMs ?? UNDO_GROUP_PAUSE_MS);
    this.maxSteps = Math.max(1, opts.maxSteps ?? UNDO_MAX_STEPS);
    this.now = opts.now ?? (() => Date.now());
    this.text = text;
  }

  /** Number of steps that undo() can take back. */
  get undoDepth(): number { return this.undos.length; }

  /** Number of steps that redo() can bring back. */
  get redoDepth(): number { return this.redos.length; }

  /** True when there is something to undo. */
  canUndo(): boolean { return this.undos.length > 0; }

  /** True when there is something to redo. */
  canRedo(): boolean { return this.redos.length > 0; }

  /** A local edit already in the editor (against the text before it): recorded, then sent. */
  edit(op: Op): void {
    if (!op.is_noop()) this.record(op);
    this.send(op);
  }

  /** Ends the current step (a cursor jump, an explicit undo stop): the next edit starts a new one. */
  stop(): void { this.grouping.close(); }

  /**
   * Takes back the newest step: its inverse, moved over everything since, applied as a new local
   * edit. Whatever others deleted of it stays deleted; a step with nothing left changes nothing.
   * Returns false when there is nothing to undo.
   */
  undo(): boolean { return this.swap(this.undos, this.redos); }

  /** Brings back the step undone last, the same way. Returns false when there is nothing to redo. */
  redo(): boolean { return this.swap(this.redos, this.undos); }

  /** EditorPort: an operation from elsewhere moves every step, then reaches the editor. */
  applyRemote(op: Op): void {
    if (this.text !== null) {
      if (!this.transformChain(this.undos, op) || !this.transformChain(this.redos, op)) this.lose();
      else {
        this.grouping.transform(op);
        this.advance(op);
      }
    }
    this.editor.applyRemote(op);
  }

  /** EditorPort: a whole new text (a load, a snapshot, a resync) forgets every step. */
  setText(text: string): void {
    this.clear();
    this.text = text;
    this.editor.setText(text);
  }

  private record(op: Op): void {
    const before = this.currentText();
    const inv = before === null ? undefined : op.invert(before);
    if (!inv) { this.lose(); return; }
    this.advance(op);
    this.dropAll(this.redos);
    const joins = this.grouping.next(regionsOf(op, inv), this.now());
    const top = this.undos[this.undos.length - 1];
    if (joins && top) {
      const merged = inv.compose(top); // this edit's inverse, then the step's
      inv.free();
      if (!merged) { this.lose(); return; }
      top.free();
      this.undos[this.undos.length - 1] = merged;
    } else {
      this.undos.push(inv);
      if (this.undos.length > this.maxSteps) this.undos.shift()?.free();
    }
  }

  private swap(from: Op[], to: Op[]): boolean {
    const step = from.pop();
    if (!step) return false;
    this.grouping.close();
    const before = this.currentText();
    const back = before === null ? undefined : step.invert(before);
    if (!back) { step.free(); this.lose(); return false; }
    to.push(back);
    if (!step.is_noop()) {
      this.advance(step);
      this.editor.applyOwn(step, caretOf(step));
      this.send(step);
    }
    return true;
  }

  // Moves the chain over `op` (which applies to the current text): newest step first, each
  // against `op` as seen after the newer steps. The step is the left operand: when it re-inserts
  // text where someone inserted at the same place, the re-inserted text goes first.
  private transformChain(chain: Op[], op: Op): boolean {
    let over = op;
    let ok = true;
    for (let i = chain.length - 1; i >= 0 && ok; i--) {
      const pair = chain[i].transform(over);
      if (!pair) { ok = false; break; }
      chain[i].free();
      chain[i] = pair.first();
      if (over !== op) over.free();
      over = pair.second();
    }
    if (over !== op) over.free();
    return ok;
  }

  private currentText(): string | null {
    if (this.text !== null && this.since) {
      const t = this.since.apply(this.text);
      this.since.free();
      this.since = null;
      this.sinceCount = 0;
      this.text = t ?? null;
    }
    return this.text;
  }

  private advance(op: Op): void {
    if (this.text === null) return;
    if (!this.since) this.since = op.clone(); // the caller keeps `op`
    else {
      const c = this.since.compose(op);
      this.since.free();
      this.since = c ?? null;
    }
    if (!this.since) { this.lose(); return; }
    if (++this.sinceCount >= 256) this.currentText(); // keep the composed operation small
  }

  // The chain no longer fits the text (a bug elsewhere): forget it until the next setText.
  private lose(): void {
    this.clear();
    this.text = null;
  }

  private clear(): void {
    this.dropAll(this.undos);
    this.dropAll(this.redos);
    this.since?.free();
    this.since = null;
    this.sinceCount = 0;
    this.grouping.close();
  }

  private dropAll(chain: Op[]): void {
    for (const op of chain) op.free();
    chain.length = 0;
  }
}

/** Where the caret goes after applying `op`: the end of its first change. */
export function caretOf(op: Op): number {
  let pos = 0;
  for (const c of opToJson(op) as (number | string)[]) {
    if (typeof c === "number" && c > 0) pos += c;
    else if (typeof c === "string") return pos + [...c].length;
    else return pos;
  }
  return pos;
}
