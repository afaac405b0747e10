// The ShareDB adapter: one author through ShareDB's own client (its own in-flight/pending composition).
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

/** Connects author `index` to document `docId` at `url` (ws://host:port); hooks: onSent/onAck/onRemote(key, t). */
export async function connect(url, docId, index, hooks) {
  const ws = new WebSocket(url);
  const conn = new ShareDBClient.Connection(ws);
  const doc = conn.get("bench", docId);
  conn.on("send", (m) => {
    if (m.a === "op" && m.op) hooks.onSent(`${conn.id}:${m.seq}`, performance.now());
  });
  conn.on("receive", (req) => {
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
