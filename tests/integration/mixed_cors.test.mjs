// AUTH_MODE=mixed (AUTH_TOKEN_DOCUMENTS decides which documents need a token; the others stay open
// with their OTP) and CORS_ORIGINS (the Origin of every upgrade and API request, CORS headers on
// API answers, preflights) on the real binary.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture, startServer } from "./lib/server.mjs";
import { docId, join, socketUrl } from "./lib/client.mjs";
import { http, joinWith, metrics, refusal } from "./lib/access.mjs";
import { claimsFor, hs256, newSecret } from "./lib/jwt.mjs";

const SECRET = newSecret();
const LMS = "https://lms.example";
let fx;

before(async () => {
  fx = new ServerFixture({ AUTH_MODE: "mixed", AUTH_TOKEN_DOCUMENTS: "exam-*, course-7", JWT_SECRET: SECRET,
    CORS_ORIGINS: `${LMS}, http://localhost:5173` });
  await fx.start();
});
after(() => fx?.dispose());

test("mixed mode: the documents AUTH_TOKEN_DOCUMENTS names need a token, the others are open and keep their OTP", async () => {
  const exam = `exam-${docId("m")}`;
  assert.equal((await refusal(socketUrl(fx.wsUrl, exam))).body.reason, "missing");
  assert.equal((await refusal(socketUrl(fx.wsUrl, "course-7"))).body.reason, "missing");
  const [e] = await joinWith(socketUrl(fx.wsUrl, exam, { token: hs256(claimsFor("exam-*"), SECRET) }));
  e.send({ SetOTP: true });
  assert.equal((await e.recvUntil((f) => f.Rejected)).Rejected.code, "tokens_only");
  await e.close();

  const notes = docId("notes");  // no rule names it
  const [a] = await join(fx.wsUrl, notes, { token: "not even a token" });  // a token is ignored here
  a.send({ SetOTP: true });
  const otp = (await a.recvUntil((f) => f.OTP)).OTP.otp;
  const r = await refusal(socketUrl(fx.wsUrl, notes));
  assert.equal(r.status, 401);
  assert.equal(r.body.reason, "wrong_otp");
  assert.equal(r.headers["www-authenticate"], undefined, "no token is asked of an open document");
  const [b] = await join(fx.wsUrl, notes, { otp });
  await b.close();
  await a.close();
  const [x] = await join(fx.wsUrl, "course-7x");  // "course-7" is an exact id, not a prefix
  await x.close();
});

test("CORS_ORIGINS: an upgrade from another origin is 403, from a listed one, the server's own or none it opens", async () => {
  const doc = docId("origin");
  const before = (await metrics(fx.url)).auth_failures.origin_not_allowed;
  const r = await refusal(socketUrl(fx.wsUrl, doc), { Origin: "https://evil.example" });
  assert.equal(r.status, 403);
  assert.equal(r.body.error, "origin_not_allowed");
  for (const origin of [LMS, "http://localhost:5173", `http://127.0.0.1:${fx.server.port}`, undefined]) {
    const [c] = await joinWith(socketUrl(fx.wsUrl, doc), origin ? { Origin: origin } : {});
    await c.close();
  }
  assert.equal((await metrics(fx.url)).auth_failures.origin_not_allowed, before + 1);
});

test("CORS_ORIGINS: API answers carry CORS headers for listed origins, preflights are answered, others get 403", async () => {
  const doc = docId("cors");
  const ok = await http(fx.url, "GET", `/api/text/${doc}`, { headers: { Origin: LMS } });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("access-control-allow-origin"), LMS);
  assert.equal(ok.headers.get("vary"), "Origin");
  assert.equal(ok.headers.get("access-control-allow-credentials"), null);
  const pre = await http(fx.url, "OPTIONS", `/api/text/${doc}`, {
    headers: { Origin: LMS, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization" } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get("access-control-allow-origin"), LMS);
  assert.match(pre.headers.get("access-control-allow-headers"), /Authorization/);
  assert.match(pre.headers.get("access-control-allow-methods"), /POST/);
  const evil = await http(fx.url, "GET", `/api/text/${doc}`, { headers: { Origin: "https://evil.example" } });
  assert.equal(evil.status, 403);
  assert.equal(evil.headers.get("access-control-allow-origin"), null);
  assert.equal((await http(fx.url, "OPTIONS", "/api/tokens", { headers: { Origin: "https://evil.example" } })).status, 403);
  const same = await http(fx.url, "GET", "/api/stats", { headers: { Origin: `http://127.0.0.1:${fx.server.port}` } });
  assert.equal(same.status, 200);
  assert.equal(same.headers.get("access-control-allow-origin"), null, "same origin needs no CORS header");
  assert.equal((await http(fx.url, "GET", "/api/stats")).headers.get("access-control-allow-origin"), null);
});

test("the default CORS_ORIGINS=* keeps every origin working and allows any to read the API", async () => {
  const s = await startServer({ SQLITE_URI: ":memory:" });
  try {
    const [c] = await joinWith(socketUrl(s.wsUrl, docId("any")), { Origin: "https://anywhere.example" });
    await c.close();
    const r = await http(s.url, "GET", "/api/stats", { headers: { Origin: "https://anywhere.example" } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
  } finally {
    await s.stop("SIGKILL");
  }
});
