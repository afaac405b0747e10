// Security headers on every kind of response: static files, API JSON and text, errors (400, 401,
// 404, 405, 503, malformed requests), and the WebSocket upgrade; FRAME_ANCESTORS sets who may embed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join as pathJoin } from "node:path";
import WebSocket from "ws";
import { ServerFixture, startServer, runServerToExit, tempDir } from "./lib/server.mjs";
import { join, socketUrl, docId } from "./lib/client.mjs";

let fx, site;
before(async () => {
  site = tempDir("kolabpad-site-");
  mkdirSync(pathJoin(site.dir, "assets"));
  writeFileSync(pathJoin(site.dir, "index.html"), "<!doctype html><title>Kolabpad</title>");
  writeFileSync(pathJoin(site.dir, "assets", "app.js"), "console.log(1)");
  fx = new ServerFixture({ STATIC_DIR: site.dir });
  await fx.start();
});
after(async () => { await fx?.dispose(); site?.cleanup(); });

/** `method path` on a fresh connection; resolves {status, headers}. */
function request(base, path, method = "GET") {
  return new Promise((res, rej) => {
    const req = http.request(base + path, { method, agent: false }, (r) => {
      r.resume();
      r.on("end", () => res({ status: r.statusCode, headers: r.headers }));
    });
    req.on("error", rej);
    req.end();
  });
}

/** Asserts the security headers of a response to a request for `host`, with the default FRAME_ANCESTORS. */
function assertSecure(headers, host, what) {
  assert.equal(headers["x-content-type-options"], "nosniff", what);
  assert.equal(headers["referrer-policy"], "no-referrer", what);
  assert.equal(headers["x-frame-options"], "SAMEORIGIN", what);
  const csp = headers["content-security-policy"] ?? "";
  for (const directive of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self' 'unsafe-inline'",
    "worker-src 'self' blob:", "object-src 'none'", "frame-ancestors 'self'"]) {
    assert.ok(csp.split("; ").includes(directive), `${what}: CSP has "${directive}": ${csp}`);
  }
  if (host) assert.ok(csp.includes(`connect-src 'self' ws://${host} wss://${host}`), `${what}: connect-src names the host: ${csp}`);
}

test("static files, app routes, API JSON and text, and every HTTP error carry the security headers", async () => {
  const host = `${fx.server.host}:${fx.server.port}`;
  const protectedDoc = docId("locked");
  const [owner] = await join(fx.wsUrl, protectedDoc);
  owner.send({ SetOTP: true });
  await owner.recvUntil((f) => f.OTP?.otp);
  const cases = [
    ["GET", "/", 200], ["HEAD", "/", 200], ["GET", "/assets/app.js", 200], ["GET", "/some-document", 200],
    ["GET", "/assets/missing.js", 404], ["GET", "/api/health", 200], ["GET", "/api/stats", 200],
    ["GET", "/api/metrics", 200], ["GET", "/api/metrics?format=json", 200], ["GET", `/api/text/${docId("cold")}`, 200],
    ["GET", `/api/text/${protectedDoc}`, 401], ["GET", "/api/text/bad.id", 400], ["GET", "/api/nope", 404],
    ["POST", "/api/health", 405], ["GET", "/api/socket/abc", 400], ["GET", "/%zz", 400],
  ];
  for (const [method, path, status] of cases) {
    const r = await request(fx.url, path, method);
    assert.equal(r.status, status, `${method} ${path}`);
    assertSecure(r.headers, host, `${method} ${path} (${status})`);
  }
  await owner.close();
});

test("a request that does not parse gets the headers on its 400", async () => {
  const reply = await new Promise((res, rej) => {
    const s = net.connect({ host: fx.server.host, port: fx.server.port }, () => s.write("NOT HTTP\r\n\r\n"));
    let data = "";
    s.on("data", (c) => { data += c; });
    s.on("end", () => res(data));
    s.on("error", rej);
  });
  const head = reply.slice(0, reply.indexOf("\r\n\r\n")).split("\r\n");
  assert.equal(head[0], "HTTP/1.1 400 Bad Request");
  const headers = Object.fromEntries(head.slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
  assertSecure(headers, null, "malformed request");
});

test("the WebSocket upgrade (101) and its refusals carry the headers", async () => {
  const host = `${fx.server.host}:${fx.server.port}`;
  const upgraded = await new Promise((res, rej) => {
    const ws = new WebSocket(socketUrl(fx.wsUrl, docId("ws")));
    ws.once("upgrade", (r) => { res(r.headers); ws.terminate(); });
    ws.once("error", rej);
  });
  assertSecure(upgraded, host, "101 Switching Protocols");
  for (const [path, status] of [["/api/socket/bad.id", 400], ["/api/socket/x?revision=abc", 400]]) {
    const refused = await new Promise((res, rej) => {
      const ws = new WebSocket(fx.wsUrl + path);
      ws.once("unexpected-response", (_q, r) => { res({ status: r.statusCode, headers: r.headers }); r.resume(); ws.terminate(); });
      ws.once("error", rej);
    });
    assert.equal(refused.status, status);
    assertSecure(refused.headers, host, `upgrade refused ${status}`);
  }
});

test("the 503 past MAX_CONNECTIONS carries the headers", async () => {
  const s = await startServer({ SQLITE_URI: ":memory:", MAX_CONNECTIONS: 1 });
  const hold = net.connect({ host: s.host, port: s.port });
  try {
    await new Promise((r) => hold.once("connect", r));
    // The held connection may still be counted or not yet: wait for the refusal, bounded.
    let r;
    for (let i = 0; i < 100 && r?.status !== 503; i++) r = await request(s.url, "/api/health");
    assert.equal(r.status, 503);
    assertSecure(r.headers, `${s.host}:${s.port}`, "503 too_many_connections");
  } finally {
    hold.destroy();
    await s.stop("SIGKILL");
  }
});

test("FRAME_ANCESTORS lets other origins embed the editor, or nobody", async () => {
  for (const [value, xfo] of [["https://app.example.com https://*.corp.example", undefined], ["*", undefined], ["'none'", "DENY"]]) {
    const s = await startServer({ SQLITE_URI: ":memory:", FRAME_ANCESTORS: value });
    try {
      const r = await request(s.url, "/api/health");
      assert.ok(r.headers["content-security-policy"].endsWith(`frame-ancestors ${value}`), r.headers["content-security-policy"]);
      assert.equal(r.headers["x-frame-options"], xfo, `X-Frame-Options for ${value}`);
    } finally {
      await s.stop("SIGKILL");
    }
  }
  for (const bad of ["'self'; script-src *", "self", "'none' https://a.example", "https://a.example,https://b.example"]) {
    const r = await runServerToExit({ SQLITE_URI: ":memory:", FRAME_ANCESTORS: bad });
    assert.equal(r.code, 2, `FRAME_ANCESTORS=${bad}: ${r.output}`);
    assert.match(r.output, /FRAME_ANCESTORS/);
  }
});
