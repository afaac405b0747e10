// Connects a Monaco model to a collaboration session: local changes become operations in code
// points, remote operations become model edits that leave the local caret where it was. The model
// is LF-only; LfView maps it to the document, whose "\r"s it keeps exactly. Nothing it applies
// goes on Monaco's undo stack: undo is the collaboration client's (see undo-commands.ts).
import { monaco } from "./monaco-setup.js";
import { CompositionGate, DesyncError, LfView, type Op, type UndoEditorPort } from "../collab/index.js";

type Editor = monaco.editor.IStandaloneCodeEditor;
type Model = monaco.editor.ITextModel;

/** Binds one editor (and its model) to a session through the EditorPort interface. */
export class MonacoBinding implements UndoEditorPort {
  private view = new LfView();
  private applying = false; // true while we change the model ourselves
  private gate: CompositionGate;
  private disposers: monaco.IDisposable[] = [];
  /** Receives every local change as an operation (against the session's text). */
  onLocal: (op: Op) => void = () => {};
  /** Told when the editor's text no longer matches the document outside a session call (after an IME composition). */
  onDesync: (why: string) => void = () => {};
  /** Receives the local selection (code points) whenever it changes. */
  onCursor: (cursors: number[], selections: [number, number][]) => void = () => {};
  /** Told when the user moves the caret (keys, mouse): the next edit starts a new undo step. */
  onCaretJump: () => void = () => {};

  /** Starts from the model's current text (taken as the document, LF). */
  constructor(private editor: Editor, private model: Model) {
    this.view.reset(model.getValue());
    this.gate = new CompositionGate((op) => this.applyNow(op));
    this.disposers.push(
      model.onDidChangeContent((e) => this.onContent(e)),
      editor.onDidChangeCursorSelection((e) => {
        if (e.reason === monaco.editor.CursorChangeReason.Explicit) this.onCaretJump();
        this.emitCursor();
      }),
      editor.onDidCompositionStart(() => this.gate.start()),
      editor.onDidCompositionEnd(() => this.endComposition()),
    );
  }

  /** EditorPort: a remote operation (held back while an IME composition is active). */
  applyRemote(op: Op): void { this.gate.remote(op); }

  /** UndoEditorPort: our own undo or redo; the caret goes to `caret` (code points). */
  applyOwn(op: Op, caret: number): void {
    this.gate.remote(op);
    if (this.gate.holding) return; // composing: the editor shows it when the composition ends
    const p = this.posAt(caret);
    this.editor.setSelection(rangeOf(p, p));
    this.editor.revealPositionInCenterIfOutsideViewport(p);
  }

  /** EditorPort: replaces the whole text (the document's, "\r" included). */
  setText(text: string): void {
    this.gate.clear();
    this.applying = true;
    try {
      this.model.setValue(this.view.reset(text));
    } finally {
      this.applying = false;
    }
  }

  /** Code point offset (in the document) of a Monaco position. */
  cpAt(pos: monaco.IPosition): number { return this.view.toDoc(this.model.getOffsetAt(pos)); }

  /** Monaco position of a document code point offset. */
  posAt(cp: number): monaco.Position { return this.model.getPositionAt(this.view.toModel(cp)); }

  /** The document's length in code points. */
  get length(): number { return this.view.length; }

  /** Stops listening. */
  dispose(): void { for (const d of this.disposers) d.dispose(); }

  private onContent(e: monaco.editor.IModelContentChangedEvent): void {
    if (this.applying) return;
    if (e.isFlush) { // setValue by someone else: treat as replacing everything
      this.view.reset(this.model.getValue());
      return;
    }
    // All ranges refer to the text before the event; the text is already LF (the model's EOL).
    const op = this.view.local(e.changes.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, text: c.text })));
    this.onLocal(this.gate.local(op));
  }

  // Remote operations held back during the composition are applied here, outside the session's
  // message handler, so a mismatch they reveal is reported rather than thrown into Monaco.
  private endComposition(): void {
    try {
      this.gate.end();
    } catch (err) {
      if (err instanceof DesyncError) this.onDesync(err.message);
      else throw err;
    }
  }

  private applyNow(op: Op): void {
    const changes = this.view.remote(op);
    if (!changes.length) return;
    const edits = changes.map((c) => ({
      range: rangeOf(this.model.getPositionAt(c.offset), this.model.getPositionAt(c.offset + c.length)),
      text: c.text,
    }));
    this.applying = true;
    try {
      // The user's selections follow the edits (Monaco moves them with its markers). applyEdits
      // keeps the edit off Monaco's undo stack (unused anyway: undo is the UndoManager's).
      this.model.applyEdits(edits);
    } finally {
      this.applying = false;
    }
    // The view's text holds no "\r", so Monaco has nothing to rewrite; a mismatch is a bug, and
    // reloading beats sending operations computed against the wrong text.
    if (this.view.modelLength !== this.model.getValueLength()) throw new DesyncError("editor text mismatch");
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
