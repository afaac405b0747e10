// The write path: the server writes its prebuilt frames (header and payload shared by every
// reader) in gather writes, beside Boost.Beast's own pongs and close frame. Byte-exact checks of
// what a reader receives while both kinds of frames are being written at once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, eventually, docId } from "./lib/client.mjs";
import { rawUpgrade, frame, serverFrames } from "./lib/raw_socket.mjs";

let fx;
before(async () => { fx = new ServerFixture({ WS_SEND_QUEUE_LIMIT_KB: 1048576, WS_WRITE_TIMEOUT_SECONDS: 120 }); await fx.start(); });
after(async () => { await fx?.dispose(); });

const TEXT = 1, CLOSE = 8, PING = 9, PONG = 10;

/** Parses server frames as they arrive (the stream here is tens of MB: no re-parsing, no concatenating). */
class FrameReader {
  constructor(socket, offset, initial) {
    this.frames = [];
    this.pending = initial.subarray(offset);
    this.bytes = this.pending.length;
    socket.on("data", (c) => { this.bytes += c.length; this.pending = this.pending.length ? Buffer.concat([this.pending, c]) : c; this.parse(); });
    this.parse();
  }
  parse() {
    const buf = this.pending;
    let i = 0;
    for (;;) {
      if (i + 2 > buf.length) break;
      let len = buf[i + 1] & 0x7f, p = i + 2;
      if (len === 126) { if (p + 2 > buf.length) break; len = buf.readUInt16BE(p); p += 2; }
      else if (len === 127) { if (p + 8 > buf.length) break; len = Number(buf.readBigUInt64BE(p)); p += 8; }
      if (p + len > buf.length) break;
      const opcode = buf[i] & 0x0f;
      const payload = buf.subarray(p, p + len);
      if (opcode !== TEXT) this.frames.push({ opcode, payload: Buffer.from(payload) });
      else {
        try { this.frames.push({ opcode, message: JSON.parse(payload.toString("utf8")) }); }
        catch (e) { this.broken ??= `frame ${this.frames.length} is not JSON: ${e.message}`; this.frames.push({ opcode, bad: true }); }
      }
      i = p + len;
    }
    this.pending = i ? Buffer.from(buf.subarray(i)) : buf;
  }
}

test("pongs answered while History frames stream out never land inside a frame", async () => {
  const doc = docId("pongs");
  const reader = await rawUpgrade(fx.server.host, fx.server.port, `/api/socket/${doc}`);
  const frames = new FrameReader(reader.socket, reader.offset, reader.received());
  const [writer, writerId] = await join(fx.wsUrl, doc);
  const EDITS = 240, PINGS = 300, BIG = 250000;
  // The reader stops reading, so that the server's writes to it stall on full socket buffers
  // (tens of MB on loopback) while its pongs are due. The writer pipelines big inserts and their
  // deletes (each against the revision it will have: one connection's frames are sequenced in order).
  reader.socket.pause();
  const big = "0123456789".repeat(BIG / 10);
  for (let i = 0; i < EDITS; i++) writer.send({ Edit: { revision: i, operation: i % 2 ? [-BIG] : [big] } });
  await writer.recvUntil((f) => f.History && f.History.start + f.History.operations.length === EDITS, 30000);
  const pings = Array.from({ length: PINGS }, (_, i) => `ping-${i}-${"p".repeat(i % 100)}`);
  for (let i = 0; i < PINGS; i++) {
    reader.socket.write(frame(PING, pings[i]));
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  reader.socket.resume();
  // Every frame parses (a pong inside a frame would break the JSON or the framing), pongs echo the
  // pings in order, and History frames continue each other up to the last edit.
  await eventually(() => frames.broken || frames.frames.filter((f) => f.opcode === PONG).length === PINGS &&
    frames.frames.filter((f) => f.message?.History).reduce((n, f) => n + f.message.History.operations.length, 0) === EDITS,
  20000, "every pong and every History entry").catch((e) => { throw new Error(`${e.message}: ${frames.frames.filter((f) => f.opcode === PONG).length} pongs, ${frames.frames.filter((f) => f.message?.History).reduce((n, f) => n + f.message.History.operations.length, 0)} entries, ${frames.bytes} bytes, closed ${reader.socket.destroyed}`); });
  assert.equal(frames.broken, undefined, "every text frame is whole JSON");
  assert.deepEqual(frames.frames.filter((f) => f.opcode === PONG).map((f) => f.payload.toString("utf8")), pings);
  let next = 0;
  for (const f of frames.frames.filter((f) => f.message?.History)) {
    assert.equal(f.message.History.start, next, "History frames continue each other");
    for (const e of f.message.History.operations) assert.equal(e.id, writerId);
    next += f.message.History.operations.length;
  }
  assert.ok(frames.frames.every((f) => [TEXT, PONG].includes(f.opcode)));
  assert.equal(frames.pending.length, 0, "the stream ends at a frame boundary");
  reader.socket.destroy();
  await writer.close();
});

test("a close requested while frames are queued goes out after all of them, as one clean close frame", async () => {
  const doc = docId("closeafter");
  const reader = await rawUpgrade(fx.server.host, fx.server.port, `/api/socket/${doc}`);
  const [writer] = await join(fx.wsUrl, doc);
  for (let i = 0; i < 200; i++) writer.send({ Edit: { revision: i, operation: i ? [i, "y"] : ["y"] } });
  await eventually(() => serverFrames(reader).filter((f) => f.opcode === TEXT).length >= 2, 5000, "frames arriving");
  // A protocol error from the reader: the server answers with Error, then closes 1007.
  reader.socket.write(frame(TEXT, "not json"));
  await eventually(() => serverFrames(reader).some((f) => f.opcode === CLOSE), 5000, "the close frame");
  const frames = serverFrames(reader);
  const closeAt = frames.findIndex((f) => f.opcode === CLOSE);
  assert.equal(closeAt, frames.length - 1, "nothing after the close frame");
  assert.equal(frames[closeAt].payload.readUInt16BE(0), 1007);
  const last = JSON.parse(frames[closeAt - 1].payload.toString("utf8"));
  assert.equal(last.Error?.code, "bad_message", "the Error frame comes right before the close");
  reader.socket.destroy();
  await writer.close();
});
