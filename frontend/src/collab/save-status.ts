// The save indicator's facts: how many local edits the server has not acknowledged yet. An edit
// counts as saved only when its acknowledgement (our own History entry) arrives, because the
// server sends that only after the edit is committed to storage.
import type { OtClient } from "./ot-client.js";

/**
 * "saved": every local edit is acknowledged; "saving": `waiting` edits await their acknowledgement
 * on a live connection; "waiting": not connected, `waiting` edits are kept to be sent later.
 */
export interface SaveState { state: "saved" | "saving" | "waiting"; waiting: number; }

/** Counts unacknowledged local edits by following the OT client's outstanding edit and buffer. */
export class SaveTracker {
  private inFlight = 0; // local edits composed into client.outstanding
  private buffered = 0; // local edits composed into client.buffer
  private seq: number | null = null;

  /** Follows `client` (which may already hold restored work). */
  constructor(private client: OtClient) { this.update(); }

  /** Call after client.local() with an edit that changes something. */
  local(): void {
    const o = this.client.outstanding;
    if (o && o.seq === this.seq && this.client.buffer) this.buffered++;
    else this.update();
  }

  /** Call after anything else that may change the client's work (History, Rejected, reset). */
  update(): void {
    const o = this.client.outstanding;
    if (!o) {
      this.inFlight = this.buffered = 0;
      this.seq = null;
      return;
    }
    if (o.seq !== this.seq) { // the previous edit was answered; the buffer (if any) went out
      this.inFlight = this.buffered || 1;
      this.buffered = 0;
      this.seq = o.seq;
    }
    if (!this.client.buffer) this.buffered = 0;
    else if (this.buffered === 0) this.buffered = 1; // restored from a page reload
  }

  /** Local edits not acknowledged yet. */
  get waiting(): number { return this.inFlight + this.buffered; }

  /** The indicator's state, given whether the connection is up. */
  state(connected: boolean): SaveState {
    const waiting = this.waiting;
    return { state: waiting === 0 ? "saved" : connected ? "saving" : "waiting", waiting };
  }
}
