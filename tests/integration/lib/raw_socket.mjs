// A raw TCP client for sending what a well-behaved WebSocket library never would: hand-built
// frames (fragments, bad opcodes, unmasked data) and broken HTTP.
import net from "node:net";
import crypto from "node:crypto";

/** Opens a TCP connection; resolves {socket, received(), closed}. */
export function rawConnect(host, port) {
  return new Promise((res, rej) => {
    const socket = net.connect({ host, port });
    let data = Buffer.alloc(0);
    const closed = new Promise((r) => socket.once("close", r));
    socket.on("data", (c) => { data = Buffer.concat([data, c]); });
    socket.on("error", () => {});
    socket.once("connect", () => res({ socket, received: () => data, closed }));
    socket.once("error", rej);
  });
}

/** Performs the WebSocket handshake for `path`; resolves the raw connection after the 101. */
export async function rawUpgrade(host, port, path) {
  const conn = await rawConnect(host, port);
  const key = crypto.randomBytes(16).toString("base64");
  conn.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const deadline = Date.now() + 3000;
  while (!conn.received().includes("\r\n\r\n")) {
    if (Date.now() > deadline) throw new Error("no handshake answer");
    await new Promise((r) => setTimeout(r, 5));
  }
  const head = conn.received().subarray(0, conn.received().indexOf("\r\n\r\n") + 4);
  if (!/^HTTP\/1\.1 101/.test(head.toString())) throw new Error(`handshake refused: ${head}`);
  conn.offset = head.length;
  return conn;
}

/** One client frame: FIN flag, opcode, payload; masked unless `mask` is false; `rsv` sets RSV bits. */
export function frame(opcode, payload, { fin = true, mask = true, rsv = 0 } = {}) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, "utf8");
  const len = body.length;
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode)];
  const m = mask ? 0x80 : 0;
  if (len < 126) head.push(m | len);
  else if (len < 65536) head.push(m | 126, len >> 8, len & 255);
  else { head.push(m | 127, 0, 0, 0, 0, (len >>> 24) & 255, (len >> 16) & 255, (len >> 8) & 255, len & 255); }
  if (!mask) return Buffer.concat([Buffer.from(head), body]);
  const key = crypto.randomBytes(4);
  const masked = Buffer.from(body.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/** Parses the server frames received after the handshake: [{opcode, payload}] (unmasked). */
export function serverFrames(conn) {
  const buf = conn.received().subarray(conn.offset ?? 0);
  const out = [];
  let i = 0;
  while (i + 2 <= buf.length) {
    const opcode = buf[i] & 0x0f;
    let len = buf[i + 1] & 0x7f, p = i + 2;
    if (len === 126) { if (p + 2 > buf.length) break; len = buf.readUInt16BE(p); p += 2; }
    else if (len === 127) { if (p + 8 > buf.length) break; len = Number(buf.readBigUInt64BE(p)); p += 8; }
    if (p + len > buf.length) break;
    out.push({ opcode, payload: buf.subarray(p, p + len) });
    i = p + len;
  }
  return out;
}

/** Text payloads of the server's text frames, parsed as JSON. */
export function serverMessages(conn) {
  return serverFrames(conn).filter((f) => f.opcode === 1).map((f) => JSON.parse(f.payload.toString("utf8")));
}

/** The close code of the server's close frame, if one arrived. */
export function serverCloseCode(conn) {
  const c = serverFrames(conn).find((f) => f.opcode === 8);
  return c && c.payload.length >= 2 ? c.payload.readUInt16BE(0) : undefined;
}
