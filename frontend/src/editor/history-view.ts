// The history panel's read-only editor: the text of one revision, what changed since the revision
// it is compared with highlighted (inserted text tinted by its author's hue, deleted text shown
// struck through where it was, not part of the text), and optionally every author's tint.
import { monaco } from "./monaco-setup.js";
import { LfView, type Look, type RevisionView } from "../collab/index.js";
import { AuthorTints, escapeMd, range, tintClass } from "./author-tints.js";

/** A read-only Monaco editor for past revisions. */
export class HistoryView {
  readonly editor: monaco.editor.IStandaloneCodeEditor;
  private model = monaco.editor.createModel("", "plaintext");
  private view = new LfView();
  private changes: monaco.editor.IEditorDecorationsCollection;
  private tints: AuthorTints;
  private style = document.createElement("style");
  private hues = new Set<number>();
  private shown: RevisionView | null = null;

  constructor(container: HTMLElement) {
    this.model.setEOL(monaco.editor.EndOfLineSequence.LF);
    this.editor = monaco.editor.create(container, {
      model: this.model, readOnly: true, domReadOnly: true, automaticLayout: true, fontSize: 14,
      minimap: { enabled: false }, scrollBeyondLastLine: false, renderWhitespace: "selection",
      ariaLabel: "The text of the chosen revision (read-only)",
    });
    this.changes = this.editor.createDecorationsCollection();
    this.tints = new AuthorTints(this.editor, (cp) => this.posAt(cp));
    document.head.appendChild(this.style);
  }

  /** The revision shown, if any. */
  get revision(): RevisionView | null { return this.shown; }

  /** Shows `r` in `language`; with `authorRuns` (its attribution), every author's tint too. */
  show(r: RevisionView, language: string, look: (id: number) => Look | null, authorRuns?: number[] | null): void {
    this.shown = r;
    if (this.model.getLanguageId() !== language) monaco.editor.setModelLanguage(this.model, language);
    const scroll = this.editor.getScrollTop();
    this.model.setValue(this.view.reset(r.text));
    this.editor.setScrollTop(scroll);
    const named = (id: number | null): Look | null => (id === null ? null : r.authors[String(id)] ?? look(id));
    const decos: monaco.editor.IModelDeltaDecoration[] = [];
    let at = 0;
    let firstChange: number | null = null;
    for (const s of r.spans) {
      const len = [...s.text].length;
      if (s.kind === "kept") { at += len; continue; }
      firstChange ??= at;
      const who = named(s.author);
      const name = s.author === null ? "someone, before authorship was kept" : who?.name ?? `user ${s.author}`;
      if (s.kind === "inserted") {
        const hue = who ? tintClass(who.hue, this.hues, this.style) : "kp-author-unknown";
        decos.push({ range: range(this.posAt(at), this.posAt(at + len)),
          options: { inlineClassName: `kp-inserted ${hue}`, hoverMessage: { value: `Written by **${escapeMd(name)}**` } } });
        at += len;
      } else {
        const p = this.posAt(at);
        decos.push({ range: range(p, p), options: { before: { content: shorten(s.text), inlineClassName: "kp-deleted" },
          hoverMessage: { value: `Deleted text, written by **${escapeMd(name)}**` } } });
      }
    }
    this.changes.set(decos);
    if (authorRuns) this.tints.render(authorRuns, (id) => r.authors[String(id)] ?? look(id));
    else this.tints.clear();
    if (firstChange !== null) this.editor.revealPositionInCenterIfOutsideViewport(this.posAt(firstChange));
  }

  /** The text shown (the revision's, exactly). */
  text(): string { return this.shown?.text ?? ""; }

  private posAt(cp: number): monaco.IPosition { return this.model.getPositionAt(this.view.toModel(cp)); }
}

// Deleted text is shown inline on one line; a long one is cut in the middle.
function shorten(s: string): string {
  const flat = s.replace(/\r?\n/g, "⏎");
  const cps = [...flat];
  return cps.length <= 120 ? flat : `${cps.slice(0, 58).join("")} … ${cps.slice(-58).join("")}`;
}
