// An editor for tests: a plain string changed only through operations, like Monaco would be.
import { OpSeq } from "@kolabpad/ot";

/** Holds a text; `type` makes local edits, the session applies remote ones. */
export class TextEditor {
  text = "";
  session = null;
  remoteOps = 0;

  /** EditorPort: a remote operation. */
  applyRemote(op) {
    const t = op.apply(this.text);
    if (t === undefined) throw new Error(`remote op ${op.to_string()} does not fit ${JSON.stringify(this.text)}`);
    this.text = t;
    this.remoteOps++;
  }

  /** EditorPort: replace everything. */
  setText(text) { this.text = text; }

  /** Inserts `s` at code point `pos` as a local edit. */
  insert(pos, s) { this.edit(pos, 0, s); }

  /** Replaces `del` code points at `pos` with `ins` as a local edit. */
  edit(pos, del, ins = "") {
    const len = [...this.text].length;
    const op = OpSeq.new();
    op.retain(pos);
    op.insert(ins);
    op.delete(del);
    op.retain(len - pos - del);
    this.text = op.apply(this.text);
    this.session.localEdit(op);
  }
}

/** Resolves when `pred()` is true (polling), or rejects after `ms`. */
export async function until(pred, ms = 5000, what = "condition") {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A Map-backed Web Storage (localStorage for Node). */
export class MemoryStorage {
  map = new Map();
  get length() { return this.map.size; }
  key(i) { return [...this.map.keys()][i] ?? null; }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}
