// Read-only links on the real binary: CreateViewLink answers the asker alone; ?view= opens a
// read-only session (also past an OTP) that sees live edits and cursors and whose changes are
// Rejected; a new link makes the old one 401 and closes its sessions; links survive a restart;
// a wrong link is refused without loading the document.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ServerFixture } from "./lib/server.mjs";
import { docId, join, socketUrl } from "./lib/client.mjs";
import { http, inMemory, joinWith, metrics, refusal } from "./lib/access.mjs";

const ADMIN = "admin-token-for-view-links";
let fx;

before(async () => {
  fx = new ServerFixture({ ADMIN_TOKEN: ADMIN });
  await fx.start();
});
after(() => fx?.dispose());

async function link(editor) {
  editor.send({ CreateViewLink: null });
  const f = await editor.recvUntil((m) => m.ViewLink);
  assert.match(f.ViewLink.token, /^[A-Za-z0-9_-]{24}$/);
  return f.ViewLink.token;
}

test("a read-only link goes to the asker alone; its viewer sees edits and cursors and cannot change anything", async () => {
  const doc = docId("view");
  const [ed, edId] = await join(fx.wsUrl, doc);
  const [other] = await join(fx.wsUrl, doc);
  ed.send({ Edit: { revision: 0, operation: ["shared text"] } });
  await ed.recvEntries(0, 1);
  const token = await link(ed);
  await other.recvEntries(0, 1);
  await other.expectNoFrame(300);  // the link went to the asker alone
  const [vi, viId] = await joinWith(socketUrl(fx.wsUrl, doc, { view: token }));
  await vi.recvEntries(0, 1);
  ed.send({ ClientInfo: { name: "Ed", hue: 10 } });
  ed.send({ CursorData: { cursors: [3], selections: [[1, 3]] } });
  ed.send({ Edit: { revision: 1, operation: [11, "!"] } });
  const cursor = await vi.recvUntil((f) => f.UserCursor && f.UserCursor.id === edId);
  assert.deepEqual(cursor.UserCursor.data.selections, [[1, 3]]);
  const [live] = await vi.recvEntries(1, 1);
  assert.equal(live.id, edId);
  // Its changes: Rejected, nothing logged, the others see nothing.
  await other.recvUntil((f) => f.UserCursor);
  await other.recvEntries(1, 1);
  vi.send({ Edit: { revision: 2, operation: [12, "?"], client: "vi", seq: 3 } });
  assert.deepEqual((await vi.recvUntil((f) => f.Rejected)).Rejected,
    { seq: 3, code: "read_only", message: "this connection is read-only" });
  for (const msg of [{ SetLanguage: "rust" }, { SetOTP: true }, { CreateViewLink: null }]) {
    vi.send(msg);
    assert.equal((await vi.recvUntil((f) => f.Rejected)).Rejected.code, "read_only");
  }
  await other.expectNoFrame(300);
  // It may still say who and where it is.
  vi.send({ ClientInfo: { name: "Viewer", hue: 200 } });
  vi.send({ CursorData: { cursors: [5], selections: [] } });
  assert.equal((await other.recvUntil((f) => f.UserInfo && f.UserInfo.id === viId)).UserInfo.info.name, "Viewer");
  await other.recvUntil((f) => f.UserCursor && f.UserCursor.id === viId);
  assert.equal((await http(fx.url, "GET", `/api/text/${doc}?view=${token}`)).body, "shared text!");
  const users = (await http(fx.url, "GET", `/api/rooms/${doc}/users`, { headers: { authorization: `Bearer ${ADMIN}` } })).json.users;
  assert.deepEqual(users.map((u) => [u.role, u.access]).sort(), [["edit", "open"], ["edit", "open"], ["view", "view_link"]]);
  for (const c of [ed, other, vi]) await c.close();
});

test("a read-only link opens an OTP-protected document read-only, without the OTP", async () => {
  const doc = docId("view-otp");
  const [ed] = await join(fx.wsUrl, doc);
  ed.send({ SetOTP: true });
  const otp = (await ed.recvUntil((f) => f.OTP)).OTP.otp;
  const token = await link(ed);
  assert.equal((await refusal(socketUrl(fx.wsUrl, doc))).status, 401);
  const [vi] = await joinWith(socketUrl(fx.wsUrl, doc, { view: token }));
  vi.send({ Edit: { revision: 0, operation: ["x"] } });
  assert.equal((await vi.recvUntil((f) => f.Rejected)).Rejected.code, "read_only");
  assert.equal((await http(fx.url, "GET", `/api/text/${doc}?view=${token}`)).status, 200);
  assert.equal((await http(fx.url, "GET", `/api/text/${doc}?otp=${otp}`)).status, 200);
  await ed.close();
  await vi.close();
});

test("a new link revokes the old one: 401 for new connections, Error view_link_revoked and 4002 for live ones", async () => {
  const doc = docId("revoke");
  const [ed] = await join(fx.wsUrl, doc);
  const first = await link(ed);
  const [old] = await joinWith(socketUrl(fx.wsUrl, doc, { view: first }));
  const second = await link(ed);
  assert.notEqual(second, first);
  assert.equal((await old.recvUntil((f) => f.Error)).Error.code, "view_link_revoked");
  assert.equal((await old.waitClosed()).code, 4002);
  const r = await refusal(socketUrl(fx.wsUrl, doc, { view: first }));
  assert.equal(r.status, 401);
  assert.equal(r.body.reason, "wrong_view_link");
  assert.equal(ed.closed, null, "the editor stays");
  const [fresh] = await joinWith(socketUrl(fx.wsUrl, doc, { view: second }));
  await fresh.close();
  await ed.close();
});

test("links survive a restart and are checked from storage without loading the document", async () => {
  const doc = docId("cold");
  const [ed] = await join(fx.wsUrl, doc);
  ed.send({ Edit: { revision: 0, operation: ["kept"] } });
  await ed.recvEntries(0, 1);
  const token = await link(ed);
  await ed.close();
  await fx.restart();
  const loadsBefore = (await metrics(fx.url)).document_loads;
  const wrong = await refusal(socketUrl(fx.wsUrl, doc, { view: token.slice(0, -1) + (token.endsWith("A") ? "B" : "A") }));
  assert.equal(wrong.status, 401);
  assert.equal((await http(fx.url, "GET", `/api/text/${doc}?view=nope`)).status, 401);
  assert.equal(await inMemory(fx.url, ADMIN, doc), false);
  assert.equal((await metrics(fx.url)).document_loads, loadsBefore);
  assert.ok((await metrics(fx.url)).auth_failures.wrong_view_link >= 2);
  const [vi] = await joinWith(socketUrl(fx.wsUrl, doc, { view: token }));
  assert.deepEqual((await vi.recvEntries(0, 1))[0].operation, ["kept"]);
  await vi.close();
});

test("CreateViewLink takes only null", async () => {
  const doc = docId("bad-link");
  const [ed] = await join(fx.wsUrl, doc);
  ed.send({ CreateViewLink: true });
  assert.equal((await ed.recvUntil((f) => f.Error)).Error.code, "bad_message");
  await ed.waitClosed();
});
