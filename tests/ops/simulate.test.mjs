// Simulated users (POST/DELETE /api/simulate/users/{id}): they join like connections, show up with
// names and colors, move cursors and type through the document, durably; bounded by named settings.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "../integration/lib/server.mjs";
import { join, docId, getText } from "../integration/lib/client.mjs";
import { request, admin, applyOp, until, metricsJson } from "./lib/ops.mjs";

const TOKEN = "sim-token";
let fx;
let api;
before(async () => {
  fx = new ServerFixture({ ADMIN_TOKEN: TOKEN, SIMULATE_MAX_USERS: 5, SIMULATE_MAX_RATE: 50 });
  await fx.start();
  api = admin(fx.url, TOKEN);
});
after(async () => { await fx?.dispose(); });

/** Reads frames into `state` (text, users) until `pred(state)` holds. */
async function follow(client, state, pred, ms = 15000) {
  const deadline = Date.now() + ms;
  while (!pred(state)) {
    const f = await client.recv(Math.max(1, deadline - Date.now()));
    if (f.History) {
      assert.equal(f.History.start, state.revision, "History continues the log");
      for (const e of f.History.operations) { state.text = applyOp(state.text, e.operation); state.revision++; state.authors.add(e.id); }
    } else if (f.UserInfo) {
      if (f.UserInfo.info) state.users.set(f.UserInfo.id, f.UserInfo.info); else state.users.delete(f.UserInfo.id);
    } else if (f.UserCursor) {
      state.cursors.set(f.UserCursor.id, f.UserCursor.data);
    }
  }
}

test("simulated users join with names and hues, type and move cursors through the document, and leave on DELETE", async () => {
  const doc = docId("sim");
  const [a, aid] = await join(fx.wsUrl, doc);
  a.send({ Edit: { revision: 0, operation: ["start "] } });
  const state = { text: "", revision: 0, users: new Map(), cursors: new Map(), authors: new Set() };
  await follow(a, state, (s) => s.revision === 1);

  const r = await api.post(`/api/simulate/users/${doc}?count=3&rate=40`);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.added, 3);
  const sims = r.json.users;
  assert.equal(sims.length, 3);
  await follow(a, state, (s) => sims.every((id) => s.users.has(id) && s.authors.has(id) && s.cursors.has(id)) && s.revision >= 20);
  for (const id of sims) {
    const info = state.users.get(id);
    assert.match(info.name, /^Simulated user \d+$/);
    assert.ok(Number.isInteger(info.hue) && info.hue >= 0 && info.hue < 360);
  }
  const listed = (await api.get(`/api/rooms/${doc}/users`)).json.users;
  assert.deepEqual(listed.filter((u) => u.simulated).map((u) => u.id).sort(), [...sims].sort());
  assert.ok(listed.filter((u) => u.simulated).every((u) => u.name && u.cursor));
  assert.equal((await api.get(`/api/rooms/${doc}`)).json.simulated_users, 3);
  assert.equal((await metricsJson(fx.url)).simulated_users, 3);

  // A real edit in the middle of the simulated typing converges like any other.
  a.send({ Edit: { revision: state.revision, operation: [Array.from(state.text).length, "👨‍👨‍👦‍👦"] } });
  const del = await api.del(`/api/simulate/users/${doc}`);
  assert.deepEqual(del.json, { removed: 3 });
  await follow(a, state, (s) => sims.every((id) => !s.users.has(id)) && s.authors.has(aid) && s.revision >= 2);
  // Nothing types any more: the server's text equals what this client built from the History.
  const serverRevision = (await api.get(`/api/rooms/${doc}`)).json.revision;
  await follow(a, state, (s) => s.revision === serverRevision);
  assert.equal(await getText(fx.url, doc), state.text);
  // "start " + the 7 code points of 👨‍👨‍👦‍👦 + one code point per simulated edit.
  assert.equal(Array.from(state.text).length, 6 + 7 + (state.revision - 2));
  assert.equal((await api.del(`/api/simulate/users/${doc}`)).json.removed, 0);

  // Their edits were durable: after a restart the same text loads.
  await a.close();
  await fx.restart();
  api = admin(fx.url, TOKEN);
  assert.equal(await getText(fx.url, doc), state.text);
});

test("count and rate are bounded by SIMULATE_MAX_USERS and SIMULATE_MAX_RATE; bad input is a 400", async () => {
  const doc = docId("simlimit");
  const bad = async (q, code) => {
    const r = await api.post(`/api/simulate/users/${doc}${q}`);
    assert.equal(r.status, 400, `${q}: ${r.body}`);
    assert.equal(r.json.error, code, q);
  };
  await bad("?count=6&rate=1", "too_many_users");
  await bad("?count=1&rate=51", "rate_too_high");
  await bad("?count=0", "bad_count");
  await bad("", "bad_count");
  await bad("?count=abc", "bad_count");
  await bad("?count=1&rate=-1", "bad_rate");
  await bad("?count=1&rate=fast", "bad_rate");
  assert.equal((await api.post("/api/simulate/users/bad.id?count=1")).status, 400);
  const ok = await api.post(`/api/simulate/users/${doc}?count=4&rate=0`);
  assert.equal(ok.status, 200, ok.body);
  await bad("?count=2&rate=0", "too_many_users");  // 4 + 2 > 5
  assert.equal((await api.post(`/api/simulate/users/${doc}?count=1&rate=0`)).json.simulated_users, 5);
  assert.equal((await request(fx.url, "POST", `/api/simulate/users/${doc}?count=1`, { token: "nope" })).status, 404);
  assert.equal((await api.get(`/api/simulate/users/${doc}`)).status, 405);
  // Simulated users keep the document hot: it is listed with its users, and they leave on DELETE.
  assert.equal((await api.get(`/api/rooms/${doc}`)).json.users, 5);
  assert.equal((await api.del(`/api/simulate/users/${doc}`)).json.removed, 5);
  await until(async () => (await api.get(`/api/rooms/${doc}`)).json.users === 0, 5000, "users gone");
});

test("evicting a document with simulated users closes them too; new ones can join the reloaded document", async () => {
  const doc = docId("simevict");
  assert.equal((await api.post(`/api/simulate/users/${doc}?count=2&rate=20`)).status, 200);
  await until(async () => (await api.get(`/api/rooms/${doc}`)).json.revision >= 5, 10000, "typing");
  assert.equal((await api.del(`/api/rooms/${doc}`)).status, 200);
  const text = await getText(fx.url, doc);
  assert.ok(Array.from(text).length >= 5);
  const again = await api.post(`/api/simulate/users/${doc}?count=2&rate=0`);
  assert.equal(again.status, 200, again.body);
  assert.equal(again.json.simulated_users, 2, "the evicted ones no longer count");
  assert.equal((await api.del(`/api/simulate/users/${doc}`)).json.removed, 2);
});
