// A small PROTOCOL.md server that a test scripts: it sequences edits with the real OT library
// (@kolabpad/ot), and can drop or withhold acknowledgements, reject edits, close sockets, or demand
// a token. Like the real server it shows only the tag of an Edit's secret client id.
import http from "node:http";
import { createHash } from "node:crypto";
import { WebSocketServer } from "ws";
import { OpSeq } from "@kolabpad/ot";

/** Starts the server on 127.0.0.1 with a free port; returns its controls. */
/** The tag History carries for a secret client id: base64url of SHA-256, first 22 characters. */
export function clientTag(client) { return createHash("sha256").update(client, "utf8").digest("base64url").slice(0, 22); }

/** Starts the server on 127.0.0.1 with a free port; returns its controls. */
export async function startScriptedServer() {
  const docs = new Map();
  const conns = new Set();
  let nextUser = 1;
  const wss = new WebSocketServer({ noServer: true });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const m = url.pathname.match(/^\/api\/text\/([A-Za-z0-9_-]+)$/);
    if (!m) { res.writeHead(404).end(); return; }
    const d = docs.get(m[1]);
    if (d?.otp && url.searchParams.get("otp") !== d.otp) { res.writeHead(401).end(); return; }
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end(d?.text ?? "");
  });
  const ctl = {
    url: "",
    /** Every Edit received, in order: { conn, doc, edit }. */
    edits: [],
    /** Upgrade URLs seen (to check ?revision=). */
    connects: [],
    /** When set, the next applied edit is not acknowledged: its sender is disconnected first. */
    dropNextAck: false,
    /** When set, the next applied edit is logged but its History is sent to nobody; connections stay open. */
    withholdNextAck: false,
    /** When set ({code, message}), the next edit is refused with Rejected. */
    rejectNext: null,
    /** Revisions before this are "compacted": connecting from earlier gets a Snapshot. */
    keptFrom: 0,
    doc(id) { return getDoc(id); },
    protect(id, otp) { getDoc(id).otp = otp; },
    /** Closes every connection with `code` (1001 = shutting down). */
    closeAll(code = 1001) { for (const c of conns) c.ws.close(code, "bye"); },
    connections() { return [...conns]; },
    /** Sends a message to every connection of a document. */
    broadcast(id, msg) { for (const c of conns) if (c.doc === id) c.ws.send(JSON.stringify(msg)); },
    async close() {
      for (const c of conns) c.ws.terminate();
      const closed = new Promise((r) => server.close(r));
      server.closeAllConnections(); // keep-alive HTTP sockets would hold close() open
      await closed;
    },
  };

  function getDoc(id) {
    if (!docs.has(id)) docs.set(id, { text: "", log: [], seen: new Set(), otp: null });
    return docs.get(id);
  }

  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url, "http://x");
    const m = url.pathname.match(/^\/api\/socket\/([A-Za-z0-9_-]{1,64})$/);
    if (!m) { socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"); return; }
    const d = getDoc(m[1]);
    if (d.otp && url.searchParams.get("otp") !== d.otp) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    ctl.connects.push(req.url);
    wss.handleUpgrade(req, socket, head, (ws) => onConnect(ws, m[1], url.searchParams.get("revision")));
  });

  function onConnect(ws, docId, revParam) {
    const d = getDoc(docId);
    const conn = { ws, doc: docId, id: nextUser++ };
    conns.add(conn);
    ws.on("close", () => conns.delete(conn));
    ws.send(JSON.stringify({ Identity: conn.id }));
    let start = revParam === null ? 0 : Number(revParam);
    if (start < ctl.keptFrom) { // the log before keptFrom is gone: Snapshot, then the rest
      let text = "";
      for (const e of d.log.slice(0, ctl.keptFrom)) text = OpSeq.from_str(JSON.stringify(e.operation)).apply(text);
      ws.send(JSON.stringify({ Snapshot: { revision: ctl.keptFrom, text } }));
      start = ctl.keptFrom;
    }
    if (d.log.length > start) {
      ws.send(JSON.stringify({ History: { start, operations: d.log.slice(start) } }));
    }
    ws.on("message", (data) => onMessage(conn, d, JSON.parse(String(data))));
  }

  function onMessage(conn, d, msg) {
    if (msg.Edit) {
      const e = msg.Edit;
      ctl.edits.push({ conn: conn.id, doc: conn.doc, edit: e });
      const tag = e.client === undefined ? undefined : clientTag(e.client);
      if (tag !== undefined && d.seen.has(`${tag}:${e.seq}`)) return; // never twice
      if (ctl.rejectNext) {
        const r = ctl.rejectNext;
        ctl.rejectNext = null;
        conn.ws.send(JSON.stringify({ Rejected: { seq: e.seq, code: r.code, message: r.message } }));
        return;
      }
      let op = OpSeq.from_str(JSON.stringify(e.operation));
      for (const entry of d.log.slice(e.revision)) {
        op = op.transform(OpSeq.from_str(JSON.stringify(entry.operation))).first();
      }
      const text = op.apply(d.text);
      if (text === undefined) {
        conn.ws.send(JSON.stringify({ Error: { code: "bad_operation", message: "length" } }));
        conn.ws.close(1008);
        return;
      }
      d.text = text;
      if (tag !== undefined) d.seen.add(`${tag}:${e.seq}`);
      const entry = { id: conn.id, operation: JSON.parse(op.to_string()) };
      if (tag !== undefined) { entry.client = tag; entry.seq = e.seq; }
      d.log.push(entry);
      if (ctl.withholdNextAck) { ctl.withholdNextAck = false; return; }
      const drop = ctl.dropNextAck;
      ctl.dropNextAck = false;
      if (drop) conn.ws.terminate();
      const frame = JSON.stringify({ History: { start: d.log.length - 1, operations: [entry] } });
      for (const c of conns) if (c.doc === conn.doc && !(drop && c === conn)) c.ws.send(frame);
    } else if (msg.ClientInfo) {
      ctl.broadcast(conn.doc, { UserInfo: { id: conn.id, info: msg.ClientInfo } });
    } else if (msg.CursorData) {
      ctl.broadcast(conn.doc, { UserCursor: { id: conn.id, data: msg.CursorData } });
    } else if (msg.SetLanguage) {
      ctl.broadcast(conn.doc, { Language: msg.SetLanguage });
      ctl.broadcast(conn.doc, { LanguageBy: conn.id });
    }
  }

  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  ctl.url = `ws://127.0.0.1:${server.address().port}`;
  ctl.httpUrl = `http://127.0.0.1:${server.address().port}`;
  return ctl;
}
