// The ShareDB adapter: one author through ShareDB's own client (its own in-flight/pending composition),
// and a thin reader speaking ShareDB's wire protocol directly (handshake, subscribe, count ops).
import WebSocket from "ws";
import ShareDBClient from "sharedb/lib/client/index.js";
import otText from "ot-text-unicode";

ShareDBClient.types.register(otText.type);

/** Code points in s. */
function codePoints(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/** Connects author `index` to document `docId` at `url` (ws://host:port); hooks: onSent/onAck/onRemote(key, t), onFrame(), onIdle(). */
export async function connect(url, docId, index, hooks) {
  const ws = new WebSocket(url);
  const conn = new ShareDBClient.Connection(ws);
  const doc = conn.get("bench", docId);
  conn.on("send", (m) => {
    if (m.a === "op" && m.op) hooks.onSent(`${conn.id}:${m.seq}`, performance.now());
  });
  conn.on("receive", (req) => {
    hooks.onFrame?.();
    const d = req.data;
    if (d.a !== "op" || d.create || d.del) return;
    const t = performance.now();
    if (d.op === undefined) hooks.onAck(`${d.src}:${d.seq}`, t);
    else if (d.src !== conn.id) hooks.onRemote(`${d.src}:${d.seq}`, t);
  });
  await new Promise((resolve, reject) => doc.subscribe((err) => (err ? reject(err) : resolve())));
  if (!doc.type) {
    if (index !== 0) throw new Error("document not created by the first author");
    await new Promise((resolve, reject) => doc.create("", "text-unicode", (err) => (err ? reject(err) : resolve())));
  }
  doc.on("nothing pending", () => hooks.onIdle?.());
  return {
    /** Length of the local text in code points. */
    length: () => codePoints(doc.data),
    /** Inserts str at code point pos. */
    insert: (pos, str) => doc.submitOp(pos ? [pos, str] : [str]),
    /** Deletes one code point at pos. */
    remove: (pos) => doc.submitOp(pos ? [pos, { d: 1 }] : [{ d: 1 }]),
    /** True when nothing is in flight or pending. */
    idle: () => !doc.hasPending(),
    /** The version (number of operations) this client has. */
    version: () => doc.version,
    /** The local text. */
    text: () => doc.data,
    close: () => conn.close(),
  };
}

/**
 * A thin reader of `docId` (created already): subscribes over the raw protocol and counts each op by
 * src and seq, without building JSON values for ops (ws skips UTF-8 validation; a regular expression
 * reads ShareDB's fixed key order a, c, d, v, src, seq, op). Exact for this driver's workload.
 */
export async function connectReader(url, docId, hooks) {
  const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
  let version = 0, failed = null, subscribed = false;
  const op = /^\{"a":"op","c":"[^"]*","d":"[^"]*","v":(\d+),"src":"([^"]*)","seq":(\d+),"op"/;
  await new Promise((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", (data) => {
      hooks.onFrame?.();
      const s = data.toString("latin1");
      if (subscribed) {
        const m = op.exec(s);
        if (!m) {
          if (s.includes('"error"')) failed = s;
          return;
        }
        if (Number(m[1]) < version) return;
        version = Number(m[1]) + 1;
        return hooks.onRemote(`${m[2]}:${m[3]}`, performance.now());
      }
      const msg = JSON.parse(s);
      if (msg.error) failed = JSON.stringify(msg.error);
      if (msg.a === "init") {
        ws.send(JSON.stringify({ a: "hs", id: null, protocol: 1, protocolMinor: 2 }));
      } else if (msg.a === "hs") {
        ws.send(JSON.stringify({ a: "s", c: "bench", d: docId }));
      } else if (msg.a === "s") {
        version = msg.data?.v ?? version;
        subscribed = true;
        resolve();
      }
    });
  });
  return { version: () => version, failed: () => failed, close: () => ws.close() };
}

/** The text the server holds for `docId`, read through a fresh client. */
export async function serverText(url, docId) {
  const ws = new WebSocket(url);
  const conn = new ShareDBClient.Connection(ws);
  const doc = conn.get("bench", docId);
  await new Promise((resolve, reject) => doc.fetch((err) => (err ? reject(err) : resolve())));
  const text = doc.data;
  conn.close();
  return text;
}
