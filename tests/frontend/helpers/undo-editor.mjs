// A text editor for undo tests: it knows who inserted every character it shows, and checks each
// undo or redo applied to it against that: an undo may remove only characters this user inserted,
// and may re-insert only characters this user removed.
import { OpSeq } from "@kolabpad/ot";
import WebSocket from "ws";
import { collab } from "./collab.mjs";

const { Session, UndoManager } = collab;

/** Components of an operation's JSON form, walked with a callback per kind. */
function walk(op, { retain, insert, remove }) {
  for (const c of JSON.parse(op.to_string())) {
    if (typeof c === "string") insert(c);
    else if (c > 0) retain(c);
    else remove(-c);
  }
}

/** The editor; `me` names this user in the authorship it keeps ("?" is someone else). */
export class AuthorEditor {
  text = "";
  authors = [];       // one entry per code point of `text`
  caret = null;       // where the last undo/redo put the caret
  ownOps = 0;         // undos and redos applied
  violations = [];    // broken promises, as messages
  pool = new Map();   // characters this user removed and has not re-inserted (counts)
  undo = null;        // the UndoManager in front of this editor

  constructor(me) { this.me = me; }

  /** EditorPort: someone else's operation. */
  applyRemote(op) { this.change(op, "?"); }

  /** EditorPort: replace everything. */
  setText(text) {
    this.text = text;
    this.authors = Array.from(text, () => "?");
  }

  /** UndoEditorPort: our own undo or redo; checked against the authorship. */
  applyOwn(op, caret) {
    let i = 0;
    walk(op, {
      retain: (n) => { i += n; },
      insert: (s) => {
        for (const ch of s) {
          const left = this.pool.get(ch) ?? 0;
          if (left === 0) this.violations.push(`${this.me}'s undo inserted ${JSON.stringify(ch)}, which it never removed`);
          else this.pool.set(ch, left - 1);
        }
      },
      remove: (n) => {
        for (let k = i; k < i + n; k++) {
          if (this.authors[k] !== this.me) {
            this.violations.push(`${this.me}'s undo removed ${JSON.stringify([...this.text][k])} by ${this.authors[k]}`);
          }
        }
        i += n;
      },
    });
    this.change(op, this.me);
    this.caret = caret;
    this.ownOps++;
  }

  /** The user replaces `del` code points at `pos` with `ins` (a local edit). */
  edit(pos, del, ins = "") {
    const len = [...this.text].length;
    const op = OpSeq.new();
    op.retain(pos);
    op.insert(ins);
    op.delete(del);
    op.retain(len - pos - del);
    this.change(op, this.me);
    this.undo.edit(op);
  }

  /** The user types `s` at `pos`. */
  insert(pos, s) { this.edit(pos, 0, s); }

  change(op, author) {
    const chars = [...this.text];
    const out = [];
    const who = [];
    let i = 0;
    walk(op, {
      retain: (n) => { out.push(...chars.slice(i, i + n)); who.push(...this.authors.slice(i, i + n)); i += n; },
      insert: (s) => { for (const ch of s) { out.push(ch); who.push(author); } },
      remove: (n) => {
        if (author === this.me) for (const ch of chars.slice(i, i + n)) this.pool.set(ch, (this.pool.get(ch) ?? 0) + 1);
        i += n;
      },
    });
    if (i !== chars.length) throw new Error(`operation ${op.to_string()} does not fit ${JSON.stringify(this.text)}`);
    this.text = out.join("");
    this.authors = who;
  }
}

/** An editor with an undo manager and no server (edits go nowhere): for grouping tests. */
export function standalone(me = "me", opts = {}) {
  const ed = new AuthorEditor(me);
  const undo = new UndoManager(ed, opts);
  ed.undo = undo;
  return { ed, undo };
}

/** A session on `doc` of a scripted server, its undo manager and an AuthorEditor. */
export function openWithUndo(server, doc, me, opts = {}) {
  const ed = new AuthorEditor(me);
  const undo = new UndoManager(ed, opts);
  ed.undo = undo;
  const s = new Session({
    socketUrl: `${server.url}/api/socket/${doc}`,
    docId: doc,
    socket: (url) => new WebSocket(url),
    editor: undo,
    minBackoffMs: 20,
    maxBackoffMs: 200,
  });
  undo.send = (op) => s.localEdit(op);
  return { s, ed, undo };
}
