// The Kolabpad adapter: one author speaking the Kolabpad protocol, with the ot.js client state machine
// (one edit in flight, later ones composed) over @kolabpad/ot, the project's wasm build of its OT library;
// and a thin reader that only counts what it receives. Entries are told apart by the author's user id
// (from Identity) and seq, never by the `client` echo, whose form is the server's business.
import WebSocket from "ws";
import { OpSeq } from "@kolabpad/ot";

/**
 * Calls `onIdentity(id)` for the Identity frame (the first on every connection), then `handle(msg)` for
 * every frame after it; resolves once Identity arrived. One listener from the start, told the id at
 * once: frames read in one chunk are emitted together, before any promise continuation runs.
 */
function listen(ws, onIdentity, handle) {
  return new Promise((resolve, reject) => {
    let user = null;
    ws.once("error", reject);
    ws.on("message", (data) => {
      const msg = JSON.parse(data.toString());
      if (user !== null) return handle(msg);
      if (typeof msg.Identity !== "number") return reject(new Error(`expected Identity first, got ${data}`));
      user = msg.Identity;
      onIdentity(user);
      resolve(user);
    });
  });
}

/** Connects author `index` to document `docId` at `url` (ws://host:port); hooks: onSent/onAck/onRemote(key, t), onFrame(), onIdle(). */
export async function connect(url, docId, index, hooks) {
  const ws = new WebSocket(`${url}/api/socket/${docId}`, { perMessageDeflate: false });
  const client = `bench-${process.pid}-${docId}-${index}`;
  let text = "", length = 0, revision = 0, seq = 0, inflightSeq = 0, user = -1;
  let outstanding = null, buffer = null, failed = null;

  const send = () => {
    inflightSeq = ++seq;
    const frame = `{"Edit":{"revision":${revision},"operation":${outstanding.to_string()},"client":"${client}","seq":${inflightSeq}}}`;
    hooks.onSent(`${user}:${inflightSeq}`, performance.now());
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
  const onMessage = (msg) => {
    hooks.onFrame?.();
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
      if (e.id === user && outstanding) {
        if (e.seq !== undefined && e.seq !== inflightSeq) throw new Error("own entry that is not the edit in flight");
        hooks.onAck(`${user}:${inflightSeq}`, t);
        outstanding.free();
        outstanding = buffer;
        buffer = null;
        if (outstanding) send();
        else hooks.onIdle?.();
      } else {
        remote(OpSeq.from_str(JSON.stringify(e.operation)));
        if (e.seq !== undefined) hooks.onRemote(`${e.id}:${e.seq}`, t);
      }
    });
  };
  await listen(ws, (id) => { user = id; }, onMessage);
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

/**
 * A thin reader of `docId`: counts each History entry by author id and seq, without OT and without
 * building JSON values: ws skips UTF-8 validation and a regular expression finds start, id and seq.
 * Exact for this driver's workload, whose inserts are single characters (never quotes or braces).
 */
export async function connectReader(url, docId, hooks) {
  const ws = new WebSocket(`${url}/api/socket/${docId}`, { perMessageDeflate: false, skipUTF8Validation: true });
  let revision = 0, failed = null, user = null;
  const entry = /\{"id":(\d+),.*?"seq":(\d+)\}/g;
  await new Promise((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", (data) => {
      hooks.onFrame?.();
      const s = data.toString("latin1");
      if (user === null) {
        const m = /^\{"Identity":(\d+)\}$/.exec(s);
        if (!m) return reject(new Error(`expected Identity first, got ${s}`));
        user = Number(m[1]);
        return resolve();
      }
      if (!s.startsWith('{"History":')) {
        if (s.startsWith('{"Error"')) failed = s;
        return;
      }
      const t = performance.now();
      const start = Number(/^\{"History":\{"start":(\d+)/.exec(s)[1]);
      if (start > revision) failed = "History skips entries";
      let k = 0;
      entry.lastIndex = 0;
      for (let m; (m = entry.exec(s)); k++) if (start + k >= revision) hooks.onRemote(`${m[1]}:${m[2]}`, t);
      revision = Math.max(revision, start + k);
    });
  });
  return { version: () => revision, failed: () => failed, close: () => ws.close() };
}

/** The text the server holds for `docId` (GET /api/text/{id}). */
export async function serverText(url, docId) {
  const res = await fetch(`${url.replace(/^ws/, "http")}/api/text/${docId}`);
  if (!res.ok) throw new Error(`GET /api/text/${docId}: ${res.status}`);
  return res.text();
}
