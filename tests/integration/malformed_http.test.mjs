// A request that does not parse gets an answer before the close: 400, 431 for too large headers,
// 413 for a too large body, each with Connection: close and a JSON body saying why.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { ServerFixture } from "./lib/server.mjs";
import { httpGet } from "./lib/client.mjs";

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(() => fx.dispose());

/** Sends `bytes` on a raw TCP connection; resolves everything received once the server closed it. */
function exchange(bytes) {
  return new Promise((res, rej) => {
    const s = net.connect({ host: fx.server.host, port: fx.server.port }, () => s.write(bytes));
    const chunks = [];
    s.on("data", (c) => chunks.push(c));
    s.on("end", () => { s.end(); res(Buffer.concat(chunks).toString("latin1")); });
    s.on("error", rej);
  });
}

const CASES = [
  ["a garbage request line", "GARBAGE\r\n\r\n", 400, "Bad Request"],
  ["binary bytes", Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 7919 + 13) % 256)), 400, "Bad Request"],
  ["a header name with a space", "GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n", 400, "Bad Request"],
  ["a header line without a colon", "GET /api/health HTTP/1.1\r\nHost x\r\n\r\n", 400, "Bad Request"],
  ["an unknown HTTP version", "GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400, "Bad Request"],
  ["a Content-Length that is not a number", "POST /api/text/a HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "Bad Request"],
  ["a broken chunked body", "POST /api/text/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "Bad Request"],
  ["a huge header", "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + "h".repeat(100000) + "\r\n\r\n", 431, "Request Header Fields Too Large"],
  ["a huge request target", "GET /" + "u".repeat(20000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 431, "Request Header Fields Too Large"],
  ["a huge body", "POST /api/text/a HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "b".repeat(100000), 413, "Payload Too Large"],
  ["a huge declared body", "POST /api/text/a HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\nhello", 413, "Payload Too Large"],
];

for (const [name, bytes, status, reason] of CASES) {
  test(`${name} is answered ${status} with Connection: close, then closed`, async () => {
    const reply = await exchange(bytes);
    const [head, body] = [reply.slice(0, reply.indexOf("\r\n\r\n")), reply.slice(reply.indexOf("\r\n\r\n") + 4)];
    assert.equal(head.split("\r\n")[0], `HTTP/1.1 ${status} ${reason}`);
    assert.match(head, /\r\nConnection: close(\r\n|$)/i);
    assert.match(head, /\r\nX-Content-Type-Options: nosniff(\r\n|$)/i);
    const json = JSON.parse(body);
    assert.equal(typeof json.error, "string");
    assert.equal(typeof json.message, "string");
  });
}

test("the server keeps serving after malformed requests", async () => {
  assert.equal((await httpGet(fx.url, "/api/health")).status, 200);
});
