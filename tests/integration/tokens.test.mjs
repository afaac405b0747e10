// AUTH_MODE=token on the real binary: tokens signed here with Node's crypto open documents with
// their role and name; every kind of bad token is refused with 401 before the upgrade without
// loading the document; a viewer's changes are Rejected and change nothing; a live session ends at
// its token's expiry with Error{token_expired} and close 4001, and resumes with a fresh token.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join as pathJoin } from "node:path";
import { ServerFixture, startServer, tempDir } from "./lib/server.mjs";
import { docId, eventually, socketUrl } from "./lib/client.mjs";
import { http, inMemory, joinWith, metrics, refusal } from "./lib/access.mjs";
import { claimsFor, hs256, newRsa, newSecret, nowSeconds, rs256, unsigned } from "./lib/jwt.mjs";

const SECRET = newSecret();
const ADMIN = "admin-token-for-tokens-test";
const AUD = "kolabpad-test";
let fx;

before(async () => {
  fx = new ServerFixture({ AUTH_MODE: "token", JWT_SECRET: SECRET, JWT_AUDIENCE: AUD, JWT_CLOCK_SKEW_SECONDS: 0,
    ADMIN_TOKEN: ADMIN });
  await fx.start();
});
after(() => fx?.dispose());

const token = (doc, role = "edit", opts = {}) => hs256(claimsFor(doc, role, { aud: AUD, ...opts }), SECRET);
const url = (doc, tok, query = {}) => socketUrl(fx.wsUrl, doc, { token: tok, ...query });
const join = (doc, tok, query) => joinWith(url(doc, tok, query));
const after_loads = (m) => m.document_loads;

test("an edit token edits; a view token's changes are Rejected read_only and reach nobody", async () => {
  const doc = docId("roles");
  const [ed, edId] = await join(doc, token(doc, "edit", { name: "Ed" }));
  const [vi] = await join(doc, token(doc, "view", { name: "Vi" }));
  ed.send({ Edit: { revision: 0, operation: ["hello"], client: "ed-1", seq: 1 } });
  await ed.recvEntries(0, 1);
  await vi.recvEntries(0, 1);  // a viewer receives everything
  const refused = [
    [{ Edit: { revision: 1, operation: [5, " world"], client: "vi-1", seq: 1 } }, 1],
    [{ Edit: { revision: 1, operation: [5, "!"] } }, null],
    [{ SetLanguage: "python" }, null],
    [{ SetOTP: true }, null],
    [{ CreateViewLink: null }, null],
  ];
  for (const [msg, seq] of refused) {
    vi.send(msg);
    const r = await vi.recvUntil((f) => f.Rejected);
    assert.deepEqual(r.Rejected, { seq, code: "read_only", message: "this connection is read-only" }, JSON.stringify(msg));
  }
  await ed.expectNoFrame(300);  // no History, Language, OTP or ViewLink came of them
  // Presence still works both ways, and the connection is open.
  vi.send({ CursorData: { cursors: [2], selections: [] } });
  const cursor = await ed.recvUntil((f) => f.UserCursor);
  assert.deepEqual(cursor.UserCursor.data.cursors, [2]);
  ed.send({ Edit: { revision: 1, operation: [5, "!"], client: "ed-1", seq: 2 } });
  const [entry] = await vi.recvEntries(1, 1);
  assert.equal(entry.id, edId, "the next revision is the editor's: nothing of the viewer's was logged");
  const text = await http(fx.url, "GET", `/api/text/${doc}`, { headers: { authorization: `Bearer ${token(doc, "view")}` } });
  assert.equal(text.body, "hello!");
  const m = await metrics(fx.url);
  assert.ok(m.rejected.read_only >= 5, JSON.stringify(m.rejected));
  await ed.close();
  await vi.close();
});

test("expired, not-yet-valid, forged, foreign and unsigned tokens get 401 before the upgrade and load nothing", async () => {
  const doc = docId("refused");
  const cases = {
    missing: undefined,
    expired: token(doc, "edit", { exp: nowSeconds() - 5 }),
    not_yet_valid: token(doc, "edit", { nbf: nowSeconds() + 120 }),
    bad_signature: hs256(claimsFor(doc, "edit", { aud: AUD }), newSecret()),
    wrong_audience: hs256(claimsFor(doc, "edit", { aud: "another-app" }), SECRET),
    wrong_document: token("some-other-document"),
    alg_refused: unsigned(claimsFor(doc, "edit", { aud: AUD })),
    malformed: "abc.def",
  };
  const before = await metrics(fx.url);
  for (const [reason, tok] of Object.entries(cases)) {
    const r = await refusal(url(doc, tok));
    assert.equal(r.status, 401, reason);
    assert.equal(r.body.error, "unauthorized");
    assert.equal(r.body.reason, reason);
    assert.match(r.headers["www-authenticate"], /^Bearer /);
    if (tok) assert.ok(!JSON.stringify(r.body).includes(tok), "the answer never repeats the token");
    const text = await http(fx.url, "GET", `/api/text/${doc}`, tok ? { headers: { authorization: `Bearer ${tok}` } } : {});
    assert.equal(text.status, 401, `text: ${reason}`);
    assert.equal(text.json.reason, reason);
  }
  assert.equal(await inMemory(fx.url, ADMIN, doc), false, "no refused request loaded the document");
  assert.equal(after_loads(await metrics(fx.url)) - after_loads(before), 0, "nothing was read from storage to refuse");
  const after = await metrics(fx.url);
  for (const reason of Object.keys(cases)) {
    assert.equal(after.auth_failures[reason] - (before.auth_failures[reason] ?? 0), 2, reason);
  }
  const events = (await http(fx.url, "GET", "/api/events?limit=1000", { headers: { authorization: `Bearer ${ADMIN}` } })).json.events;
  assert.ok(events.some((e) => e.kind === "auth_failure" && e.document === doc && e.detail === "socket:expired"));
  assert.ok(events.some((e) => e.kind === "auth_failure" && e.document === doc && e.detail === "text:bad_signature"));
});

test("the name others see is the token's: ClientInfo sets only the hue", async () => {
  const doc = docId("names");
  const [a, aId] = await join(doc, token(doc, "edit", { name: "Ada Lovelace" }));
  const [b] = await join(doc, token(doc, "edit", { name: "Bob" }));
  a.send({ ClientInfo: { name: "Bob", hue: 77 } });
  const info = await b.recvUntil((f) => f.UserInfo && f.UserInfo.id === aId);
  assert.deepEqual(info.UserInfo.info, { name: "Ada Lovelace", hue: 77 });
  const users = await http(fx.url, "GET", `/api/rooms/${doc}/users`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const shown = users.json.users.find((u) => u.id === aId);
  assert.equal(shown.name, "Ada Lovelace");
  assert.equal(shown.role, "edit");
  assert.equal(shown.access, "token");
  await a.close();
  await b.close();
});

test("OTP and read-only links are off on a token document: Rejected tokens_only", async () => {
  const doc = docId("otp-off");
  const [a] = await join(doc, token(doc));
  for (const msg of [{ SetOTP: true }, { CreateViewLink: null }]) {
    a.send(msg);
    const r = await a.recvUntil((f) => f.Rejected);
    assert.equal(r.Rejected.code, "tokens_only");
  }
  assert.equal((await refusal(socketUrl(fx.wsUrl, doc, { view: "anything" }))).body.reason, "missing");
  await a.close();
});

test("/api/text takes ?token= and Authorization: Bearer, with either role", async () => {
  const doc = docId("text");
  const [a] = await join(doc, token(doc));
  a.send({ Edit: { revision: 0, operation: ["read me"] } });
  await a.recvEntries(0, 1);
  assert.equal((await http(fx.url, "GET", `/api/text/${doc}?token=${token(doc, "view")}`)).body, "read me");
  assert.equal((await http(fx.url, "GET", `/api/text/${doc}`, { headers: { authorization: `bearer ${token(doc, "view")}` } })).body, "read me");
  assert.equal((await http(fx.url, "GET", `/api/text/${doc}`)).status, 401);
  await a.close();
});

test("a live session is closed at its token's expiry with token_expired and 4001; a fresh token resumes", async () => {
  const doc = docId("expiry");
  const [a, aId] = await join(doc, token(doc, "edit", { exp: nowSeconds() + 2 }));
  const [watcher] = await join(doc, token(doc, "view", { exp: nowSeconds() + 600 }));
  a.send({ Edit: { revision: 0, operation: ["before"], client: "exp-1", seq: 1 } });
  await a.recvEntries(0, 1);
  const err = await a.recvUntil((f) => f.Error, 6000);
  assert.equal(err.Error.code, "token_expired");
  const closed = await a.waitClosed(3000);
  assert.equal(closed.code, 4001);
  assert.equal(closed.reason, "token_expired");
  await watcher.recvUntil((f) => f.UserInfo && f.UserInfo.id === aId && f.UserInfo.info === null, 3000);
  assert.equal(watcher.closed, null, "a session with a longer token stays");
  const [again] = await join(doc, token(doc, "edit", { exp: nowSeconds() + 600 }), { revision: 1 });
  again.send({ Edit: { revision: 1, operation: [6, " after"], client: "exp-1", seq: 2 } });
  await again.recvEntries(1, 1);
  assert.equal((await http(fx.url, "GET", `/api/text/${doc}?token=${token(doc, "view")}`)).body, "before after");
  const m = await metrics(fx.url);
  assert.ok(m.errors.token_expired >= 1);
  await again.close();
  await watcher.close();
});

test("RS256: a valid token opens, an HS256 forgery keyed with the public key PEM is refused", async () => {
  const tmp = tempDir();
  const rsa = newRsa();
  const pub = pathJoin(tmp.dir, "jwt.pub");
  writeFileSync(pub, rsa.publicPem);
  const s = await startServer({ SQLITE_URI: ":memory:", AUTH_MODE: "token", JWT_PUBLIC_KEY_FILE: pub });
  try {
    const doc = docId("rs");
    const claims = claimsFor(doc, "edit");
    const [c] = await joinWith(socketUrl(s.wsUrl, doc, { token: rs256(claims, rsa.key.privateKey) }));
    await c.close();
    const forged = hs256(claims, rsa.publicPem);
    const r = await refusal(socketUrl(s.wsUrl, doc, { token: forged }));
    assert.equal(r.status, 401);
    assert.equal(r.body.reason, "alg_refused");
    const hsToRs = await refusal(socketUrl(s.wsUrl, docId("rs"), { token: hs256(claims, SECRET) }));
    assert.equal(hsToRs.body.reason, "alg_refused");
    await eventually(async () => (await metrics(s.url)).auth_failures.alg_refused === 2, 2000, "counted");
  } finally {
    await s.stop("SIGKILL");
    tmp.cleanup();
  }
});
