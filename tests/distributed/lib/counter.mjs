// Counter: a light client for scenarios with hundreds of documents. It types one "x" per tick at
// the end of the text, keeps one edit in flight with (client, seq), resends it after every
// reconnect (exactly-once rests on the server's de-duplication), reconnects through `getBase`
// whenever its socket closes, and records when each edit was acknowledged. Since every edit
// inserts one character, a document's length must equal the acknowledgements of its counters.
import WebSocket from "ws";
import { clientTag } from "../../integration/lib/client.mjs";

export class Counter {
  /** `getBase()` gives the ws:// base URL for each (re)connect. */
  constructor(doc, getBase) {
    Object.assign(this, { doc, getBase, rev: 0, len: 0, seq: 0, inflight: null, open: false, identified: false, acks: [], stopped: false });
    this.client = `counter-${doc}-${Math.random().toString(36).slice(2)}`;
    this.tag = clientTag(this.client);
  }

  /** Opens a socket; resolves once it is open or has closed. */
  connect() {
    return new Promise((resolve) => {
      this.identified = false;
      const ws = new WebSocket(`${this.getBase()}/api/socket/${this.doc}?revision=${this.rev}`);
      this.ws = ws;
      ws.on("message", (data) => this.onFrame(JSON.parse(data)));
      ws.on("open", () => { this.open = true; resolve(); });
      ws.on("close", () => {
        this.open = false;
        resolve();
        if (!this.stopped) setTimeout(() => this.connect(), 50 + Math.random() * 100);
      });
      ws.on("error", () => {});
    });
  }

  onFrame(f) {
    if (f.Identity !== undefined) {
      this.identified = true;
      if (this.inflight) this.send();
      return;
    }
    if (!f.History) return;
    f.History.operations.forEach((e, k) => {
      if (f.History.start + k < this.rev) return;
      for (const c of e.operation) {
        if (typeof c === "string") this.len += [...c].length;
        else if (c < 0) this.len += c;
      }
      this.rev++;
      if (e.client === this.tag && this.inflight && e.seq === this.inflight.seq) {
        this.inflight = null;
        this.acks.push(performance.now());
      }
    });
  }

  send() {
    const e = this.inflight;
    if (this.open) this.ws.send(JSON.stringify({ Edit: { revision: e.revision, operation: e.op, client: this.client, seq: e.seq } }));
  }

  /** Types one "x" unless an edit is in flight or the socket is not ready. */
  tick() {
    if (this.stopped || !this.open || !this.identified || this.inflight) return;
    this.inflight = { seq: ++this.seq, revision: this.rev, op: this.len ? [this.len, "x"] : ["x"] };
    this.send();
  }

  /** The first acknowledgement at or after `t` (performance.now() time), or undefined. */
  firstAckAfter(t) { return this.acks.find((a) => a >= t); }

  stop() { this.stopped = true; this.ws?.terminate(); }
}
