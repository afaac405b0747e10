// The collaboration client's history parts against the real server binary: LiveAuthorship keeps
// "who wrote what" equal to the server's attribution while two sessions type (its own unacknowledged
// edits included), Timeline pages the session list and builds any revision's text from a diff,
// HistoryApi reports the server's error codes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { collab } from "./helpers/collab.mjs";
import { TextEditor, until } from "./helpers/text-editor.mjs";
import { ServerFixture } from "../integration/lib/server.mjs";

const { Session, HistoryApi, HistoryError, LiveAuthorship, Timeline, textOf } = collab;

let fx;
before(async () => { fx = new ServerFixture({ HISTORY_KEYFRAME_OPS: 5 }); await fx.start(); });
after(async () => { await fx?.dispose(); });

let n = 0;
const newDoc = () => `fe-history-${process.pid}-${++n}`;
const api = (doc) => new HistoryApi(doc, (url) => fetch(url), fx.url);

/** A session on `doc` with a text editor, its authorship following it. */
function open(doc, name, hue) {
  const ed = new TextEditor();
  let authorship = null;
  const s = new Session({
    socketUrl: `${fx.wsUrl}/api/socket/${doc}`, docId: doc, socket: (url) => new WebSocket(url), editor: ed,
    minBackoffMs: 20, maxBackoffMs: 200,
    events: { history: (start, entries) => authorship?.onHistory(start, entries), reset: () => authorship?.onReset() },
  });
  s.setInfo({ name, hue });
  ed.session = s;
  authorship = new LiveAuthorship(api(doc), s);
  return { s, ed, authorship };
}

const settled = (...xs) => until(() => xs.every(({ s }) => s.status === "connected" && s.client.state === "synchronized"), 10000, "settled");

test("LiveAuthorship follows both sessions' typing and equals the server's attribution", async () => {
  const doc = newDoc();
  const alice = open(doc, "Alice", 10);
  const bob = open(doc, "Bob", 250);
  await settled(alice, bob);
  alice.ed.insert(0, "hello ");
  await settled(alice, bob);
  alice.authorship.start();  // started with history already there: fetched, then followed
  await until(() => alice.authorship.ready, 5000, "the first attribution");
  for (let i = 0; i < 30; i++) {
    const who = i % 3 ? bob : alice;
    const len = [...who.ed.text].length;
    if (i % 7 === 6 && len > 2) who.ed.edit(1, 2, "é");
    else who.ed.insert(i % 2 ? len : Math.floor(len / 2), i % 5 ? "x" : "🎉");
    if (i % 4 === 0) await settled(alice, bob);
  }
  // While Alice has typing of her own in flight, it is hers already.
  alice.ed.insert(0, "A");
  const mine = alice.authorship.localRuns();
  // (Its run may be longer: it merges with Alice's text after it.)
  if (mine) assert.ok(mine[0] >= 1 && mine[1] === alice.s.myId, `the unacknowledged edit is Alice's: ${JSON.stringify(mine.slice(0, 4))}`);
  await settled(alice, bob);
  const server = await api(doc).authors();
  await until(() => JSON.stringify(alice.authorship.localRuns()) === JSON.stringify(server.attribution), 5000,
    `the live attribution equals the server's ${JSON.stringify(server.attribution)}`);
  assert.equal(server.text, alice.ed.text);
  assert.deepEqual(alice.authorship.look(bob.s.myId), { name: "Bob", hue: 250 });
  alice.authorship.stop();
  assert.equal(alice.authorship.localRuns(), null);
  alice.s.close();
  bob.s.close();
});

test("Timeline pages the sessions, steps to the head and builds each revision's text from its diff", async () => {
  const doc = newDoc();
  const alice = open(doc, "Alice", 10);
  await settled(alice);
  const texts = [""];
  for (let i = 0; i < 6; i++) {
    alice.ed.insert([...alice.ed.text].length, String(i));
    await settled(alice);
    texts.push(alice.ed.text);
    if (i === 1 || i === 3) {
      alice.s.saveVersion(`v${i}`);
      await until(async () => (await api(doc).page()).sessions.some((s) => s.version?.name === `v${i}`), 5000, "the version");
    }
  }
  const t = new Timeline(api(doc));
  await t.load(1);
  assert.equal(t.head, 6);
  assert.equal(t.sessions.length, 1);
  while (t.hasMore) await t.more(1);
  assert.deepEqual(t.sessions.map((s) => [s.start, s.end, s.version?.name ?? null]), [[4, 6, null], [2, 4, "v3"], [0, 2, "v1"]]);
  assert.equal(t.sessionOf(3).end, 4);
  for (let r = 0; r <= 6; r++) {
    const v = await t.view(r);
    assert.equal(v.text, texts[r], `revision ${r}`);
    assert.equal(v.since, Math.max(0, r - 1));
    assert.equal(textOf(v.spans), texts[r]);
    if (r > 0) assert.deepEqual(v.spans.filter((x) => x.kind === "inserted").map((x) => x.text), [String(r - 1)]);
  }
  assert.equal((await t.view(6, 2)).spans.filter((x) => x.kind === "inserted").map((x) => x.text).join(""), "2345");
  const steps = [];
  for (let r = 0; r !== null; r = t.next(r)) steps.push(r);
  assert.deepEqual(steps, [0, 1, 2, 3, 4, 5, 6]);
  alice.s.close();
});

test("HistoryApi reports the server's error codes, and restores go through the session", async () => {
  const doc = newDoc();
  const alice = open(doc, "Alice", 10);
  const refused = [];
  await settled(alice);
  alice.ed.insert(0, "one");
  await settled(alice);
  alice.ed.insert(3, " two");
  await settled(alice);
  await assert.rejects(api(doc).text(9), (e) => e instanceof HistoryError && e.code === "not_found" && e.status === 404);
  await assert.rejects(api(doc).diff(2, 1), (e) => e.code === "bad_request");
  assert.equal(await api(doc).text(1), "one");
  // A restore is no acknowledgement of anything: the session keeps working and converges.
  alice.s.restore(1);
  await until(() => alice.ed.text === "one", 5000, "the restore");
  alice.ed.insert(3, "!");
  await settled(alice);
  assert.equal(await api(doc).text(4), "one!");
  assert.deepEqual(refused, []);
  alice.s.close();
});
