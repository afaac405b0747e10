// The session's access handling against the real server binary: a token that expires mid-typing
// is replaced through getToken and the session resumes without losing an edit; a token document
// without a token asks getToken first; a revoked read-only link stops at "protected". Plus the
// claim and refusal readers the page uses.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { collab } from "./helpers/collab.mjs";
import { TextEditor, until } from "./helpers/text-editor.mjs";
import { startServer } from "../integration/lib/server.mjs";
import { claimsFor, hs256, newSecret, nowSeconds } from "../integration/lib/jwt.mjs";

const { Session, tokenClaims, accessProblem } = collab;
const SECRET = newSecret();
let server;

before(async () => {
  server = await startServer({ SQLITE_URI: ":memory:", AUTH_MODE: "mixed", AUTH_TOKEN_DOCUMENTS: "t-*",
    JWT_SECRET: SECRET, JWT_CLOCK_SKEW_SECONDS: 0 });
});
after(() => server?.stop("SIGKILL"));

/** A session on `doc` as the page builds it: isProtected reads the 401's reason. */
function open(doc, opts = {}) {
  const ed = new TextEditor();
  const statuses = [];
  const s = new Session({
    socketUrl: `${server.wsUrl}/api/socket/${doc}`,
    docId: doc,
    socket: (url) => new WebSocket(url),
    editor: ed,
    minBackoffMs: 20,
    maxBackoffMs: 200,
    ...opts,
    events: {
      status: (st) => statuses.push(st),
      async isProtected() {
        const q = s.view ? `?view=${s.view}` : "";
        const r = await fetch(`${server.url}/api/text/${doc}${q}`, { headers: s.token ? { authorization: `Bearer ${s.token}` } : {} });
        const p = accessProblem(r.status, r.status === 401 ? await r.json() : null);
        return p === "token" ? "token" : p !== null;
      },
      ...(opts.events ?? {}),
    },
  });
  ed.session = s;
  return { s, ed, statuses };
}

const text = async (doc) => (await fetch(`${server.url}/api/text/${doc}?token=${hs256(claimsFor(doc, "view"), SECRET)}`)).text();

test("tokenClaims reads a token's claims without trusting them; accessProblem reads a 401's reason", () => {
  const t = hs256({ doc: "d", role: "view", name: "Zoë 🎉", exp: 5 }, SECRET);
  assert.deepEqual(tokenClaims(t), { doc: "d", role: "view", name: "Zoë 🎉", exp: 5 });
  assert.equal(tokenClaims("nope"), null);
  assert.equal(tokenClaims("a.!!!.c"), null);
  assert.equal(accessProblem(401, { reason: "expired" }), "token");
  assert.equal(accessProblem(401, { reason: "wrong_otp" }), "otp");
  assert.equal(accessProblem(401, { reason: "wrong_view_link" }), "view_link");
  assert.equal(accessProblem(200, null), null);
});

test("a token that expires while the user types is renewed through getToken, and no edit is lost", async (t) => {
  const doc = "t-expiry";
  const asked = [];
  const a = open(doc, {
    token: hs256(claimsFor(doc, "edit", { ttl: 2 }), SECRET),
    getToken: async (reason) => {
      asked.push(reason);
      await new Promise((r) => setTimeout(r, 150));  // the embedding page takes its time
      return hs256(claimsFor(doc, "edit", { ttl: 600 }), SECRET);
    },
  });
  t.after(() => a.s.close());
  await until(() => a.s.status === "connected", 5000, "connected");
  const deadline = Date.now() + 3500;  // typing across the expiry and the reconnect
  let typed = "";
  let n = 0;
  while (Date.now() < deadline) {
    const c = String.fromCharCode(97 + (n++ % 26));
    a.ed.insert([...a.ed.text].length, c);
    typed += c;
    await new Promise((r) => setTimeout(r, 15));
  }
  assert.deepEqual(asked.slice(0, 1), ["expired"]);
  await until(() => a.s.status === "connected" && a.s.client.state === "synchronized", 8000, "resynchronized");
  assert.equal(a.ed.text, typed);
  assert.equal(await text(doc), typed, "every character typed reached the server once");
});

test("a token document without a token asks getToken before it gets in; with no token it stops at protected", async (t) => {
  const doc = "t-first";
  const asked = [];
  const a = open(doc, { getToken: async (reason) => { asked.push(reason); return hs256(claimsFor(doc, "edit"), SECRET); } });
  t.after(() => a.s.close());
  await until(() => a.s.status === "connected", 5000, "connected with the hook's token");
  assert.deepEqual(asked, ["refused"]);

  const b = open("t-none", { getToken: async () => null });
  t.after(() => b.s.close());
  await until(() => b.s.status === "protected", 5000, "protected");
  assert.equal(b.s.denied, "token");
  b.s.setToken(hs256(claimsFor("t-none", "view"), SECRET));
  await until(() => b.s.status === "connected", 5000, "connected once a token is handed over");
});

test("a session on a read-only link that a new link replaces stops at protected", async (t) => {
  const doc = "open-linked";
  const ed = open(doc, { events: { viewLink: (token) => { ed.link = token; } } });
  t.after(() => ed.s.close());
  await until(() => ed.s.status === "connected");
  ed.s.createViewLink();
  await until(() => ed.link, 3000, "ViewLink");
  const vi = open(doc, { view: ed.link });
  t.after(() => vi.s.close());
  await until(() => vi.s.status === "connected");
  ed.link = null;
  ed.s.createViewLink();
  await until(() => vi.s.status === "protected", 5000, "protected after the revocation");
  assert.equal(vi.s.denied, "view_link");
});
