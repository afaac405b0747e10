// A WebSocket test client with a frame queue, plus HTTP helpers, for the kolabpad server.
import WebSocket from "ws";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

/** Default wait for one frame; small so a missing frame fails fast. */
export const FRAME_TIMEOUT_MS = 3000;

/** Socket URL of document `id` on `base` (ws://host:port) with optional query fields. */
export function socketUrl(base, id, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) q.set(k, String(v));
  const qs = q.toString();
  return `${base}/api/socket/${id}${qs ? "?" + qs : ""}`;
}

/** One WebSocket connection that queues every received frame. */
export class Client {
  constructor(ws) {
    this.ws = ws;
    this.queue = [];      // {text, data} in arrival order
    this.waiters = [];    // resolve functions waiting for the next frame or close
    this.closed = null;   // {code, reason} once closed
    this.closedPromise = new Promise((res) => { this._resolveClosed = res; });
    ws.on("message", (buf, isBinary) => {
      const text = isBinary ? null : buf.toString("utf8");
      let data;
      try { data = text === null ? { binary: buf } : JSON.parse(text); } catch { data = { unparsable: text }; }
      this.queue.push({ text, data });
      this._wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString("utf8") };
      this._resolveClosed(this.closed);
      this._wake();
    });
    ws.on("error", () => {});  // surfaced through close / recv timeouts
  }

  _wake() { const w = this.waiters; this.waiters = []; for (const f of w) f(); }

  _waitEvent(ms) {
    return new Promise((res) => {
      const timer = setTimeout(() => { this.waiters = this.waiters.filter((f) => f !== done); res(false); }, ms);
      const done = () => { clearTimeout(timer); res(true); };
      this.waiters.push(done);
    });
  }

  /** Next raw frame {text, data}; throws after `ms` or when the socket closed with nothing queued. */
  async recvFrame(ms = FRAME_TIMEOUT_MS) {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0) {
      if (this.closed) throw new Error(`connection closed (${this.closed.code} ${this.closed.reason}) while waiting for a frame`);
      const left = deadline - Date.now();
      if (left <= 0 || !(await this._waitEvent(left))) {
        if (this.queue.length) break;
        throw new Error(`no frame within ${ms} ms`);
      }
    }
    return this.queue.shift();
  }

  /** Next frame, parsed. */
  async recv(ms = FRAME_TIMEOUT_MS) { return (await this.recvFrame(ms)).data; }

  /** Asserts the next frame deep-equals `expected`; returns it. */
  async expect(expected, ms = FRAME_TIMEOUT_MS) {
    const got = await this.recv(ms);
    assert.deepStrictEqual(got, expected);
    return got;
  }

  /** Asserts the next frame's exact text equals JSON.stringify(expected) (no extra fields, this key order). */
  async expectText(expected, ms = FRAME_TIMEOUT_MS) {
    const f = await this.recvFrame(ms);
    assert.equal(f.text, JSON.stringify(expected));
    return f.data;
  }

  /** Asserts no frame arrives within `ms` (frames already queued count too). */
  async expectNoFrame(ms = 300) {
    if (!this.queue.length) await this._waitEvent(ms);
    if (this.queue.length) assert.fail(`unexpected frame: ${this.queue[0].text ?? "<binary>"}`);
  }

  /** Skips frames until `pred(frame)` holds; returns that frame. */
  async recvUntil(pred, ms = FRAME_TIMEOUT_MS) {
    const deadline = Date.now() + ms;
    for (;;) {
      const f = await this.recv(Math.max(1, deadline - Date.now()));
      if (pred(f)) return f;
    }
  }

  /**
   * Reads History frames until the log entries [start, start + n) arrived, skipping other kinds;
   * the server may batch several entries in one frame, so tests compare entries, not frames.
   */
  async recvEntries(start, n, ms = FRAME_TIMEOUT_MS) {
    const entries = [];
    const deadline = Date.now() + ms;
    while (entries.length < n) {
      const f = await this.recv(Math.max(1, deadline - Date.now()));
      if (!f.History) continue;
      assert.equal(f.History.start, start + entries.length, `History continues the log: ${JSON.stringify(f).slice(0, 200)}`);
      entries.push(...f.History.operations);
    }
    assert.equal(entries.length, n, "no more entries than expected");
    return entries;
  }

  /** Sends an object as one JSON text frame. */
  send(obj) { this.ws.send(JSON.stringify(obj)); }

  /** Sends a string as a text frame, or a Buffer as a binary frame (or as a text frame with {text:true}). */
  sendRaw(data, { text = typeof data === "string" } = {}) { this.ws.send(data, { binary: !text }); }

  /** Resolves {code, reason} when closed; throws after `ms`. */
  async waitClosed(ms = FRAME_TIMEOUT_MS) {
    let timer;
    const t = new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`not closed within ${ms} ms`)), ms); });
    try { return await Promise.race([this.closedPromise, t]); } finally { clearTimeout(timer); }
  }

  /** Polite close; resolves once closed. */
  async close() {
    if (!this.closed) { this.ws.close(1000); try { await this.waitClosed(2000); } catch { this.ws.terminate(); } }
  }

  /** Drops the TCP connection without a close handshake. */
  terminate() { this.ws.terminate(); }
}

/** Opens a socket; resolves a Client on 101, or rejects with err.status set to the HTTP status. */
export function connect(url, ms = FRAME_TIMEOUT_MS) {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url, { handshakeTimeout: ms, maxPayload: 1 << 30 });
    const client = new Client(ws);  // attach listeners before any frame can arrive
    ws.once("open", () => res(client));
    ws.once("unexpected-response", (_req, resp) => {
      const err = new Error(`upgrade refused with HTTP ${resp.statusCode}`);
      err.status = resp.statusCode;
      resp.resume();
      ws.terminate();
      rej(err);
    });
    ws.once("error", (e) => rej(e));
  });
}

/** Resolves the HTTP status of a refused upgrade (fails the test if the upgrade succeeds). */
export async function upgradeStatus(url) {
  try {
    const c = await connect(url);
    c.terminate();
    assert.fail(`upgrade to ${url} succeeded, expected a refusal`);
  } catch (e) {
    if (e.status === undefined) throw e;
    return e.status;
  }
}

/** Connects and consumes the Identity frame; returns [client, userId]. */
export async function join(base, id, query = {}) {
  const c = await connect(socketUrl(base, id, query));
  const first = await c.recv();
  assert.ok(first && Number.isInteger(first.Identity), `first frame must be Identity, got ${JSON.stringify(first)}`);
  c.id = first.Identity;
  return [c, first.Identity];
}

/** GET `path` on the server; resolves {status, type, body}. */
export async function httpGet(base, path) {
  const r = await fetch(base + path);
  return { status: r.status, type: r.headers.get("content-type"), body: await r.text() };
}

/** The current text of document `id` (asserts 200 and text/plain; charset=utf-8). */
export async function getText(base, id, otp) {
  const r = await httpGet(base, `/api/text/${id}${otp ? "?otp=" + encodeURIComponent(otp) : ""}`);
  assert.equal(r.status, 200, `GET /api/text/${id} gave ${r.status}: ${r.body}`);
  assert.match(r.type ?? "", /^text\/plain;\s*charset=utf-8$/i);
  return r.body;
}

/** Polls `fn` until it returns a truthy value or `ms` passes; returns the value. */
export async function eventually(fn, ms = 3000, what = "condition") {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) assert.fail(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Unique document id per call, so tests sharing a server never collide. */
let docCounter = 0;
/** The public tag History shows for an Edit's secret `client` (docs/protocol.md): SHA-256, base64url, 22 chars. */
export function clientTag(client) { return createHash("sha256").update(client, "utf8").digest("base64url").slice(0, 22); }

export function docId(name = "doc") { return `${name}-${process.pid}-${++docCounter}`; }
