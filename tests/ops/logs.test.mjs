// Logs: LOG_FORMAT=json gives one JSON object per line; connection events carry the document and
// user ids; no document text, OTP, signed token, read-only link or query string ever reaches the log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "../integration/lib/server.mjs";
import { join, docId, getText, socketUrl } from "../integration/lib/client.mjs";
import { http, joinWith, refusal } from "../integration/lib/access.mjs";
import { claimsFor, hs256, newSecret } from "../integration/lib/jwt.mjs";
import { request } from "./lib/ops.mjs";

test("a session that typed a secret and set an OTP leaves neither in the JSON log", async () => {
  const fx = new ServerFixture({ LOG_FORMAT: "json", LOG_LEVEL: "debug", ADMIN_TOKEN: "admin-secret-token" });
  try {
    await fx.start();
    const doc = docId("logs");
    const secret = "hunter2-👨‍👨‍👦‍👦-TOPSECRET";
    const [a, aid] = await join(fx.wsUrl, doc);
    a.send({ ClientInfo: { name: "Alice", hue: 10 } });
    a.send({ Edit: { revision: 0, operation: [secret] } });
    await a.recvEntries(0, 1);
    a.send({ SetOTP: true });
    const otp = (await a.recvUntil((f) => f.OTP)).OTP.otp;
    assert.equal(typeof otp, "string");
    const [b, bid] = await join(fx.wsUrl, doc, { otp });
    b.sendRaw(`{"Edit":{"revision":0,"operation":["${secret}"` );  // malformed, echoes nothing back into the log
    await b.waitClosed();
    assert.equal(await getText(fx.url, doc, otp), secret);
    await request(fx.url, "GET", "/api/rooms", { token: "wrong" });
    await a.close();
    await fx.server.stop();
    const log = fx.server.log;
    assert.ok(!log.includes("TOPSECRET") && !log.includes("hunter2"), "no document text in the log");
    assert.ok(!log.includes(otp), "no OTP token in the log");
    assert.ok(!log.includes("admin-secret-token"), "no admin token in the log");
    const lines = log.split("\n").filter(Boolean);
    assert.ok(lines.length > 3);
    const events = lines.map((l) => {
      const e = JSON.parse(l);
      assert.equal(typeof e.time, "string");
      assert.ok(["error", "warn", "info", "debug"].includes(e.level), l);
      assert.equal(typeof e.msg, "string");
      return e;
    });
    const joined = events.filter((e) => e.msg === "user joined" && e.document === doc).map((e) => e.user);
    assert.deepEqual(joined.sort(), [String(aid), String(bid)].sort(), "joins name document and user");
    assert.ok(events.some((e) => e.msg === "user left" && e.document === doc && e.user === String(aid)));
    const closed = events.find((e) => e.msg === "closing connection" && e.document === doc);
    assert.equal(closed.user, String(bid));
    assert.equal(closed.code, "bad_message");
  } finally {
    await fx.dispose();
  }
});

test("text logs are leveled: LOG_LEVEL=info hides the debug lines that LOG_LEVEL=debug shows", async () => {
  const lines = {};
  for (const level of ["info", "debug"]) {
    const fx = new ServerFixture({ LOG_LEVEL: level });
    try {
      await fx.start();
      const doc = docId("level");
      const [a, id] = await join(fx.wsUrl, doc);
      await a.close();
      await fx.server.stop();
      lines[level] = fx.server.log.split("\n").filter(Boolean);
      assert.ok(lines[level].some((l) => / info user joined /.test(l) && l.includes(`document=${doc}`) && l.includes(`user=${id}`)),
        "a text join line names document and user");
    } finally {
      await fx.dispose();
    }
  }
  assert.ok(lines.debug.some((l) => / debug document loaded /.test(l)), "debug shows document loads");
  assert.ok(!lines.info.some((l) => / debug /.test(l)), "info hides debug lines");
});

test("token, read-only link and refusal flows leave no token, link, secret or query string in any log line", async () => {
  const secret = newSecret();
  const fx = new ServerFixture({ LOG_FORMAT: "json", LOG_LEVEL: "debug", ADMIN_TOKEN: "admin-secret-token",
    AUTH_MODE: "mixed", AUTH_TOKEN_DOCUMENTS: "secure-*", JWT_SECRET: secret, JWT_CLOCK_SKEW_SECONDS: 0 });
  const secrets = [secret, "admin-secret-token"];
  try {
    await fx.start();
    const doc = `secure-${docId("logs")}`;
    const minted = async (role) => {
      const r = await http(fx.url, "POST", "/api/tokens", { headers: { authorization: "Bearer admin-secret-token" },
        body: { document: doc, role, name: "Logged" } });
      assert.equal(r.status, 200, r.body);
      secrets.push(r.json.token);
      return r.json.token;
    };
    const edit = await minted("edit");
    const view = await minted("view");
    const [a] = await joinWith(socketUrl(fx.wsUrl, doc, { token: edit }));
    a.send({ Edit: { revision: 0, operation: ["x"] } });
    await a.recvEntries(0, 1);
    const [v] = await joinWith(socketUrl(fx.wsUrl, doc, { token: view }));
    v.send({ Edit: { revision: 1, operation: [1, "y"] } });
    await v.recvUntil((f) => f.Rejected);
    const short = hs256(claimsFor(doc, "edit", { ttl: 1 }), secret);
    const expired = hs256(claimsFor(doc, "edit", { ttl: -10 }), secret);
    const forged = hs256(claimsFor(doc, "edit"), newSecret());
    secrets.push(short, expired, forged);
    const [s] = await joinWith(socketUrl(fx.wsUrl, doc, { token: short }));
    await s.recvUntil((f) => f.Error, 5000);
    for (const t of [expired, forged]) {
      assert.equal((await refusal(socketUrl(fx.wsUrl, doc, { token: t }))).status, 401);
      assert.equal((await request(fx.url, "GET", `/api/text/${doc}`, { token: t })).status, 401);
      assert.equal((await request(fx.url, "GET", `/api/text/${doc}?token=${t}`)).status, 401);
    }
    assert.equal((await request(fx.url, "GET", `/api/text/${doc}?token=${view}`)).status, 200);

    const open = docId("open-logs");
    const [e] = await join(fx.wsUrl, open);
    e.send({ CreateViewLink: null });
    const first = (await e.recvUntil((f) => f.ViewLink)).ViewLink.token;
    const [ro] = await joinWith(socketUrl(fx.wsUrl, open, { view: first }));
    e.send({ CreateViewLink: null });
    const second = (await e.recvUntil((f) => f.ViewLink)).ViewLink.token;
    secrets.push(first, second);
    await ro.waitClosed();
    assert.equal((await refusal(socketUrl(fx.wsUrl, open, { view: first }))).status, 401);
    assert.equal((await request(fx.url, "GET", `/api/text/${open}?view=${second}`)).status, 200);
    for (const c of [a, v, e]) await c.close();
    await fx.server.stop();

    const lines = fx.server.log.split("\n").filter(Boolean);
    assert.ok(lines.some((l) => JSON.parse(l).msg === "access refused"), "refusals are logged (without their credentials)");
    assert.ok(lines.some((l) => JSON.parse(l).msg === "token minted"));
    for (const line of lines) {
      for (const s of secrets) assert.ok(!line.includes(s), `a log line holds a credential: ${line}`);
      assert.ok(!/[?&](token|view|otp)=/.test(line), `a log line holds a query string: ${line}`);
    }
  } finally {
    await fx.dispose();
  }
});
