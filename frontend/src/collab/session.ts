// One document's live connection: socket lifecycle, reconnect with backoff and resume,
// presence (users, cursors), language, protection, access (tokens, read-only links), and the OT
// client in between.
import { CloseCode, parseServerMsg, type CursorData, type HistoryEntry, type ServerMsg, type SocketFactory,
  type SocketLike, type UserInfo, type VersionMsg } from "./protocol.js";
import { DesyncError, OtClient, type Outstanding } from "./ot-client.js";
import { opToJson, type Op } from "./ot.js";
import { PendingStore, type StorageLike } from "./pending-store.js";
import type { AccessProblem } from "./access.js";
import { SaveTracker, type SaveState } from "./save-status.js";

/** What the session needs from the editor (positions and lengths in code points). */
export interface EditorPort {
  /** Apply a remote (already transformed) operation, keeping the local caret in place. */
  applyRemote(op: Op): void;
  /** Replace the whole text (initial load, snapshot, resync). */
  setText(text: string): void;
}

/** Connection states shown to the user. */
export type Status = "connecting" | "connected" | "reconnecting" | "offline" | "protected";

/** Callbacks to the page; all optional. */
export interface SessionEvents {
  status?(s: Status): void;
  users?(): void;
  cursors?(): void;
  language?(lang: string, byUserId: number | null): void;
  otp?(otp: string | null, byName: string, byId: number): void;
  notice?(kind: "error" | "info", text: string): void;
  /** The save indicator changed (see Session.saveState()). */
  saveState?(s: SaveState): void;
  /**
   * Asked after a connection failed before Identity: is the document protected for us? `true`
   * (wrong OTP or read-only link: stop at "protected"), `"token"` (a token is needed or was
   * refused: ask SessionOptions.getToken for one) or `false` (just reconnect).
   */
  isProtected?(): Promise<boolean | "token">;
  /** The read-only link this user asked for (createViewLink) arrived. */
  viewLink?(token: string): void;
  /** Log entries [start, start + entries.length) arrived (after the OT client took them). */
  history?(start: number, entries: HistoryEntry[]): void;
  /** The text was replaced from the server (a Snapshot or a resync): what followed the log is void. */
  reset?(): void;
  /** A revision was named (by anyone, this user included). */
  version?(v: VersionMsg): void;
  /** A request of this user was refused without touching the text (a SaveVersion or Restore). */
  refused?(code: string, message: string): void;
}

/** Options for a session. */
export interface SessionOptions {
  socketUrl: string; // ws(s)://host/api/socket/{id}
  docId: string;
  otp?: string | null;
  /** A read-only link's token (?view=): the session is read-only. */
  view?: string | null;
  /** A signed token (?token=). */
  token?: string | null;
  /**
   * Asks the embedding page for a fresh token, when the token expired (the server closed with
   * token_expired) or a token is needed or was refused; null when there is none. Without it
   * such a session stops at "protected".
   */
  getToken?(reason: "expired" | "refused"): Promise<string | null>;
  socket: SocketFactory;
  editor: EditorPort;
  storage?: StorageLike | null;
  events?: SessionEvents;
  clientId?: string;
  /** Backoff bounds in ms (tests shorten them). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * How long a sent edit may wait for its acknowledgement (ms, default 10000; 0 = forever) before
   * the user is told and the session reconnects, which resends it (exactly once, by client and seq).
   */
  ackTimeoutMs?: number;
}

/** Default of SessionOptions.ackTimeoutMs. */
export const ACK_TIMEOUT_MS = 10000;

/** A random id for this page load (the Edit's `client`): a secret; History shows only its tag. */
export function randomClientId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const OPEN = 1;

/** A collaborative editing session on one document. */
export class Session {
  readonly client: OtClient;
  readonly users = new Map<number, UserInfo>();
  /** Remote cursors in the server's coordinates at client.revision (see cursorsLocal()). */
  readonly cursors = new Map<number, CursorData>();
  myId: number | null = null;
  language: string | null = null;
  otp: string | null;
  token: string | null;
  readonly view: string | null;
  /** Why the session stopped at "protected" (null before that). */
  denied: AccessProblem | null = null;
  status: Status = "connecting";

  private ws: SocketLike | null = null;
  private identified = false;
  private everConnected = false;
  private stopped = false;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private ackFor: Outstanding | null = null; // the sent edit the ack timer waits for
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private lastError: string | null = null;
  private info: UserInfo | null = null;
  private cursor: CursorData | null = null;
  // The first History of a page (nothing local yet) goes to the editor as one setText.
  private loaded = false;
  private batching = false;
  private batchDirty = false;
  private store: PendingStore;
  private ev: SessionEvents;
  private saves: SaveTracker;

  /** Builds the session (restoring work a previous page load left unsent) and connects. */
  constructor(private opts: SessionOptions) {
    this.ev = opts.events ?? {};
    this.otp = opts.otp ?? null;
    this.token = opts.token ?? null;
    this.view = opts.view ?? null;
    const clientId = opts.clientId ?? randomClientId();
    this.store = new PendingStore(opts.storage ?? null, opts.docId, clientId);
    const hooks = {
      send: (e: Outstanding, rev: number) => this.sendEdit(e, rev),
      applyToEditor: (op: Op) => {
        if (this.batching) this.batchDirty = true;
        else opts.editor.applyRemote(op);
      },
      onServerOp: (op: Op) => this.moveCursors(op),
    };
    const saved = this.store.takeAbandoned();
    if (saved) {
      this.client = new OtClient(clientId, hooks, saved.revision, saved.baseText);
      try {
        opts.editor.setText(this.client.restore(saved));
        this.everConnected = true; // resume at the saved revision
        this.loaded = true;
        this.store.save(this.client.pending());
      } catch {
        this.client.reset(0, "");
        this.everConnected = false;
      }
    } else {
      this.client = new OtClient(clientId, hooks);
    }
    this.saves = new SaveTracker(this.client);
    this.connect();
  }

  /** Feed a local edit (code points, made against the editor's text before the change). */
  localEdit(op: Op): void {
    if (this.stopped) return; // the page is going away; its saved state is final
    this.client.local(op);
    if (!op.is_noop()) this.saves.local();
    this.scheduleSave();
  }

  /** Saved (everything acknowledged), saving, or waiting for the connection with a count. */
  saveState(): SaveState { return this.saves.state(this.status === "connected"); }

  /** Sets this user's name and hue (sent now and after every reconnect). */
  setInfo(info: UserInfo): void {
    this.info = info;
    this.sendMsg({ ClientInfo: info });
  }

  /** Sets this user's cursors (code points of the local text). */
  setCursor(data: CursorData): void {
    this.cursor = data;
    this.sendMsg({ CursorData: data });
  }

  /** Changes the document's language for everyone. */
  setLanguage(lang: string): void { this.sendMsg({ SetLanguage: lang }); }

  /** Turns protection on (a new token) or off for everyone. */
  setProtected(on: boolean): void { this.sendMsg({ SetOTP: on }); }

  /** Asks for a new read-only link (the old one stops working); it arrives through events.viewLink. */
  createViewLink(): void { this.sendMsg({ CreateViewLink: null }); }

  /** Uses `token` from the next connection on; reconnects now if the session had stopped for want of one. */
  setToken(token: string): void {
    this.token = token;
    if (this.status === "protected" && this.denied === "token" && !this.stopped) {
      this.denied = null;
      this.scheduleReconnect(true);
    }
  }

  /** Names the current revision for everyone; false when not connected. */
  saveVersion(name: string): boolean { return this.sendMsg({ SaveVersion: { name } }); }

  /** Asks the server to make the text equal to revision `revision` again, as a new edit of ours. */
  restore(revision: number): boolean { return this.sendMsg({ Restore: { revision } }); }

  /** Remote cursors mapped into the local text (through the unacknowledged local edits). */
  cursorsLocal(): Map<number, CursorData> {
    const out = new Map<number, CursorData>();
    for (const [id, d] of this.cursors) {
      if (id === this.myId) continue;
      out.set(id, {
        cursors: d.cursors.map((p) => this.client.toLocal(p)),
        selections: d.selections.map(([a, b]) => [this.client.toLocal(a), this.client.toLocal(b)]),
      });
    }
    return out;
  }

  /** Saves pending work as belonging to a closed page (call on pagehide). */
  saveForUnload(): void { this.store.save(this.client.pending(), true); }

  /** Closes the connection for good and stops every timer. */
  close(): void {
    this.stopped = true;
    for (const t of [this.timer, this.saveTimer]) if (t) clearTimeout(t);
    this.stopAckTimer();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.store.save(this.client.pending(), true);
    this.ws?.close(1000);
    this.ws = null;
  }

  /** Drops the connection (e.g. the browser went offline); reconnecting starts with backoff. */
  dropConnection(): void { this.ws?.close(4000, "offline"); }

  /** Connects now (skipping the backoff), e.g. when the browser comes back online. */
  reconnectNow(): void {
    if (this.stopped || this.ws) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.connect();
  }

  private setStatus(s: Status): void {
    if (this.status === s) return;
    this.status = s;
    this.ev.status?.(s);
    this.ev.saveState?.(this.saveState());
  }

  private connect(): void {
    const params = new URLSearchParams();
    if (this.otp) params.set("otp", this.otp);
    if (this.view) params.set("view", this.view);
    if (this.token) params.set("token", this.token);
    if (this.everConnected) params.set("revision", String(this.client.revision));
    const q = params.toString();
    this.identified = false;
    this.lastError = null;
    let ws: SocketLike;
    try {
      ws = this.opts.socket(this.opts.socketUrl + (q ? `?${q}` : ""));
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onmessage = (e) => { if (this.ws === ws) this.onMessage(e.data); };
    ws.onclose = (e) => { if (this.ws === ws) this.onClose(e.code); };
    ws.onerror = () => {};
  }

  private sendMsg(msg: unknown): boolean {
    if (!this.ws || !this.identified || this.ws.readyState !== OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  private sendEdit(e: Outstanding, revision: number): void {
    if (this.sendMsg({ Edit: { revision, operation: opToJson(e.op), client: e.client, seq: e.seq } })) {
      this.startAckTimer(e);
    }
  }

  private startAckTimer(e: Outstanding): void {
    const ms = this.opts.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    this.stopAckTimer();
    if (ms <= 0) return;
    this.ackFor = e;
    this.ackTimer = setTimeout(() => this.onAckTimeout(), ms);
  }

  private stopAckTimer(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    this.ackFor = null;
  }

  /** The server never acknowledged the sent edit: say so and reconnect, which resends it. */
  private onAckTimeout(): void {
    this.ackTimer = null;
    if (this.stopped || this.client.outstanding !== this.ackFor) return;
    const s = Math.round((this.opts.ackTimeoutMs ?? ACK_TIMEOUT_MS) / 1000);
    this.ev.notice?.("error", `The server has not confirmed your last change for ${s} s; reconnecting to send it again.`);
    this.stopAckTimer();
    const ws = this.ws;
    this.ws = null; // a connection that stopped answering may not finish a close handshake either
    this.identified = false;
    ws?.close(4000, "ack timeout");
    this.scheduleReconnect(true);
  }

  private onMessage(data: unknown): void {
    const msg = parseServerMsg(typeof data === "string" ? data : String(data));
    if (!msg) return;
    try {
      this.handle(msg);
    } catch (err) {
      if (err instanceof DesyncError) this.resync(err.message);
      else throw err;
    } finally {
      if (this.ackTimer && this.client.outstanding !== this.ackFor) this.stopAckTimer(); // acknowledged (or undone)
    }
  }

  private handle(msg: ServerMsg): void {
    if (msg.Identity !== undefined) {
      this.myId = msg.Identity;
      this.identified = true;
      this.denied = null;
      this.attempts = 0;
      this.users.clear();
      this.cursors.clear();
      this.setStatus("connected");
      this.everConnected = true;
      this.client.resend();
      if (this.info) this.sendMsg({ ClientInfo: this.info });
      if (this.cursor) this.sendMsg({ CursorData: this.cursor });
      this.ev.users?.();
      this.ev.cursors?.();
    } else if (msg.History) {
      const h = msg.History;
      this.batching = !this.loaded && h.operations.length > 32 && this.client.state === "synchronized";
      this.loaded = true;
      this.batchDirty = false;
      try {
        this.client.receive(h.start, h.operations, this.myId);
      } finally {
        this.batching = false;
      }
      if (this.batchDirty) this.opts.editor.setText(this.client.serverText());
      this.scheduleSave();
      this.ev.cursors?.();
      this.ev.history?.(h.start, h.operations);
    } else if (msg.Snapshot) {
      this.onSnapshot(msg.Snapshot.revision, msg.Snapshot.text);
    } else if (msg.Language !== undefined) {
      this.language = msg.Language;
      this.ev.language?.(msg.Language, null);
    } else if (msg.LanguageBy !== undefined) {
      if (this.language !== null) this.ev.language?.(this.language, msg.LanguageBy);
    } else if (msg.UserInfo) {
      const { id, info } = msg.UserInfo;
      if (info) this.users.set(id, info);
      else { this.users.delete(id); this.cursors.delete(id); this.ev.cursors?.(); }
      this.ev.users?.();
    } else if (msg.UserCursor) {
      this.cursors.set(msg.UserCursor.id, msg.UserCursor.data);
      this.ev.cursors?.();
    } else if (msg.OTP) {
      this.otp = msg.OTP.otp;
      this.ev.otp?.(msg.OTP.otp, msg.OTP.user_name, msg.OTP.user_id);
    } else if (msg.Version) {
      this.ev.version?.(msg.Version);
    } else if (msg.Rejected) {
      const r = msg.Rejected;
      // A null seq (a refused SetLanguage, or an Edit sent without seq) names no edit of ours: nothing to undo.
      if (typeof r.seq === "number" && this.client.rejected(r.seq)) {
        this.ev.notice?.("error", `Your last change was undone: ${r.message || r.code}`);
        this.scheduleSave();
        this.ev.cursors?.();
      } else if (r.code === "read_only" || r.code === "tokens_only") {
        this.ev.notice?.("error", r.message || r.code);
      } else if (r.seq === null) {
        // A request that is no edit (SaveVersion, Restore): never our outstanding edit.
        this.ev.refused?.(r.code, r.message);
      }
    } else if (msg.ViewLink) {
      this.ev.viewLink?.(msg.ViewLink.token);
    } else if (msg.Error) {
      this.lastError = msg.Error.code;
      if (msg.Error.code !== "shutting_down" && msg.Error.code !== "token_expired") { // both are routine: a reconnect follows
        this.ev.notice?.("error", `Server error: ${msg.Error.message || msg.Error.code}`);
      }
    }
  }

  private onSnapshot(revision: number, text: string): void {
    if (revision === this.client.revision && text === this.client.serverText()) return;
    if (this.client.outstanding || this.client.buffer) {
      this.ev.notice?.("error", "Your offline changes were too old to merge and were discarded.");
    }
    this.client.reset(revision, text);
    this.opts.editor.setText(text);
    this.scheduleSave();
    this.ev.reset?.();
  }

  private moveCursors(op: Op): void {
    for (const d of this.cursors.values()) {
      d.cursors = d.cursors.map((p) => op.transform_index(p));
      d.selections = d.selections.map(([a, b]) => [op.transform_index(a), op.transform_index(b)]);
    }
  }

  /** The local state cannot follow the server any more: start over from the server's text. */
  resync(why: string): void {
    this.ev.notice?.("error", `Reloading the document (${why}); unsent changes were dropped.`);
    this.client.reset(0, "");
    this.opts.editor.setText("");
    this.ev.reset?.();
    this.everConnected = false;
    this.store.save(null);
    this.saves.update();
    this.ev.saveState?.(this.saveState());
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    this.scheduleReconnect(true);
  }

  private async onClose(code: number): Promise<void> {
    this.ws = null;
    this.stopAckTimer(); // the resend after reconnecting starts it again
    const wasIdentified = this.identified;
    this.identified = false;
    if (this.stopped) return;
    const err = this.lastError;
    if (err === "bad_operation" || err === "bad_revision") {
      this.resync(err);
      return;
    }
    if (err === "token_expired" || code === CloseCode.TokenExpired) {
      await this.renewToken("expired");
      return;
    }
    if (err === "view_link_revoked" || code === CloseCode.ViewLinkRevoked) {
      this.denied = "view_link";
      this.setStatus("protected");
      return;
    }
    if (err === "message_too_large" || code === CloseCode.TooBig) {
      if (this.client.rejected(undefined)) {
        this.ev.notice?.("error", "Your last change was too large to send and was undone.");
      }
    }
    if (!wasIdentified && this.ev.isProtected) {
      let prot: boolean | "token" = false;
      try { prot = await this.ev.isProtected(); } catch { prot = false; }
      if (this.stopped) return;
      if (prot === "token") {
        await this.renewToken("refused");
        return;
      }
      if (prot) {
        this.denied = this.view ? "view_link" : "otp";
        this.setStatus("protected");
        return;
      }
    }
    this.scheduleReconnect(code === CloseCode.GoingAway);
  }

  /**
   * Gets a fresh token from the embedding page and reconnects (resuming at client.revision, so
   * the unacknowledged edits are resent); without one, stops at "protected". After a refusal the
   * reconnect keeps its backoff, so that a page handing out bad tokens is not asked in a loop.
   */
  private async renewToken(reason: "expired" | "refused"): Promise<void> {
    this.setStatus("reconnecting");
    let fresh: string | null = null;
    try { fresh = this.opts.getToken ? await this.opts.getToken(reason) : null; } catch { fresh = null; }
    if (this.stopped || this.ws) return;
    if (!fresh) {
      this.denied = "token";
      this.setStatus("protected");
      return;
    }
    this.token = fresh;
    this.scheduleReconnect(reason === "expired");
  }

  private scheduleReconnect(soon = false): void {
    if (this.stopped || this.timer) return;
    const online = (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine;
    this.setStatus(online === false ? "offline" : "reconnecting");
    const min = this.opts.minBackoffMs ?? 250;
    const max = this.opts.maxBackoffMs ?? 10000;
    const base = soon ? min : Math.min(max, min * 2 ** this.attempts);
    this.attempts++;
    const delay = base / 2 + Math.random() * (base / 2);
    this.timer = setTimeout(() => { this.timer = null; this.connect(); }, delay);
  }

  private scheduleSave(): void {
    if (this.stopped) return;
    this.saves.update();
    this.ev.saveState?.(this.saveState());
    const pending = this.client.outstanding || this.client.buffer;
    if (pending && !this.heartbeat) {
      this.heartbeat = setInterval(() => this.store.save(this.client.pending()), 2000);
    } else if (!pending && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.store.save(this.client.pending());
    }, 200);
  }
}
