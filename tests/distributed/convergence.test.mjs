// Three instances behind nginx: clients on every instance and through nginx type into one
// document and converge; presence, language, OTP and Signal cross instances; user ids are
// unique across instances; the admin API names the owner.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { TestCluster, ADMIN_TOKEN } from "./lib/cluster.mjs";
import { typists, assertConverged, assertStoredLog, sleep } from "./lib/typing.mjs";
import { join, docId, httpGet, getText, socketUrl } from "../integration/lib/client.mjs";
import { joinWith, refusal } from "../integration/lib/access.mjs";

let c;
before(async () => { c = await new TestCluster({ n: 3 }).start(); });
after(async () => { await c?.dispose(); });

test("clients on three instances and through nginx type into one document and converge to /api/text on every instance", async (t) => {
  const doc = docId("conv");
  // Two typists per instance, two through nginx; every third behaves like Rustpad (no client/seq).
  const placement = [0, 0, 1, 1, 2, 2].map((k) => () => c.wsUrl(k)).concat([() => c.nginxWsUrl, () => c.nginxWsUrl]);
  const ts = typists(doc, placement, { seed: 11, rustpadEvery: 3 });
  try {
    let typing = true;
    const typed = Promise.all(ts.map((ty) => ty.typeWhile(() => typing)));
    await sleep(2500);
    typing = false;
    await typed;
    const { tokens } = await assertConverged(ts, c, doc);
    const stored = assertStoredLog(c.schema.url, doc);
    assert.ok(ts.every((ty) => ty.connects === 1), "nobody was disconnected");
    const ids = new Set(ts.map((ty) => ty.identity));
    assert.equal(ids.size, ts.length, "user ids are unique across instances");
    const owner = await c.ownerIndex(doc);
    assert.ok(owner >= 0, "the admin API names the owner");
    for (let k = 0; k < 3; k++) {
      const room = await c.room(k, doc);
      assert.equal(room.owner, `i${owner}`, `instance i${k} names the same owner`);
      assert.equal(room.owned_here, k === owner);
    }
    const h = await c.health(owner);
    assert.equal(h.instance, `i${owner}`);
    assert.equal(h.cluster.documents_owned, 1);
    assert.ok(h.cluster.lease_renewals >= 1 || h.cluster.leases_held === 1);
    const other = (owner + 1) % 3;
    const m = JSON.parse((await httpGet(c.url(other), "/api/metrics?format=json")).body);
    assert.equal(m.cluster.documents_relayed, 1, "a relaying instance counts the document as relayed");
    const prom = (await httpGet(c.url(owner), "/api/metrics")).body;
    assert.match(prom, /kolabpad_cluster_documents_owned\{instance="i\d"\} 1/);
    t.diagnostic(`${tokens} tokens in ${stored} edits by ${ts.length} typists on 3 instances + nginx; owner i${owner}`);
  } finally {
    await Promise.all(ts.map((ty) => ty.stop()));
  }
});

test("presence (UserInfo, UserCursor), language, OTP and Signal cross instances", async () => {
  const doc = docId("presence");
  const [a, idA] = await join(c.wsUrl(0), doc);
  const [b, idB] = await join(c.wsUrl(1), doc);
  const [d, idD] = await join(c.wsUrl(2), doc);
  try {
    a.send({ ClientInfo: { name: "Ada", hue: 120 } });
    for (const x of [b, d]) await x.recvUntil((f) => f.UserInfo?.id === idA && f.UserInfo.info?.name === "Ada");
    a.send({ Edit: { revision: 0, operation: ["hello world"], client: "ca", seq: 1 } });
    for (const x of [a, b, d]) await x.recvUntil((f) => f.History);
    a.send({ CursorData: { cursors: [5], selections: [[0, 5]] } });
    for (const x of [b, d]) await x.recvUntil((f) => f.UserCursor?.id === idA && f.UserCursor.data.cursors[0] === 5);
    b.send({ SetLanguage: "rust" });
    for (const x of [a, b, d]) {
      await x.recvUntil((f) => f.Language === "rust");
      await x.recvUntil((f) => f.LanguageBy === idB);
    }
    d.send({ Signal: { to: idA, data: { offer: "sdp 🎥" } } });
    await a.recvUntil((f) => f.Signal?.from === idD && f.Signal.data.offer === "sdp 🎥");
    await b.expectNoFrame(200);  // a Signal reaches its addressee only
    a.send({ SetOTP: true });
    const otps = await Promise.all([b, d].map((x) => x.recvUntil((f) => f.OTP)));
    const token = otps[0].OTP.otp;
    assert.ok(token && otps.every((f) => f.OTP.otp === token && f.OTP.user_id === idA && f.OTP.user_name === "Ada"));
    for (let k = 0; k < 3; k++) {
      assert.equal((await httpGet(c.url(k), `/api/text/${doc}`)).status, 401, `i${k} refuses /api/text without the OTP`);
      assert.equal(await getText(c.url(k), doc, token), "hello world");
    }
    // A newcomer on any instance gets everyone's presence in its connect sequence.
    const [late] = await join(c.wsUrl(1), doc, { otp: token });
    await late.recvUntil((f) => f.UserInfo?.id === idA && f.UserInfo.info?.name === "Ada");
    await late.recvUntil((f) => f.UserCursor?.id === idA);
    await a.close();
    for (const x of [b, d, late]) await x.recvUntil((f) => f.UserInfo?.id === idA && f.UserInfo.info === null);
    await late.close();
  } finally {
    for (const x of [a, b, d]) await x.close().catch(() => {});
  }
});

test("a new read-only link closes the old link's viewers on every instance, and the owner knows each remote viewer's access", async () => {
  const doc = docId("viewlink");
  const [ed] = await join(c.wsUrl(0), doc);
  const owner = await c.waitOwner(doc);
  ed.send({ CreateViewLink: null });
  const first = (await ed.recvUntil((f) => f.ViewLink)).ViewLink.token;
  const viewers = [];
  for (let k = 0; k < 3; k++) viewers.push((await joinWith(socketUrl(c.wsUrl(k), doc, { view: first })))[0]);
  try {
    const res = await fetch(`${c.url(owner)}/api/rooms/${doc}/users`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const users = (await res.json()).users;
    assert.deepEqual(users.map((u) => [u.role, u.access]).sort(), [["edit", "open"], ["view", "view_link"], ["view", "view_link"], ["view", "view_link"]]);
    ed.send({ CreateViewLink: null });
    const second = (await ed.recvUntil((f) => f.ViewLink)).ViewLink.token;
    assert.notEqual(second, first);
    for (const [k, v] of viewers.entries()) {
      assert.equal((await v.recvUntil((f) => f.Error)).Error.code, "view_link_revoked", `the viewer on i${k} is told`);
      assert.equal((await v.waitClosed()).code, 4002, `the viewer on i${k} is closed`);
    }
    assert.equal(ed.closed, null, "the editor stays");
    for (let k = 0; k < 3; k++) assert.equal((await refusal(socketUrl(c.wsUrl(k), doc, { view: first }))).status, 401, `i${k} refuses the old link`);
  } finally {
    for (const v of viewers) await v.close();
    await ed.close();
  }
});
