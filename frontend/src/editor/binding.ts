// Connects a Monaco model to a collaboration session: local changes become operations in code
// points, remote operations become model edits that leave the local caret where it was.
import type { monaco } from "./monaco-setup.js";
import { CompositionGate, Utf16Index, newOp, type EditorPort, type Op } from "../collab/index.js";

type Editor = monaco.editor.IStandaloneCodeEditor;
type Model = monaco.editor.ITextModel;

/** Binds one editor (and its model) to a session through the EditorPort interface. */
export class MonacoBinding implements EditorPort {
  private index: Utf16Index;
  private applying = false; // true while we change the model ourselves
  private gate: CompositionGate;
  private disposers: monaco.IDisposable[] = [];
  /** Receives every local change as an operation (against the session's text). */
  onLocal: (op: Op) => void = () => {};
  /** Receives the local selection (code points) whenever it changes. */
  onCursor: (cursors: number[], selections: [number, number][]) => void = () => {};

  constructor(private editor: Editor, private model: Model) {
    this.index = new Utf16Index(model.getValue());
    this.gate = new CompositionGate((op) => this.applyNow(op));
    this.disposers.push(
      model.onDidChangeContent((e) => this.onContent(e)),
      editor.onDidChangeCursorSelection(() => this.emitCursor()),
      editor.onDidCompositionStart(() => this.gate.start()),
      editor.onDidCompositionEnd(() => this.gate.end()),
    );
  }

  /** EditorPort: a remote operation (held back while an IME composition is active). */
  applyRemote(op: Op): void { this.gate.remote(op); }

  /** EditorPort: replaces the whole text. */
  setText(text: string): void {
    this.gate.clear();
    this.applying = true;
    try {
      this.model.setValue(text);
    } finally {
      this.applying = false;
    }
    this.index.reset(this.model.getValue());
  }

  /** Code point offset of a Monaco position. */
  cpAt(pos: monaco.IPosition): number { return this.index.toCodePoint(this.model.getOffsetAt(pos)); }

  /** Monaco position of a code point offset. */
  posAt(cp: number): monaco.Position { return this.model.getPositionAt(this.index.toUtf16(cp)); }

  /** The document's length in code points. */
  get length(): number { return this.index.codePointLength; }

  /** Stops listening. */
  dispose(): void { for (const d of this.disposers) d.dispose(); }

  private onContent(e: monaco.editor.IModelContentChangedEvent): void {
    if (this.applying) return;
    if (e.isFlush) { // setValue by someone else: treat as replacing everything
      this.index.reset(this.model.getValue());
      return;
    }
    // All ranges refer to the text before the event; walk them in ascending order.
    const changes = [...e.changes].sort((a, b) => a.rangeOffset - b.rangeOffset);
    const op = newOp();
    let at = 0; // code points consumed so far
    for (const c of changes) {
      const start = this.index.toCodePoint(c.rangeOffset);
      const end = this.index.toCodePoint(c.rangeOffset + c.rangeLength);
      op.retain(start - at);
      op.insert(c.text);
      op.delete(end - start);
      at = end;
    }
    op.retain(this.index.codePointLength - at);
    for (let i = changes.length - 1; i >= 0; i--) {
      const c = changes[i];
      this.index.replace(c.rangeOffset, c.rangeLength, c.text);
    }
    // Monaco normalizes line endings to the model's EOL; the text we record is what it holds.
    this.onLocal(this.gate.local(op));
  }

  private applyNow(op: Op): void {
    const ops = JSON.parse(op.to_string()) as (number | string)[];
    const edits: monaco.editor.IIdentifiedSingleEditOperation[] = [];
    const spans: { off: number; len: number; text: string }[] = []; // UTF-16, pre-edit text
    let cp = 0;
    for (const c of ops) {
      if (typeof c === "string") {
        const off = this.index.toUtf16(cp);
        const p = this.model.getPositionAt(off);
        edits.push({ range: rangeOf(p, p), text: c });
        spans.push({ off, len: 0, text: c });
      } else if (c > 0) {
        cp += c;
      } else if (c < 0) {
        const off = this.index.toUtf16(cp);
        const end = this.index.toUtf16(cp - c);
        const range = rangeOf(this.model.getPositionAt(off), this.model.getPositionAt(end));
        const last = spans[spans.length - 1];
        if (last && last.off === off && last.len === 0) { // insert-then-delete: one replacement
          last.len = end - off;
          edits[edits.length - 1].range = range;
        } else {
          edits.push({ range, text: "" });
          spans.push({ off, len: end - off, text: "" });
        }
        cp -= c;
      }
    }
    if (!edits.length) return;
    this.applying = true;
    try {
      // pushEditOperations moves the user's selections with the edits and keeps undo working.
      this.model.pushEditOperations(this.editor.getSelections() ?? [], edits, () => null);
    } finally {
      this.applying = false;
    }
    for (let i = spans.length - 1; i >= 0; i--) this.index.replace(spans[i].off, spans[i].len, spans[i].text);
    if (this.index.utf16Length !== this.model.getValueLength()) {
      // Monaco rewrote line endings (a "\r" in remote text): follow the model's real text.
      this.index.reset(this.model.getValue());
    }
    this.emitCursor();
  }

  private emitCursor(): void {
    const sels = this.editor.getSelections() ?? [];
    const cursors: number[] = [];
    const selections: [number, number][] = [];
    for (const s of sels) {
      cursors.push(this.cpAt(s.getPosition()));
      if (!s.isEmpty()) {
        selections.push([this.cpAt(s.getStartPosition()), this.cpAt(s.getEndPosition())]);
      }
    }
    this.onCursor(cursors, selections);
  }
}

function rangeOf(a: monaco.IPosition, b: monaco.IPosition): monaco.IRange {
  return { startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber,
    endColumn: b.column };
}
