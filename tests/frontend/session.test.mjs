// The session against a scripted WebSocket server: acknowledgements, reconnects, lost acks,
// rejections, protection, page reloads, cursors and convergence.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { collab } from "./helpers/collab.mjs";
import { startScriptedServer, clientTag } from "./helpers/scripted-server.mjs";
import { MemoryStorage, TextEditor, until } from "./helpers/text-editor.mjs";

const { Session } = collab;

/** A session on `doc` of `server` with a text editor; returns { s, ed, notices, statuses }. */
function open(server, doc, extra = {}) {
  const ed = new TextEditor();
  const notices = [];
  const statuses = [];
  const s = new Session({
    socketUrl: `${server.url}/api/socket/${doc}`,
    docId: doc,
    socket: (url) => new WebSocket(url),
    editor: ed,
    minBackoffMs: 20,
    maxBackoffMs: 200,
    ...extra,
    events: {
      notice: (kind, text) => notices.push({ kind, text }),
      status: (st) => statuses.push(st),
      isProtected: async () => (await fetch(`${server.httpUrl}/api/text/${doc}`)).status === 401,
      ...(extra.events ?? {}),
    },
  });
  ed.session = s;
  return { s, ed, notices, statuses };
}

test("sends every edit with its client and an increasing seq, and reaches synchronized", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "seq");
  t.after(() => { a.s.close(); return server.close(); });
  await until(() => a.s.status === "connected");
  a.ed.insert(0, "h");
  a.ed.insert(1, "i");
  a.ed.insert(2, "🎉");
  await until(() => a.s.client.state === "synchronized" && a.s.client.revision === 2, 3000, "acks");
  assert.equal(server.doc("seq").text, "hi🎉");
  const edits = server.edits.map((e) => e.edit);
  assert.deepEqual(edits.map((e) => e.seq), [1, 2]);
  assert.ok(edits.every((e) => e.client === edits[0].client && e.client.length > 0));
  assert.deepEqual(edits[1].operation, [1, "i🎉"], "typing during the wait is buffered into one edit");
});

test("two sessions converge on concurrent edits with emoji and ZWJ sequences", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "conv");
  const b = open(server, "conv");
  t.after(() => { a.s.close(); b.s.close(); return server.close(); });
  await until(() => a.s.status === "connected" && b.s.status === "connected");
  let seed = 3;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pieces = ["x", "👨‍👨‍👦‍👦", "🎉", "𠀋", "\n", "é"];
  for (let i = 0; i < 150; i++) {
    for (const c of [a, b]) {
      const n = [...c.ed.text].length;
      if (n > 4 && rand(3) === 0) c.ed.edit(rand(n - 1), 1);
      else c.ed.insert(rand(n + 1), pieces[rand(pieces.length)]);
    }
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  const done = () => [a, b].every((c) => c.s.client.state === "synchronized")
    && a.ed.text === b.ed.text && a.ed.text === server.doc("conv").text;
  await until(done, 10000, "convergence");
  assert.equal(a.s.client.revision, server.doc("conv").log.length);
  const late = open(server, "conv"); // a late joiner loads the long History in one go
  t.after(() => late.s.close());
  await until(() => late.ed.text === a.ed.text, 5000, "late joiner");
  assert.equal(late.ed.remoteOps, 0, "one setText, not hundreds of editor edits");
});

test("reconnects after a shutdown close and resumes with ?revision=, resending the unacked edit", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "resume");
  t.after(() => { a.s.close(); return server.close(); });
  await until(() => a.s.status === "connected");
  a.ed.insert(0, "one ");
  await until(() => a.s.client.state === "synchronized");
  server.rejectNext = null;
  // Close everything the moment the next edit is in flight: it is never answered.
  server.dropNextAck = false;
  server.closeAll(1001);
  a.ed.insert(4, "two");
  await until(() => a.s.status === "reconnecting", 2000, "reconnecting");
  await until(() => a.s.status === "connected" && a.s.client.state === "synchronized", 5000, "resync");
  assert.ok(server.connects.at(-1).includes("revision=1"), server.connects.at(-1));
  assert.equal(server.doc("resume").text, "one two");
  assert.equal(a.ed.text, "one two");
});

test("a lost acknowledgement is resent with the same client and seq and applied once", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "lostack");
  const b = open(server, "lostack");
  t.after(() => { a.s.close(); b.s.close(); return server.close(); });
  await until(() => a.s.status === "connected" && b.s.status === "connected");
  server.dropNextAck = true; // applied, then the sender is cut off before its ack
  a.ed.insert(0, "once");
  await until(() => server.edits.length >= 2, 5000, "the resend");
  await until(() => a.s.client.state === "synchronized" && b.ed.text === "once", 5000, "ack");
  const [first, again] = server.edits.map((e) => e.edit);
  assert.equal(again.client, first.client);
  assert.equal(again.seq, first.seq);
  assert.equal(server.doc("lostack").text, "once");
  assert.equal(a.ed.text, "once");
  assert.equal(server.doc("lostack").log.length, 1);
});

test("an acknowledgement that never comes is reported after ackTimeoutMs, and reconnecting gets the edit acknowledged exactly once", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "noack", { ackTimeoutMs: 400 });
  const b = open(server, "noack");
  t.after(() => { a.s.close(); b.s.close(); return server.close(); });
  await until(() => a.s.status === "connected" && b.s.status === "connected");
  a.ed.insert(0, "typed ");
  await until(() => a.s.client.state === "synchronized", 3000, "first ack");
  server.withholdNextAck = true; // sequenced and stored, but nobody is told: the connection stays open
  a.ed.insert(6, "unsaved?");
  await until(() => server.doc("noack").text === "typed unsaved?", 3000, "the edit sequenced");
  assert.equal(a.s.client.state, "awaiting");
  await until(() => a.notices.some((n) => /not confirmed/.test(n.text)), 3000, "the user is told");
  await until(() => a.s.client.state === "synchronized" && server.connects.length === 3, 5000, "reconnected and acknowledged");
  // The resumed History may already carry the withheld entry (then it is the acknowledgement and
  // nothing is resent); a resend, if any, must be the same edit.
  const [, withheld, ...resent] = server.edits.map((e) => e.edit);
  for (const r of resent) assert.deepEqual([r.client, r.seq], [withheld.client, withheld.seq], "resent as the same edit");
  assert.equal(server.doc("noack").text, "typed unsaved?", "applied exactly once");
  assert.equal(a.ed.text, "typed unsaved?");
  assert.equal(server.doc("noack").log.length, 2);
  await until(() => b.ed.text === "typed " || b.ed.text === "typed unsaved?", 1000, "b");
});

test("an edit acknowledged within ackTimeoutMs raises no notice and keeps the connection", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "quickack", { ackTimeoutMs: 300 });
  t.after(() => { a.s.close(); return server.close(); });
  await until(() => a.s.status === "connected");
  for (const ch of "abc") {
    a.ed.insert(a.ed.text.length, ch);
    await until(() => a.s.client.state === "synchronized", 3000, "ack");
  }
  await new Promise((r) => setTimeout(r, 600));
  assert.deepEqual(a.notices, []);
  assert.equal(server.connects.length, 1);
});

test("History carries the tag of the session's secret client id, and acks are recognized by it", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "tagged", { clientId: "page-secret-1" });
  t.after(() => { a.s.close(); return server.close(); });
  await until(() => a.s.status === "connected");
  a.ed.insert(0, "x");
  await until(() => a.s.client.state === "synchronized", 3000, "ack");
  assert.equal(server.edits[0].edit.client, "page-secret-1");
  assert.equal(server.doc("tagged").log[0].client, clientTag("page-secret-1"));
  assert.equal(collab.clientTag("page-secret-1"), clientTag("page-secret-1"));
  // Known vectors (node's crypto): base64url of SHA-256, first 22 characters.
  assert.equal(collab.clientTag("tab-1f3a"), "FN6rbX3ub70vGX1dfLfBVq");
  assert.equal(collab.clientTag("hé🎉"), "5Zxu6233mkHIXvFBjWaCbO");
  assert.equal(collab.clientTag(""), "47DEQpj8HBSa-_TImW-5JC");
});

test("a Rejected edit is undone, reported, and the connection stays", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "rej");
  t.after(() => { a.s.close(); return server.close(); });
  await until(() => a.s.status === "connected");
  a.ed.insert(0, "keep ");
  await until(() => a.s.client.state === "synchronized");
  server.rejectNext = { code: "document_too_large", message: "the document would exceed 256 KiB" };
  a.ed.insert(5, "huge paste");
  await until(() => a.notices.length === 1, 3000, "notice");
  assert.equal(a.ed.text, "keep ");
  assert.match(a.notices[0].text, /256 KiB/);
  await until(() => a.s.client.state === "synchronized", 3000, "rolled back to the server's state");
  a.ed.insert(5, "more");
  await until(() => server.doc("rej").text === "keep more", 3000, "next edit");
  assert.equal(server.connects.length, 1, "no reconnect");
});

test("a protected document without the token stops at 'protected', without a reconnect loop", async (t) => {
  const server = await startScriptedServer();
  server.protect("secret", "k3J9");
  const a = open(server, "secret");
  t.after(() => { a.s.close(); return server.close(); });
  await until(() => a.s.status === "protected", 3000, "protected");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(server.connects.length, 0);
  assert.equal(a.s.status, "protected");
  const b = open(server, "secret", { otp: "k3J9" });
  t.after(() => b.s.close());
  await until(() => b.s.status === "connected", 3000, "with the token");
});

test("unacknowledged edits survive a page reload and are resent as the same edit", async (t) => {
  const server = await startScriptedServer();
  const storage = new MemoryStorage();
  const a = open(server, "reload", { storage });
  await until(() => a.s.status === "connected");
  a.ed.insert(0, "saved ");
  await until(() => a.s.client.state === "synchronized");
  server.dropNextAck = true;
  a.ed.insert(6, "draft");
  await until(() => server.edits.length === 2);
  a.s.close(); // the page goes away before its ack arrives
  a.ed.insert(11, "!"); // ignored: the page is gone
  const b = open(server, "reload", { storage });
  t.after(() => { b.s.close(); return server.close(); });
  assert.equal(b.ed.text, "saved draft", "restored before the connection opens");
  await until(() => b.s.client.state === "synchronized" && server.edits.length === 3, 5000, "resend");
  assert.equal(server.edits[2].edit.client, server.edits[1].edit.client);
  assert.equal(server.edits[2].edit.seq, server.edits[1].edit.seq);
  assert.equal(server.doc("reload").text, "saved draft");
  assert.equal(b.ed.text, "saved draft");
  await until(() => storage.length === 0, 3000, "nothing left to recover once acknowledged");
});

test("remote cursors move through every operation and through local pending edits", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "cur");
  const b = open(server, "cur");
  t.after(() => { a.s.close(); b.s.close(); return server.close(); });
  await until(() => a.s.status === "connected" && b.s.status === "connected");
  a.ed.insert(0, "👨‍👨‍👦‍👦 hello");
  await until(() => b.ed.text === "👨‍👨‍👦‍👦 hello");
  a.s.setCursor({ cursors: [9], selections: [[8, 13]] });
  await until(() => b.s.cursors.get(a.s.myId)?.cursors[0] === 9, 3000, "cursor");
  b.ed.insert(0, ">>"); // b's own edit: shown shifted at once, then for real after the ack
  assert.deepEqual(b.s.cursorsLocal().get(a.s.myId), { cursors: [11], selections: [[10, 15]] });
  await until(() => b.s.client.state === "synchronized");
  a.ed.insert(0, "🎉");
  await until(() => b.ed.text.startsWith("🎉>>"));
  assert.deepEqual(b.s.cursorsLocal().get(a.s.myId), { cursors: [12], selections: [[11, 16]] });
});

test("language changes carry who made them", async (t) => {
  const server = await startScriptedServer();
  const seen = [];
  const a = open(server, "lang");
  const b = open(server, "lang", { events: { language: (l, by) => seen.push([l, by]) } });
  t.after(() => { a.s.close(); b.s.close(); return server.close(); });
  await until(() => a.s.status === "connected" && b.s.status === "connected");
  a.s.setLanguage("python");
  await until(() => seen.length === 2);
  assert.deepEqual(seen, [["python", null], ["python", a.s.myId]]);
});

test("a Snapshot on connect loads the text and the History after it", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "snap");
  await until(() => a.s.status === "connected");
  for (const w of ["one ", "two ", "three"]) a.ed.insert([...a.ed.text].length, w);
  await until(() => a.s.client.revision === 2 && a.s.client.state === "synchronized", 3000, "acks");
  a.s.close();
  server.keptFrom = 1; // "one " is compacted into a snapshot
  const b = open(server, "snap");
  t.after(() => { b.s.close(); return server.close(); });
  await until(() => b.ed.text === "one two three", 3000, "loaded");
  assert.equal(b.s.client.revision, 2);
  b.ed.insert(0, "> ");
  await until(() => server.doc("snap").text === "> one two three", 3000, "edit after snapshot");
});
