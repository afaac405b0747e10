// An LF-only editor for tests, like the Monaco model: any "\r" put into it becomes "\n", and it
// talks to the session through LfView exactly as frontend/src/editor/binding.ts does.
import { collab } from "./collab.mjs";

const { LfView, CR_PLACEHOLDER } = collab;

/** What Monaco's LF model makes of inserted text. */
export const toLf = (s) => s.replace(/\r\n?/g, "\n");

/** The model text a document and its hidden CRs must show (the rule, written out plainly). */
export function expectedModel(doc, hidden) {
  const h = new Set(hidden);
  return [...doc].map((c, i) => (c === "\r" ? (h.has(i) ? "" : CR_PLACEHOLDER) : c)).join("");
}

/** Holds the model text; `edit` makes local changes in UTF-16 model offsets. */
export class LfEditor {
  model = "";
  view = new LfView();
  session = null;

  /** EditorPort: a remote operation becomes model edits (applied last to first, like Monaco). */
  applyRemote(op) {
    const changes = this.view.remote(op);
    for (let i = changes.length - 1; i >= 0; i--) {
      const c = changes[i];
      this.model = this.model.slice(0, c.offset) + toLf(c.text) + this.model.slice(c.offset + c.length);
    }
  }

  /** EditorPort: replace everything. */
  setText(text) { this.model = toLf(this.view.reset(text)); }

  /** The user replaces UTF-16 range [offset, offset + length) of the model with `text`. */
  edit(offset, length, text = "") {
    const lf = toLf(text);
    this.model = this.model.slice(0, offset) + lf + this.model.slice(offset + length);
    const op = this.view.local([{ offset, length, text: lf }]);
    this.session?.localEdit(op);
    return op;
  }

  /** The user types `text` at model offset `offset`. */
  type(offset, text) { return this.edit(offset, 0, text); }
}
