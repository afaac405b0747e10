// The client half of OT (the ot.js state machine): synchronized, awaiting an acknowledgement,
// or awaiting with a buffer. Framework-free: it talks to the editor and the socket through hooks.
import { clientTag, type HistoryEntry } from "./protocol.js";
import { type Op, opFromJson, opToJson, mustCompose, mustTransform } from "./ot.js";

/** An edit that was sent (or is about to be resent) and not yet acknowledged; `client` is the secret id. */
export interface Outstanding { op: Op; client: string; seq: number; }

/** What the state machine needs from its surroundings. */
export interface OtClientHooks {
  /** Transmit an edit made against `revision` (called again by resend() after a reconnect). */
  send(edit: Outstanding, revision: number): void;
  /** Apply an operation (code points) to the local document without recording it as local. */
  applyToEditor(op: Op): void;
  /** Called with every log entry's operation as sequenced by the server (to move cursors). */
  onServerOp?(op: Op): void;
}

/** The saved form of unacknowledged work: enough to rebuild it after a page reload. */
export interface PendingState {
  revision: number;
  baseText: string;
  outstanding: { op: unknown; client: string; seq: number } | null;
  buffer: unknown | null;
}

/** Name of the current state, as in the ot.js client. */
export type OtState = "synchronized" | "awaiting" | "awaiting-with-buffer";

/** Raised when the server's stream cannot be followed (gap, invalid op); the session resyncs. */
export class DesyncError extends Error {}

/** The OT client state machine for one document. */
export class OtClient {
  revision: number;
  outstanding: Outstanding | null = null;
  buffer: Op | null = null;
  nextSeq: number;
  // The server's text at `revision`, kept lazily as a base text plus the ops composed since.
  private baseText: string;
  private sinceBase: Op | null = null;
  private sinceCount = 0;
  private serverLen: number; // code points of the server's text at `revision`

  /** Starts at `revision` with the server's text there (0 and "" for a fresh document). */
  constructor(readonly client: string, private hooks: OtClientHooks, revision = 0, text = "",
    firstSeq = 1) {
    this.revision = revision;
    this.baseText = text;
    this.serverLen = [...text].length;
    this.nextSeq = firstSeq;
  }

  /** The current state's name. */
  get state(): OtState {
    if (!this.outstanding) return "synchronized";
    return this.buffer ? "awaiting-with-buffer" : "awaiting";
  }

  /** The server's text at the current revision. */
  serverText(): string {
    if (this.sinceBase) {
      const t = this.sinceBase.apply(this.baseText);
      if (t === undefined) throw new DesyncError("server text does not match the log");
      this.baseText = t;
      this.sinceBase = null;
      this.sinceCount = 0;
    }
    return this.baseText;
  }

  private track(op: Op): void {
    this.sinceBase = this.sinceBase ? mustCompose(this.sinceBase, op) : op;
    if (++this.sinceCount >= 512) this.serverText(); // keep the composed op small
  }

  /** A local edit (already in the editor): send it now or buffer it behind the outstanding one. */
  local(op: Op): void {
    if (op.is_noop()) return;
    if (!this.outstanding) {
      this.outstanding = { op, client: this.client, seq: this.nextSeq++ };
      this.hooks.send(this.outstanding, this.revision);
    } else {
      this.buffer = this.buffer ? mustCompose(this.buffer, op) : op;
    }
  }

  /** Sends the outstanding edit again with the same client and seq (after a reconnect). */
  resend(): void {
    if (this.outstanding) this.hooks.send(this.outstanding, this.revision);
  }

  /** Handles one History message; `myId` is this connection's user id. */
  receive(start: number, entries: HistoryEntry[], myId: number | null): void {
    for (let k = 0; k < entries.length; k++) {
      const index = start + k;
      if (index < this.revision) continue; // already seen (resume overlap)
      if (index > this.revision) throw new DesyncError(`history gap: got ${index}, at ${this.revision}`);
      const entry = entries[k];
      const op = opFromJson(entry.operation);
      if (!op) throw new DesyncError(`invalid operation in history at ${index}`);
      if (op.base_len() !== this.serverLen) throw new DesyncError(`operation ${index} does not fit`);
      this.serverLen = op.target_len();
      if (this.isOwn(entry, myId)) this.ack(op);
      else this.remote(op);
      this.hooks.onServerOp?.(op);
    }
  }

  private isOwn(entry: HistoryEntry, myId: number | null): boolean {
    const o = this.outstanding;
    if (!o) return false;
    // History shows the tag of the secret client id, which only this page (or its saved state) knows.
    if (entry.client !== undefined) return entry.client === clientTag(o.client) && entry.seq === o.seq;
    return myId !== null && entry.id === myId; // a server that does not echo client/seq
  }

  private ack(op: Op): void {
    this.track(op);
    this.revision++;
    this.outstanding = null;
    if (this.buffer) {
      const b = this.buffer;
      this.buffer = null;
      this.local(b);
    }
  }

  private remote(op: Op): void {
    this.track(op);
    this.revision++;
    let toApply = op;
    if (this.outstanding) {
      const [o2, r1] = mustTransform(this.outstanding.op, toApply);
      this.outstanding.op = o2;
      toApply = r1;
      if (this.buffer) {
        const [b2, r2] = mustTransform(this.buffer, toApply);
        this.buffer = b2;
        toApply = r2;
      }
    }
    this.hooks.applyToEditor(toApply);
  }

  /**
   * The server refused edit `seq` (Rejected): undo it in the editor, keep later typing (moved
   * over the undo) as the next edit. Returns false when `seq` is not the outstanding edit.
   */
  rejected(seq: number | undefined): boolean {
    const o = this.outstanding;
    if (!o || (seq !== undefined && seq !== o.seq)) return false;
    let undo = o.op.invert(this.serverText());
    if (!undo) throw new DesyncError("outstanding edit does not fit the server's text");
    let rest: Op | null = null;
    if (this.buffer) {
      const [u2, b2] = mustTransform(undo, this.buffer);
      undo = u2;
      rest = b2;
    }
    this.outstanding = null;
    this.buffer = null;
    this.hooks.applyToEditor(undo);
    if (rest) this.local(rest);
    return true;
  }

  /** Drops all local work and restarts from the server's text at `revision` (a Snapshot). */
  reset(revision: number, text: string): void {
    this.revision = revision;
    this.baseText = text;
    this.serverLen = [...text].length;
    this.sinceBase = null;
    this.sinceCount = 0;
    this.outstanding = null;
    this.buffer = null;
  }

  /** The local document: the server's text with the unacknowledged edits applied. */
  localText(): string {
    let text = this.serverText();
    for (const op of [this.outstanding?.op, this.buffer]) if (op) text = op.apply(text) ?? text;
    return text;
  }

  /** Maps a position in the server's text (at `revision`) into the local text. */
  toLocal(pos: number): number {
    let p = pos;
    if (this.outstanding) p = this.outstanding.op.transform_index(p);
    if (this.buffer) p = this.buffer.transform_index(p);
    return p;
  }

  /** The unacknowledged work to save, or null when everything is acknowledged. */
  pending(): PendingState | null {
    if (!this.outstanding && !this.buffer) return null;
    const o = this.outstanding;
    return {
      revision: this.revision,
      baseText: this.serverText(),
      outstanding: o ? { op: opToJson(o.op), client: o.client, seq: o.seq } : null,
      buffer: this.buffer ? opToJson(this.buffer) : null,
    };
  }

  /** Restores saved work (after construct at the saved revision and text); returns the local text. */
  restore(p: PendingState): string {
    let text = this.serverText();
    if (p.outstanding) {
      const op = opFromJson(p.outstanding.op);
      const t = op?.apply(text);
      if (!op || t === undefined) throw new DesyncError("saved edit does not fit its text");
      this.outstanding = { op, client: p.outstanding.client, seq: p.outstanding.seq };
      text = t;
    }
    if (p.buffer !== null) {
      const op = opFromJson(p.buffer);
      const t = op?.apply(text);
      if (!op || t === undefined) throw new DesyncError("saved buffer does not fit its text");
      if (this.outstanding) this.buffer = op;
      else this.outstanding = { op, client: this.client, seq: this.nextSeq++ };
      text = t;
    }
    return text;
  }
}
