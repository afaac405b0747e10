// The save indicator's state from a session against the scripted server: saving until the
// acknowledgement, the count of edits waiting while disconnected, saved once acknowledged.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { collab } from "./helpers/collab.mjs";
import { startScriptedServer } from "./helpers/scripted-server.mjs";
import { TextEditor, until } from "./helpers/text-editor.mjs";

const { Session } = collab;

function open(server, doc, extra = {}) {
  const ed = new TextEditor();
  const states = [];
  const s = new Session({
    socketUrl: `${server.url}/api/socket/${doc}`,
    docId: doc,
    socket: (url) => new WebSocket(url),
    editor: ed,
    minBackoffMs: 20,
    maxBackoffMs: 200,
    ...extra,
    events: { saveState: (st) => states.push(st) },
  });
  ed.session = s;
  return { s, ed, states };
}

test("an edit is saving until its acknowledgement arrives, even across a lost acknowledgement", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "ack");
  t.after(() => { a.s.close(); return server.close(); });
  await until(() => a.s.status === "connected");
  assert.deepEqual(a.s.saveState(), { state: "saved", waiting: 0 });
  server.dropNextAck = true; // stored by the server, but the acknowledgement never reaches us
  a.ed.insert(0, "x");
  assert.deepEqual(a.states.at(-1), { state: "saving", waiting: 1 });
  await until(() => server.doc("ack").text === "x", 5000, "stored");
  assert.notEqual(a.s.saveState().state, "saved", "stored is not acknowledged");
  await until(() => a.s.saveState().state === "saved", 5000, "acknowledged after the resend");
  assert.deepEqual(a.states.at(-1), { state: "saved", waiting: 0 });
});

test("while disconnected the state counts the edits that wait, and they count down as they are acknowledged", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "wait", { minBackoffMs: 400, maxBackoffMs: 400 });
  t.after(() => { a.s.close(); return server.close(); });
  await until(() => a.s.status === "connected");
  a.s.dropConnection();
  await until(() => a.s.status !== "connected", 2000, "disconnected");
  for (const [i, ch] of [..."abc"].entries()) a.ed.insert(i, ch);
  assert.deepEqual(a.s.saveState(), { state: "waiting", waiting: 3 });
  assert.deepEqual(a.states.at(-1), { state: "waiting", waiting: 3 });
  await until(() => a.s.status === "connected", 5000, "reconnected");
  const seen = [];
  await until(() => { seen.push(a.s.saveState().waiting); return a.s.saveState().state === "saved"; }, 5000, "saved");
  assert.equal(server.doc("wait").text, "abc");
  assert.ok(seen.every((n) => n <= 3), String(seen));
});

test("a rejected edit no longer counts; typing made meanwhile still does", async (t) => {
  const server = await startScriptedServer();
  const a = open(server, "rej");
  t.after(() => { a.s.close(); return server.close(); });
  await until(() => a.s.status === "connected");
  server.rejectNext = { code: "document_too_large", message: "too large" };
  a.ed.insert(0, "big");
  a.ed.insert(3, "1");
  a.ed.insert(4, "2");
  assert.equal(a.s.saveState().waiting, 3);
  await until(() => a.s.saveState().state === "saved", 5000, "the rest acknowledged");
  assert.equal(server.doc("rej").text, "12");
  assert.ok(a.states.some((st) => st.state === "saving" && st.waiting === 2), JSON.stringify(a.states));
});
