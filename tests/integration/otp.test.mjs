// Document protection by one-time-password token (SetOTP / OTP), across restarts.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { join, socketUrl, upgradeStatus, httpGet, getText, docId } from "./lib/client.mjs";

let fx;
before(async () => { fx = new ServerFixture(); await fx.start(); });
after(async () => { await fx?.dispose(); });

test("SetOTP protects a document: 401 without or with a wrong token, access with it, kept across restarts, removable", async () => {
  const doc = docId("otp");
  const [a, idA] = await join(fx.wsUrl, doc);
  const [b] = await join(fx.wsUrl, doc);
  a.send({ ClientInfo: { name: "Alice", hue: 7 } });
  a.send({ Edit: { revision: 0, operation: ["secret 🔐"] } });
  a.send({ SetOTP: true });
  const frames = [];
  for (const c of [a, b]) frames.push(await c.recvUntil((f) => f.OTP));
  const token = frames[0].OTP.otp;
  assert.equal(typeof token, "string");
  assert.ok(token.length >= 8, `token ${token} is long enough to be unguessable`);
  for (const f of frames) assert.deepStrictEqual(f, { OTP: { otp: token, user_id: idA, user_name: "Alice" } });

  // Existing connections keep working.
  b.send({ Edit: { revision: 1, operation: [8, "!"] } });
  await b.recvUntil((f) => f.History?.start === 1);

  const check = async () => {
    assert.equal(await upgradeStatus(socketUrl(fx.wsUrl, doc)), 401);
    assert.equal(await upgradeStatus(socketUrl(fx.wsUrl, doc, { otp: token + "x" })), 401);
    assert.equal(await upgradeStatus(socketUrl(fx.wsUrl, doc, { otp: "" })), 401);
    assert.equal((await httpGet(fx.url, `/api/text/${doc}`)).status, 401);
    assert.equal((await httpGet(fx.url, `/api/text/${doc}?otp=wrong`)).status, 401);
    assert.equal(await getText(fx.url, doc, token), "secret 🔐!");
    const [c] = await join(fx.wsUrl, doc, { otp: token });
    assert.equal((await c.recv()).History?.operations.length, 2);
    return c;
  };
  (await check()).terminate();
  await Promise.all([a.close(), b.close()]);

  await fx.restart();  // cold start: protection must hold before anything loads the document
  const c = await check();
  const [cId] = [c.id];
  c.send({ ClientInfo: { name: "Carol", hue: 1 } });
  c.send({ SetOTP: false });
  assert.deepStrictEqual(await c.recvUntil((f) => f.OTP), { OTP: { otp: null, user_id: cId, user_name: "Carol" } });
  assert.equal(await getText(fx.url, doc), "secret 🔐!");
  const [d] = await join(fx.wsUrl, doc);
  assert.equal((await d.recv()).History?.operations.length, 2);
  await Promise.all([c.close(), d.close()]);
});

test("a new token replaces the old one", async () => {
  const doc = docId("otp2");
  const [a] = await join(fx.wsUrl, doc);
  a.send({ SetOTP: true });
  const first = (await a.recvUntil((f) => f.OTP)).OTP.otp;
  a.send({ SetOTP: true });
  const second = (await a.recvUntil((f) => f.OTP)).OTP.otp;
  assert.notEqual(first, second);
  assert.equal(await upgradeStatus(socketUrl(fx.wsUrl, doc, { otp: first })), 401);
  const [b] = await join(fx.wsUrl, doc, { otp: second });
  await Promise.all([a.close(), b.close()]);
});

test("protection does not leak to other documents", async () => {
  const doc = docId("otp3");
  const [a] = await join(fx.wsUrl, doc);
  a.send({ SetOTP: true });
  await a.recvUntil((f) => f.OTP);
  const [b] = await join(fx.wsUrl, docId("otp3other"));
  await Promise.all([a.close(), b.close()]);
});

test("a wrong token on a cold protected document does not load it into memory", async () => {
  const doc = docId("otpcold");
  const [a] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["cold"] } });
  a.send({ SetOTP: true });
  const token = (await a.recvUntil((f) => f.OTP)).OTP.otp;
  await a.close();
  await fx.restart();
  const loaded = async () => JSON.parse((await httpGet(fx.url, "/api/stats")).body).num_documents;
  const before = await loaded();
  for (let i = 0; i < 5; i++) {
    assert.equal(await upgradeStatus(socketUrl(fx.wsUrl, doc, { otp: `guess${i}` })), 401);
    assert.equal((await httpGet(fx.url, `/api/text/${doc}?otp=guess${i}`)).status, 401);
  }
  assert.equal(await loaded(), before, "refused requests loaded nothing");
  const [b] = await join(fx.wsUrl, doc, { otp: token });
  assert.equal(await loaded(), before + 1);
  await b.close();
});
