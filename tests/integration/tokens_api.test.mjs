// POST /api/tokens on the real binary: behind ADMIN_TOKEN (404 otherwise, like the admin API),
// mints tokens that open documents with their role and name, answers each bad request with a 400
// naming the field, and 501 when the server has only a public key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { writeFileSync } from "node:fs";
import { join as pathJoin } from "node:path";
import { ServerFixture, startServer, tempDir } from "./lib/server.mjs";
import { docId, socketUrl } from "./lib/client.mjs";
import { http, joinWith, refusal } from "./lib/access.mjs";
import { newSecret, nowSeconds } from "./lib/jwt.mjs";

const ADMIN = "admin-token-for-minting";
let fx;

before(async () => {
  fx = new ServerFixture({ AUTH_MODE: "token", JWT_SECRET: newSecret(), ADMIN_TOKEN: ADMIN, JWT_MAX_MINT_LIFETIME_SECONDS: 86400 });
  await fx.start();
});
after(() => fx?.dispose());

const mint = (body, token = ADMIN) => http(fx.url, "POST", "/api/tokens", {
  headers: token ? { authorization: `Bearer ${token}` } : {}, body });

test("a minted token opens its documents with its role and name", async () => {
  const doc = docId("minted");
  const r = await mint({ document: doc, role: "edit", name: "Grace", subject: "u-9", lifetime: 600 });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.headers.get("cache-control"), "no-store");
  assert.equal(r.json.algorithm, "HS256");
  assert.ok(Math.abs(r.json.expires_at - (nowSeconds() + 600)) <= 2);
  const claims = JSON.parse(Buffer.from(r.json.token.split(".")[1], "base64url").toString());
  assert.deepEqual([claims.doc, claims.role, claims.name, claims.sub], [doc, "edit", "Grace", "u-9"]);
  const [a, aId] = await joinWith(socketUrl(fx.wsUrl, doc, { token: r.json.token }));
  a.send({ ClientInfo: { name: "Not Grace", hue: 3 } });
  assert.equal((await a.recvUntil((f) => f.UserInfo && f.UserInfo.id === aId)).UserInfo.info.name, "Grace");
  await a.close();
  const view = await mint({ documents: ["team-1-*", "other"], role: "view" });
  assert.equal(view.status, 200);
  const [v] = await joinWith(socketUrl(fx.wsUrl, "team-1-x", { token: view.json.token }));
  v.send({ Edit: { revision: 0, operation: ["x"] } });
  assert.equal((await v.recvUntil((f) => f.Rejected)).Rejected.code, "read_only");
  await v.close();
  assert.equal((await refusal(socketUrl(fx.wsUrl, "team-2-x", { token: view.json.token }))).body.reason, "wrong_document");
});

test("without the admin token the route does not exist; other methods are 405", async () => {
  assert.equal((await mint({ document: "d", role: "edit" }, null)).status, 404);
  assert.equal((await mint({ document: "d", role: "edit" }, "wrong")).status, 404);
  const get = await http(fx.url, "GET", "/api/tokens", { headers: { authorization: `Bearer ${ADMIN}` } });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
});

test("each bad request is a 400 naming its field", async () => {
  const cases = [
    ["not json", "the body must be one JSON object"],
    [[1, 2], "the body must be one JSON object"],
    [{ role: "edit" }, "document: missing"],
    [{ document: "d" }, "role: missing"],
    [{ document: "d", role: "owner" }, "role: expected"],
    [{ document: "d/../x", role: "edit" }, "documents: \"d/../x\" is not a document id"],
    [{ document: "a*b", role: "edit" }, "documents:"],
    [{ document: 5, role: "edit" }, "document: expected a string"],
    [{ document: "d", documents: ["e"], role: "edit" }, "documents: give document or documents"],
    [{ documents: [], role: "edit" }, "document: missing"],
    [{ document: "d", role: "edit", lifetime: 86401 }, "lifetime: expected 1 to 86400"],
    [{ document: "d", role: "edit", lifetime: 0 }, "lifetime: expected 1 to 86400"],
    [{ document: "d", role: "edit", lifetime: 1.5 }, "lifetime: expected a whole number"],
    [{ document: "d", role: "edit", name: "x".repeat(65) }, "name: longer than 64"],
    [{ document: "d", role: "edit", subject: "a\nb" }, "subject: control characters"],
    [{ document: "d", role: "edit", expires: 5 }, "expires: unknown field"],
    ['{"document":"d","document":"e","role":"edit"}', "the body must be one JSON object"],
  ];
  for (const [body, message] of cases) {
    const r = await mint(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error, "bad_request");
    assert.ok(r.json.message.startsWith(message), `${JSON.stringify(body)}: ${r.json.message}`);
  }
});

test("a server with only a public key answers 501 and says which key it needs", async () => {
  const tmp = tempDir();
  const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pub = pathJoin(tmp.dir, "jwt.pub");
  writeFileSync(pub, ec.publicKey.export({ type: "spki", format: "pem" }));
  const s = await startServer({ SQLITE_URI: ":memory:", AUTH_MODE: "token", JWT_PUBLIC_KEY_FILE: pub, ADMIN_TOKEN: ADMIN });
  try {
    const r = await http(s.url, "POST", "/api/tokens", { headers: { authorization: `Bearer ${ADMIN}` },
      body: { document: "d", role: "edit" } });
    assert.equal(r.status, 501);
    assert.equal(r.json.error, "minting_unavailable");
    assert.match(r.json.message, /JWT_PRIVATE_KEY_FILE/);
  } finally {
    await s.stop("SIGKILL");
    tmp.cleanup();
  }
});
