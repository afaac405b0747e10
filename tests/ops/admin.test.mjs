// The admin API (ADMIN_TOKEN): authentication, rooms, users, persist, evict and the event log.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "../integration/lib/server.mjs";
import { join, docId, getText } from "../integration/lib/client.mjs";
import { request, admin, until } from "./lib/ops.mjs";

const TOKEN = "s3cret-admin-token-0123456789";
let fx;
let api;
before(async () => {
  fx = new ServerFixture({ ADMIN_TOKEN: TOKEN, EVENT_LOG_SIZE: 50, SNAPSHOT_INTERVAL_OPS: 100000, LOG_RETENTION_OPS: 0 });
  await fx.start();
  api = admin(fx.url, TOKEN);
});
after(async () => { await fx?.dispose(); });

const ADMIN_ROUTES = [["GET", "/api/rooms"], ["GET", "/api/rooms/x"], ["GET", "/api/rooms/x/users"],
  ["POST", "/api/rooms/x/persist"], ["DELETE", "/api/rooms/x"], ["GET", "/api/events?limit=5"],
  ["POST", "/api/simulate/users/x?count=1&rate=1"], ["DELETE", "/api/simulate/users/x"]];

test("every admin route is a plain 404 without the token, with a wrong one, or with another scheme", async () => {
  const unknown = await request(fx.url, "GET", "/api/no-such-route");
  assert.equal(unknown.status, 404);
  const [a] = await join(fx.wsUrl, "x");  // the room exists, and still nothing leaks
  for (const [method, path] of ADMIN_ROUTES) {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: `Basic ${TOKEN}` }, { authorization: TOKEN }, { authorization: "Bearer " }]) {
      const r = await request(fx.url, method, path, { headers });
      assert.equal(r.status, 404, `${method} ${path} ${JSON.stringify(headers)}`);
      assert.equal(r.body, unknown.body, "indistinguishable from an unknown route");
    }
  }
  assert.equal((await api.get("/api/rooms")).status, 200, "the right token works");
  assert.equal((await request(fx.url, "GET", "/api/rooms", { headers: { authorization: `bearer ${TOKEN}` } })).status, 200,
    "the scheme is case-insensitive");
  await a.close();
});

test("without ADMIN_TOKEN the admin API does not exist, whatever the request carries", async () => {
  const plain = new ServerFixture();
  try {
    await plain.start();
    for (const [method, path] of ADMIN_ROUTES) {
      for (const token of [undefined, "", TOKEN]) {
        const r = await request(plain.url, method, path, { token });
        assert.equal(r.status, 404, `${method} ${path}`);
      }
    }
  } finally {
    await plain.dispose();
  }
});

test("rooms list documents in memory with users, size, revision, language and protection; users show name, hue, cursor", async () => {
  const doc = docId("room");
  const [a, aid] = await join(fx.wsUrl, doc);
  a.send({ ClientInfo: { name: "Zoë 👩‍💻", hue: 200 } });
  a.send({ Edit: { revision: 0, operation: ["a👨‍👨‍👦‍👦b"] } });
  await a.recvEntries(0, 1);
  a.send({ SetLanguage: "rust" });
  a.send({ CursorData: { cursors: [8], selections: [[1, 8]] } });
  a.send({ SetOTP: true });
  const otp = (await a.recvUntil((f) => f.OTP)).OTP.otp;
  const [b, bid] = await join(fx.wsUrl, doc, { otp });

  const list = await api.get("/api/rooms");
  assert.equal(list.status, 200);
  const room = list.json.rooms.find((r) => r.id === doc);
  assert.ok(room, JSON.stringify(list.json));
  assert.equal(room.users, 2);
  assert.equal(room.revision, 1);
  assert.equal(room.code_points, 9);
  assert.equal(room.size_bytes, Buffer.byteLength("a👨‍👨‍👦‍👦b"));
  assert.equal(room.language, "rust");
  assert.equal(room.protected, true);
  assert.ok(!list.body.includes(otp), "the token is never shown");
  assert.ok(!list.body.includes("👨‍👨‍👦‍👦"), "the text is never shown");
  assert.deepEqual((await api.get(`/api/rooms/${doc}`)).json, { ...room, idle_seconds: 0, memory_bytes: (await api.get(`/api/rooms/${doc}`)).json.memory_bytes });

  const users = (await api.get(`/api/rooms/${doc}/users`)).json.users;
  assert.deepEqual(users.find((u) => u.id === aid),
    { id: aid, name: "Zoë 👩‍💻", hue: 200, cursor: { cursors: [8], selections: [[1, 8]] }, simulated: false,
      role: "edit", access: "open" });
  assert.deepEqual(users.find((u) => u.id === bid), { id: bid, name: null, hue: null, cursor: null, simulated: false,
    role: "edit", access: "open" });
  await a.close();
  await b.close();
});

test("unknown rooms are 404 unknown_room; malformed ids 400; wrong methods 405", async () => {
  const ghost = docId("ghost");
  for (const [method, path] of [["GET", `/api/rooms/${ghost}`], ["GET", `/api/rooms/${ghost}/users`],
    ["POST", `/api/rooms/${ghost}/persist`], ["DELETE", `/api/rooms/${ghost}`]]) {
    const r = await request(fx.url, method, path, { token: TOKEN });
    assert.equal(r.status, 404, `${method} ${path}`);
    assert.equal(r.json.error, "unknown_room");
  }
  assert.equal((await api.get("/api/rooms/bad.id")).status, 400);
  assert.equal((await api.post("/api/rooms/bad.id/persist")).status, 400);
  assert.equal((await api.post("/api/rooms")).status, 405);
  assert.equal((await api.get(`/api/rooms/${ghost}/persist`)).status, 405);
  assert.equal((await api.get(`/api/rooms/${ghost}/nothing`)).status, 404);
});

test("persist writes a snapshot now: after a kill -9 the document loads from it", async () => {
  const doc = docId("persist");
  const [a] = await join(fx.wsUrl, doc);
  for (let i = 0; i < 5; i++) {
    a.send({ Edit: { revision: i, operation: i === 0 ? ["🎉"] : [i, "x"] } });
    await a.recvEntries(i, 1);
  }
  const r = await api.post(`/api/rooms/${doc}/persist`);
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { persisted: true, revision: 5 });
  await fx.server.kill();  // no snapshot on the way out
  await fx.start();
  api = admin(fx.url, TOKEN);
  // The stored log is kept whole (docs/history.md): a new client gets the document at revision 5,
  // as a Snapshot or as the whole History; and the persisted snapshot is a keyframe at revision 5.
  const [c] = await join(fx.wsUrl, doc);
  const first = await c.recv();
  if (first.Snapshot) assert.deepEqual(first, { Snapshot: { revision: 5, text: "🎉xxxx" } });
  else assert.equal(first.History.start + first.History.operations.length, 5, JSON.stringify(first));
  await c.close();
  const text = await fetch(`${fx.url}/api/text/${doc}?revision=5`);
  assert.equal(await text.text(), "🎉xxxx");
});

test("DELETE evicts now: users get Error evicted and close 4000, nothing is lost, the document reloads", async () => {
  const doc = docId("evict");
  const [a] = await join(fx.wsUrl, doc);
  const [b] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["kept 👨‍👨‍👦‍👦"] } });
  await a.recvEntries(0, 1);
  const r = await api.del(`/api/rooms/${doc}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { evicted: true });
  for (const c of [a, b]) {
    const err = await c.recvUntil((f) => f.Error);
    assert.equal(err.Error.code, "evicted");
    assert.equal((await c.waitClosed()).code, 4000);
  }
  assert.equal((await api.get(`/api/rooms/${doc}`)).status, 404, "no longer in memory");
  assert.equal((await api.del(`/api/rooms/${doc}`)).status, 404, "a second delete finds nothing");
  assert.equal(await getText(fx.url, doc), "kept 👨‍👨‍👦‍👦");
  const [c] = await join(fx.wsUrl, doc, { revision: 1 });
  c.send({ Edit: { revision: 1, operation: [12, "!"] } });  // "kept " + 7 code points
  await c.recvEntries(1, 1);
  assert.equal(await getText(fx.url, doc), "kept 👨‍👨‍👦‍👦!");
  await c.close();
});

test("the event log keeps joins, leaves, protection changes, evictions and errors, newest last, bounded", async () => {
  const doc = docId("events");
  const [a, aid] = await join(fx.wsUrl, doc);
  a.send({ SetOTP: true });
  const otp = (await a.recvUntil((f) => f.OTP)).OTP.otp;
  a.send({ SetOTP: false });
  await a.recvUntil((f) => f.OTP && f.OTP.otp === null);
  const [bad, badId] = await join(fx.wsUrl, doc);
  bad.sendRaw("nope");
  await bad.waitClosed();
  await a.close();
  await until(async () => (await api.get(`/api/rooms/${doc}`)).json.users === 0, 5000, "a has left");
  await api.del(`/api/rooms/${doc}`);
  const r = await api.get("/api/events?limit=50");
  assert.equal(r.status, 200);
  assert.equal(r.json.capacity, 50);
  assert.ok(!r.body.includes(otp), "no token in events");
  const mine = r.json.events.filter((e) => e.document === doc).map((e) => [e.kind, e.user, e.detail]);
  assert.deepEqual(mine, [
    ["join", aid, ""], ["protect", aid, ""], ["unprotect", aid, ""], ["join", badId, ""],
    ["error", badId, "bad_message"], ["leave", badId, ""], ["leave", aid, ""], ["evict", null, "admin"]]);
  const seqs = r.json.events.map((e) => e.seq);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), "oldest first");

  const two = (await api.get("/api/events?limit=2")).json.events;
  assert.deepEqual(two.map((e) => e.seq), seqs.slice(-2), "limit gives the newest");
  for (let i = 0; i < 30; i++) { const [c] = await join(fx.wsUrl, doc); await c.close(); }
  const all = (await api.get("/api/events?limit=100000")).json;
  assert.equal(all.events.length, 50, "bounded by EVENT_LOG_SIZE");
  assert.ok(all.total > 50);
  for (const bad of ["0", "-1", "abc", "1.5", ""]) {
    const q = await api.get(`/api/events?limit=${bad}`);
    if (bad === "") assert.equal(q.status, 400, "an empty limit is not a number");
    else assert.equal(q.status, 400, `limit=${bad}`);
  }
});
