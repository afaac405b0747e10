// The client state machine (synchronized / awaiting / awaiting with buffer) with a text editor.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OpSeq } from "@kolabpad/ot";
import { collab } from "./helpers/collab.mjs";

const { OtClient, CompositionGate, pickFreeHue, hueTaken, hueDistance } = collab;

const op = (json) => OpSeq.from_str(JSON.stringify(json));
// History carries the tag of a client's secret id, not the id.
const ME = collab.clientTag("me");
const OTHER = collab.clientTag("other");

/** A client over a string, recording what it sends. */
function setup(text = "") {
  const sent = [];
  const doc = { text };
  const client = new OtClient("me", {
    send: (e, revision) => sent.push({ revision, op: e.op.to_string(), client: e.client, seq: e.seq }),
    applyToEditor: (o) => { doc.text = o.apply(doc.text); },
  }, 0, text);
  const local = (json) => { const o = op(json); doc.text = o.apply(doc.text); client.local(o); };
  return { client, sent, doc, local };
}

test("walks synchronized -> awaiting -> with buffer -> awaiting -> synchronized", () => {
  const { client, sent, local } = setup("ab");
  assert.equal(client.state, "synchronized");
  local([2, "c"]);
  assert.equal(client.state, "awaiting");
  assert.deepEqual(sent, [{ revision: 0, op: '[2,"c"]', client: "me", seq: 1 }]);
  local([3, "d"]);
  local([4, "e"]);
  assert.equal(client.state, "awaiting-with-buffer");
  assert.equal(sent.length, 1, "the buffer waits for the acknowledgement");
  client.receive(0, [{ id: 1, operation: [2, "c"], client: ME, seq: 1 }], 1);
  assert.equal(client.state, "awaiting");
  assert.deepEqual(sent[1], { revision: 1, op: '[3,"de"]', client: "me", seq: 2 });
  client.receive(1, [{ id: 1, operation: [3, "de"], client: ME, seq: 2 }], 1);
  assert.equal(client.state, "synchronized");
  assert.equal(client.revision, 2);
  assert.equal(client.serverText(), "abcde");
});

test("transforms outstanding and buffered edits over a remote one", () => {
  const { client, sent, doc, local } = setup("hello");
  local([5, "!"]);         // outstanding
  local([0, ">", 6]);      // buffer
  client.receive(0, [{ id: 9, operation: [1, "E", -1, 3], client: OTHER, seq: 1 }], 1);
  assert.equal(doc.text, ">hEllo!");
  client.receive(1, [{ id: 1, operation: [5, "!"], client: ME, seq: 1 }], 1);
  assert.deepEqual(sent.at(-1), { revision: 2, op: '[">",6]', client: "me", seq: 2 });
  assert.equal(client.serverText(), "hEllo!");
});

test("an equal-position insert from the server lands after ours, as the server orders it", () => {
  const { client, doc, local } = setup("");
  local(["A"]);
  client.receive(0, [{ id: 9, operation: ["B"], client: OTHER, seq: 1 }], 1);
  // The server transforms our edit (left operand) over B: ours goes first.
  assert.equal(doc.text, "AB");
});

test("a Rejected edit is rolled back and later typing survives", () => {
  const { client, sent, doc, local } = setup("base");
  local([4, "XXXX"]);
  local([8, "y"]);
  assert.equal(doc.text, "baseXXXXy");
  assert.equal(client.rejected(1), true);
  assert.equal(doc.text, "basey");
  assert.equal(client.state, "awaiting");
  assert.deepEqual(sent.at(-1), { revision: 0, op: '[4,"y"]', client: "me", seq: 2 });
  assert.equal(client.rejected(99), false, "a stale seq changes nothing");
});

test("a rollback undoes deletions with their original text, emoji included", () => {
  const { client, doc, local } = setup("a👨‍👨‍👦‍👦b");
  local([1, -7, 1]);
  assert.equal(doc.text, "ab");
  client.rejected(1);
  assert.equal(doc.text, "a👨‍👨‍👦‍👦b");
  assert.equal(client.state, "synchronized");
});

test("maps server positions into the local text through pending edits", () => {
  const { client, local } = setup("0123456789");
  local([2, "ab", 8]);
  local([0, "🎉", 12]);
  assert.equal(client.toLocal(0), 1);
  assert.equal(client.toLocal(5), 8);
  assert.equal(client.toLocal(10), 13);
});

test("a history gap or an invalid operation raises DesyncError", () => {
  const { client } = setup("");
  assert.throws(() => client.receive(3, [{ id: 1, operation: ["x"] }], 1), collab.DesyncError);
  assert.throws(() => client.receive(0, [{ id: 1, operation: [5] }], 1), collab.DesyncError);
});

test("pending work round-trips through its saved form", () => {
  const { client, local } = setup("abc");
  local([3, "d"]);
  local([4, "e"]);
  const saved = JSON.parse(JSON.stringify(client.pending()));
  const sent = [];
  const again = new OtClient("new-page", { send: (e, r) => sent.push([e.client, e.seq, r]), applyToEditor() {} },
    saved.revision, saved.baseText);
  assert.equal(again.restore(saved), "abcde");
  again.resend();
  assert.deepEqual(sent, [["me", 1, 0]], "the outstanding edit keeps its client and seq");
  assert.equal(again.state, "awaiting-with-buffer");
});

test("an IME composition holds remote edits and rebases local ones", () => {
  let editor = "かな";
  const gate = new CompositionGate((o) => { editor = o.apply(editor); });
  gate.start();
  gate.remote(op(["X", 2]));
  assert.equal(editor, "かな", "nothing moves under the composition");
  const local = op([2, "漢"]);
  editor = local.apply(editor);
  const rebased = gate.local(local);
  assert.equal(rebased.to_string(), '[3,"漢"]');
  gate.end();
  assert.equal(editor, "Xかな漢");
});

test("picks a color far from the ones in use", () => {
  const used = [0, 120, 240];
  const h = pickFreeHue(used, () => 0.5);
  assert.ok(Math.min(...used.map((u) => hueDistance(h, u))) >= 50);
  assert.equal(hueTaken(10, used), true);
  assert.equal(hueTaken(60, used), false);
});

test("its own acknowledgement is the entry with the tag of its secret client id and its seq", () => {
  const { client, doc, local } = setup("ab");
  local([2, "c"]);
  // An entry echoing the secret itself (no server does) or another seq under our tag is someone else's edit.
  client.receive(0, [{ id: 9, operation: ["x", 2], client: "me", seq: 1 }], 1);
  client.receive(1, [{ id: 9, operation: ["y", 3], client: ME, seq: 7 }], 1);
  assert.equal(client.state, "awaiting");
  assert.equal(doc.text, "yxabc");
  client.receive(2, [{ id: 1, operation: [4, "c"], client: ME, seq: 1 }], 1);
  assert.equal(client.state, "synchronized");
  assert.equal(client.serverText(), "yxabc");
});
