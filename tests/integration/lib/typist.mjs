// An honest editor client for long-running tests: types unique tokens, runs the ot.js client
// state machine (synchronized / awaiting ack / awaiting with buffer) with the project's OT
// library, tags every edit with (client, seq), survives disconnects and resends what was not
// acknowledged.
import assert from "node:assert/strict";
import { connect, socketUrl, eventually, getText, clientTag } from "./client.mjs";
import { apply, compose, transform } from "./ot.mjs";

const TOKEN = /\[[A-Za-z]+\d+\]/g;

/** Seeded PRNG (mulberry32): returns a function giving floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Tokens "[Name12]" found in `text`, in order. */
export function tokensOf(text) { return text.match(TOKEN) ?? []; }

/** Does `text` consist only of whole tokens? */
export function onlyTokens(text) { return text.replace(TOKEN, "") === ""; }

/** JSON op inserting `s` at `pos` in a text of length `len`. */
function insertOp(pos, s, len) {
  const op = [];
  if (pos > 0) op.push(pos);
  op.push(s);
  if (len - pos > 0) op.push(len - pos);
  return op;
}

/** One typing user of document `doc`, reconnecting to `getBase()` (ws://host:port) whenever dropped. */
export class Typist {
  /** `rustpad: true` behaves like Rustpad's client: no client/seq, its own entries found by id. */
  constructor({ name, doc, getBase, seed = 1, rustpad = false }) {
    this.rustpad = rustpad;
    this.identity = null;
    this.name = name;
    this.doc = doc;
    this.getBase = getBase;
    this.random = rng(seed);
    this.clientId = `${name}-${seed}-${Date.now().toString(36)}`;
    this.clientTag = clientTag(this.clientId);  // what History shows of clientId
    this.text = "";
    this.revision = 0;
    this.outstanding = null;  // {op, seq, tokens}
    this.buffer = null;       // {op, tokens}
    this.seq = 0;
    this.typed = [];          // every token typed, in order
    this.acked = new Set();   // tokens whose edit the server acknowledged
    this.violations = [];     // protocol violations seen (should stay empty)
    this.client = null;
    this.ready = false;       // connected and Identity received
    this.stopped = false;
    this.connects = 0;
  }

  /** Starts connecting (and reconnecting) in the background. */
  start() { this._connectLoop(); return this; }

  async _connectLoop() {
    while (!this.stopped) {
      let c;
      try {
        c = await connect(socketUrl(this.getBase(), this.doc, { revision: this.revision }), 2000);
      } catch {
        await sleep(40);
        continue;
      }
      this.client = c;
      this.connects++;
      c.ws.on("message", () => this._drain(c));
      this._drain(c);
      await c.closedPromise;
      this.ready = false;
      this.client = null;
      this._drain(c);
      if (!this.stopped) await sleep(20);
    }
  }

  _drain(c) {
    while (c.queue.length) {
      const { data } = c.queue.shift();
      try { this._onFrame(c, data); } catch (e) { this.violations.push(`frame handling failed: ${e.message}`); }
    }
  }

  _onFrame(c, msg) {
    if (msg.Identity !== undefined) {
      this.identity = msg.Identity;
      this.ready = true;
      if (this.outstanding) this._sendOutstanding();  // safe: the server deduplicates (client, seq)
      else if (this.buffer) this._flushBuffer();
    } else if (msg.History) {
      this._onHistory(msg.History);
    } else if (msg.Snapshot) {
      if (this.outstanding || this.buffer || msg.Snapshot.revision < this.revision)
        this.violations.push(`Snapshot at ${msg.Snapshot.revision} while resuming from ${this.revision}`);
      else { this.text = msg.Snapshot.text; this.revision = msg.Snapshot.revision; }
    } else if (msg.Error || msg.Rejected) {
      this.violations.push(`unexpected ${JSON.stringify(msg).slice(0, 300)}`);
    }
  }

  _onHistory({ start, operations }) {
    if (start > this.revision) {
      this.violations.push(`History gap: start ${start}, holding ${this.revision}`);
      return;
    }
    operations.forEach((entry, k) => {
      if (start + k < this.revision) return;  // already held
      if (this.rustpad ? entry.id === this.identity && this.outstanding : entry.client === this.clientTag) {
        if (this.outstanding && (this.rustpad || entry.seq === this.outstanding.seq)) {
          for (const t of this.outstanding.tokens) this.acked.add(t);
          this.outstanding = null;
          this.revision++;
          if (this.buffer && this.ready) this._flushBuffer();
        } else {
          this.violations.push(`own entry seq ${entry.seq} at ${start + k} applied again or unexpectedly (outstanding ${this.outstanding?.seq})`);
          this.revision++;
        }
        return;
      }
      let op = entry.operation;
      if (this.outstanding) [this.outstanding.op, op] = transform(this.outstanding.op, op);
      if (this.buffer) [this.buffer.op, op] = transform(this.buffer.op, op);
      this.text = apply(op, this.text);
      this.revision++;
    });
  }

  _sendOutstanding() {
    const { op, seq } = this.outstanding;
    if (this.rustpad) this.client.send({ Edit: { revision: this.revision, operation: op } });
    else this.client.send({ Edit: { revision: this.revision, operation: op, client: this.clientId, seq } });
  }

  _flushBuffer() {
    this.outstanding = { ...this.buffer, seq: ++this.seq };
    this.buffer = null;
    this._sendOutstanding();
  }

  /** Types one token at a random token boundary of the local text. */
  typeOne() {
    const bounds = [0];
    for (let i = 0; i < this.text.length; i++) if (this.text[i] === "]") bounds.push(i + 1);
    const pos = bounds[Math.floor(this.random() * bounds.length)];
    const token = `[${this.name}${this.typed.length}]`;
    this.typed.push(token);
    this.edit(insertOp(pos, token, this.text.length), [token]);
  }

  /** Applies a local edit (JSON op on the local text) and sends or buffers it. */
  edit(op, tokens = []) {
    this.text = apply(op, this.text);
    this.buffer = this.buffer ? { op: compose(this.buffer.op, op), tokens: [...this.buffer.tokens, ...tokens] } : { op, tokens };
    if (!this.outstanding && this.ready) this._flushBuffer();
  }

  /** Types (calls typeOne) every 2-15 ms while `keepGoing()` is true. */
  async typeWhile(keepGoing) {
    while (keepGoing()) {
      this.typeOne();
      await sleep(2 + Math.floor(this.random() * 14));
    }
  }

  /** Is everything typed acknowledged? */
  get settled() { return this.ready && !this.outstanding && !this.buffer; }

  /** Stops reconnecting and closes the socket. */
  async stop() {
    this.stopped = true;
    if (this.client) await this.client.close();
  }
}

/** Promise that resolves after `ms`. */
/** Waits until every typist has every edit acknowledged; fails at once on a protocol violation. */
export async function allAcknowledged(typists, ms = 15000, what = "all edits acknowledged") {
  await eventually(() => {
    for (const ty of typists) assert.deepStrictEqual(ty.violations, [], `${ty.doc}/${ty.name} saw protocol violations`);
    return typists.every((ty) => ty.settled);
  }, ms, what);
}

/** Waits until every typist's text equals the server's text of `doc`, and returns that text. */
export async function convergedText(typists, base, doc, ms = 5000, what = "typists converge to the server's text") {
  return eventually(async () => {
    const s = await getText(base, doc);
    return typists.every((ty) => ty.text === s) ? s : null;
  }, ms, what);
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
