// The Kolabpad adapter: one author speaking the Kolabpad protocol, with the ot.js client state machine
// (one edit in flight, later ones composed) over @kolabpad/ot, the project's wasm build of its OT library.
import { createHash } from "node:crypto";
import WebSocket from "ws";
import { OpSeq } from "@kolabpad/ot";

/** Connects author `index` to document `docId` at `url` (ws://host:port); hooks: onSent/onAck/onRemote(key, t). */
export async function connect(url, docId, index, hooks) {
  const ws = new WebSocket(`${url}/api/socket/${docId}`, { perMessageDeflate: false });
  const client = `bench-${process.pid}-${docId}-${index}`;
  // History shows the tag of the secret client id (SHA-256, base64url, 22 chars): the keys use it,
  // so that an author's sent edit and its arrival at the others match.
  const tag = createHash("sha256").update(client, "utf8").digest("base64url").slice(0, 22);
  let text = "", length = 0, revision = 0, seq = 0, inflightSeq = 0;
  let outstanding = null, buffer = null, failed = null;

  const send = () => {
    inflightSeq = ++seq;
    const frame = `{"Edit":{"revision":${revision},"operation":${outstanding.to_string()},"client":"${client}","seq":${inflightSeq}}}`;
    hooks.onSent(`${tag}:${inflightSeq}`, performance.now());
    ws.send(frame);
  };
  const local = (op) => {
    text = op.apply(text);
    length = op.target_len();
    if (!outstanding) { outstanding = op; send(); }
    else if (!buffer) buffer = op;
    else { const c = buffer.compose(op); buffer.free(); op.free(); buffer = c; }
  };
  const remote = (op) => {
    if (outstanding) {
      const p = outstanding.transform(op);
      outstanding.free(); op.free();
      outstanding = p.first(); op = p.second();
      if (buffer) {
        const q = buffer.transform(op);
        buffer.free(); op.free();
        buffer = q.first(); op = q.second();
      }
    }
    const next = op.apply(text);
    if (next === undefined) throw new Error(`remote operation does not fit: ${op.to_string()}`);
    text = next;
    length = op.target_len();
    op.free();
  };
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    const h = msg.History;
    if (!h) {
      if (msg.Error || msg.Rejected) failed = JSON.stringify(msg);
      return;
    }
    const t = performance.now();
    h.operations.forEach((e, i) => {
      const at = h.start + i;
      if (at < revision) return;
      if (at > revision) throw new Error("History skips entries");
      revision++;
      if (e.client === tag && e.seq === inflightSeq && outstanding) {
        hooks.onAck(`${tag}:${e.seq}`, t);
        outstanding.free();
        outstanding = buffer;
        buffer = null;
        if (outstanding) send();
      } else {
        remote(OpSeq.from_str(JSON.stringify(e.operation)));
        if (e.client !== undefined) hooks.onRemote(`${e.client}:${e.seq}`, t);
      }
    });
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const op = (build) => { const o = OpSeq.new(); build(o); local(o); };
  return {
    length: () => length,
    insert: (pos, str) => op((o) => { o.retain(pos); o.insert(str); o.retain(length - pos); }),
    remove: (pos) => op((o) => { o.retain(pos); o.delete(1); o.retain(length - pos - 1); }),
    idle: () => !outstanding && !buffer,
    version: () => revision,
    text: () => text,
    failed: () => failed,
    close: () => ws.close(),
  };
}

/** The text the server holds for `docId` (GET /api/text/{id}). */
export async function serverText(url, docId) {
  const res = await fetch(`${url.replace(/^ws/, "http")}/api/text/${docId}`);
  if (!res.ok) throw new Error(`GET /api/text/${docId}: ${res.status}`);
  return res.text();
}
