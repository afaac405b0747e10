// Undo and redo of one's own edits only: the UndoManager with sessions on a scripted server
// (collaborators, lost acknowledgements, reconnects), Monaco's grouping of typing, and a
// randomized run of several users undoing and redoing at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { collab } from "./helpers/collab.mjs";
import { startScriptedServer } from "./helpers/scripted-server.mjs";
import { until } from "./helpers/text-editor.mjs";
import { openWithUndo, standalone } from "./helpers/undo-editor.mjs";

const { UndoManager, UNDO_MAX_STEPS } = collab;

/** Types `s` one character at a time from `pos`, as a person does. */
function typeAt(ed, pos, s) {
  let p = pos;
  for (const ch of s) ed.insert(p++, ch);
}

const synced = (...cs) => cs.every((c) => c.s.client.state === "synchronized");

async function pair(server, doc) {
  const a = openWithUndo(server, doc, "alice");
  const b = openWithUndo(server, doc, "bob");
  await until(() => a.s.status === "connected" && b.s.status === "connected", 5000, "connected");
  return { a, b };
}

test("an undo takes back only this user's text, never a collaborator's, and redo restores it", async (t) => {
  const server = await startScriptedServer();
  const { a, b } = await pair(server, "ab");
  t.after(() => { a.s.close(); b.s.close(); return server.close(); });
  typeAt(a.ed, 0, "alpha ");
  await until(() => b.ed.text === "alpha " && synced(a), 5000, "Alice's text at Bob");
  typeAt(b.ed, 6, "BETA");
  await until(() => a.ed.text === "alpha BETA" && synced(b), 5000, "Bob's text at Alice");
  a.undo.undo(); // " " then "alpha": Monaco's word steps
  a.undo.undo();
  await until(() => server.doc("ab").text === "BETA" && b.ed.text === "BETA", 5000, "the undo everywhere");
  assert.equal(a.ed.text, "BETA");
  assert.equal(a.undo.canUndo(), false);
  a.undo.redo();
  a.undo.redo();
  await until(() => server.doc("ab").text === "alpha BETA" && b.ed.text === "alpha BETA", 5000, "the redo");
  assert.equal(a.ed.text, "alpha BETA");
  assert.deepEqual([a.ed.violations, b.ed.violations], [[], []]);
  // Bob's undo, likewise, touches only his word.
  b.undo.undo();
  await until(() => server.doc("ab").text === "alpha " && a.ed.text === "alpha ", 5000, "Bob's undo");
});

test("an undo of a change a collaborator partly deleted removes what is left and reports nothing", async (t) => {
  const server = await startScriptedServer();
  const { a, b } = await pair(server, "partly");
  t.after(() => { a.s.close(); b.s.close(); return server.close(); });
  a.ed.insert(0, "hello world"); // a paste: one step
  await until(() => b.ed.text === "hello world" && synced(a), 5000, "paste at Bob");
  b.ed.edit(3, 5); // Bob deletes "lo wo"
  b.ed.insert(0, ">"); // and writes something of his own
  await until(() => a.ed.text === ">helrld" && synced(b), 5000, "Bob's changes at Alice");
  assert.equal(a.undo.undo(), true);
  await until(() => server.doc("partly").text === ">" && b.ed.text === ">" && synced(a), 5000, "what is left undone");
  assert.equal(a.ed.text, ">");
  // A step that others deleted wholly does nothing, sends nothing and says nothing is wrong.
  a.ed.insert(1, "gone");
  await until(() => b.ed.text === ">gone" && synced(a), 5000, "second paste");
  b.ed.edit(1, 4);
  await until(() => a.ed.text === ">" && synced(b), 5000, "deleted by Bob");
  const edits = server.edits.length;
  assert.equal(a.undo.undo(), true, "the step is taken, quietly");
  assert.equal(a.ed.text, ">");
  assert.equal(server.edits.length, edits, "nothing to send");
  assert.equal(a.undo.redo(), true);
  assert.equal(a.ed.text, ">");
  assert.deepEqual(a.ed.violations, []);
});

test("an undo re-inserts what this user deleted, beside a collaborator's later typing", async (t) => {
  const server = await startScriptedServer();
  const { a, b } = await pair(server, "reins");
  t.after(() => { a.s.close(); b.s.close(); return server.close(); });
  a.ed.insert(0, "one two three");
  await until(() => b.ed.text === "one two three" && synced(a), 5000, "text at Bob");
  a.ed.edit(4, 4); // Alice deletes "two "
  await until(() => b.ed.text === "one three" && synced(a), 5000, "deletion at Bob");
  b.ed.insert(9, "!");
  b.ed.insert(0, "[");
  await until(() => a.ed.text === "[one three!" && synced(b), 5000, "Bob's typing at Alice");
  a.undo.undo();
  await until(() => server.doc("reins").text === "[one two three!" && b.ed.text === "[one two three!", 5000, "re-inserted");
  assert.equal(a.ed.caret, 9, "the caret ends after the re-inserted text");
  assert.deepEqual(a.ed.violations, []);
});

test("the undo stack survives a lost acknowledgement and a reconnect, moved through the History received", async (t) => {
  const server = await startScriptedServer();
  const { a, b } = await pair(server, "recon");
  t.after(() => { a.s.close(); b.s.close(); return server.close(); });
  typeAt(a.ed, 0, "one");
  await until(() => b.ed.text === "one" && synced(a), 5000, "first word");
  server.dropNextAck = true; // "two" is applied, then Alice is cut off before its acknowledgement
  a.ed.insert(3, " two");
  await until(() => a.s.status !== "connected", 5000, "Alice cut off");
  b.ed.insert(0, "B: "); // while Alice is away
  a.ed.insert(7, "!"); // Alice keeps typing offline
  await until(() => a.s.status === "connected" && synced(a, b) && a.ed.text === b.ed.text, 5000, "resumed");
  assert.equal(a.ed.text, "B: one two!");
  assert.ok(server.connects.at(-1).includes("revision="), "resumed, not reloaded");
  a.undo.undo(); // "!"
  a.undo.undo(); // " two", a paste and so a step of its own
  await until(() => b.ed.text === "B: one" && server.doc("recon").text === "B: one" && synced(a), 5000,
    "undo after the reconnect");
  a.undo.redo();
  await until(() => b.ed.text === "B: one two" && synced(a), 5000, "redo after the reconnect");
  a.undo.undo();
  a.undo.undo();
  await until(() => b.ed.text === "B: " && server.doc("recon").text === "B: ", 5000, "everything of Alice's undone");
  assert.deepEqual([a.ed.violations, b.ed.violations], [[], []]);
});

test("typing undoes word by word as in Monaco: a space starts a step, the next word joins it", () => {
  const { ed, undo } = standalone("me", { now: () => 0 });
  typeAt(ed, 0, "hello world  again");
  assert.equal(undo.undoDepth, 4); // "hello", " world", "  ", "again"
  const seen = [];
  while (undo.undo()) seen.push(ed.text);
  assert.deepEqual(seen, ["hello world  ", "hello world", "hello", ""]);
  const redone = [];
  while (undo.redo()) redone.push(ed.text);
  assert.deepEqual(redone, ["hello", "hello world", "hello world  ", "hello world  again"]);
});

test("Enter, a pause, a cursor jump and a change of direction each start a new step", () => {
  let clock = 0;
  const { ed, undo } = standalone("me", { now: () => clock, groupPauseMs: 1000 });
  typeAt(ed, 0, "ab");
  typeAt(ed, 2, "\ncd"); // Enter starts a step that the next line's typing joins
  clock += 1500;
  typeAt(ed, 5, "ef"); // after a pause
  typeAt(ed, 0, "X"); // somewhere else
  ed.edit(0, 1); // a delete after typing
  ed.insert(0, "Y");
  const steps = [];
  while (undo.undo()) steps.push(ed.text);
  assert.deepEqual(steps, ["ab\ncdef", "Xab\ncdef", "ab\ncdef", "ab\ncd", "ab", ""]);
});

test("backspaces in a row are one step, split where one crosses a line; Delete keys likewise", () => {
  const { ed, undo } = standalone("me", { now: () => 0 });
  ed.insert(0, "line one\nline two"); // a paste
  for (let p = 17; p > 13; p--) ed.edit(p - 1, 1); // backspace "two"+" "... four times
  assert.equal(ed.text, "line one\nline");
  for (let k = 0; k < 5; k++) ed.edit(8, 1); // Delete at the end of line one: "\n" first, then "line"
  assert.equal(ed.text, "line one");
  const steps = [];
  while (undo.undo()) steps.push(ed.text);
  assert.deepEqual(steps, ["line one\nline", "line one\nline two", ""]);
  assert.equal(undo.undoDepth, 0);
});

test("a paste and a replace-all are one step each; the caret goes where the undone change was", () => {
  const { ed, undo } = standalone("me", { now: () => 0 });
  typeAt(ed, 0, "a-a-a");
  ed.insert(5, " pasted text");
  const replaceAll = collab.opFromJson(["b", -1, 1, "b", -1, 1, "b", -1, 12]);
  ed.change(replaceAll, ed.me);
  ed.undo.edit(replaceAll);
  assert.equal(ed.text, "b-b-b pasted text");
  undo.undo();
  assert.equal(ed.text, "a-a-a pasted text");
  assert.equal(ed.caret, 1, "after the first restored character");
  undo.undo();
  assert.equal(ed.text, "a-a-a");
  assert.equal(ed.caret, 5);
  undo.undo();
  assert.equal(ed.text, "");
  assert.equal(ed.caret, 0);
});

test("an IME composition rewriting what was just typed stays in the typing step", () => {
  const { ed, undo } = standalone("me", { now: () => 0 });
  typeAt(ed, 0, "abc ");
  ed.insert(4, "か");
  ed.edit(4, 1, "かん");
  ed.edit(4, 2, "漢");
  assert.equal(ed.text, "abc 漢");
  undo.undo();
  assert.equal(ed.text, "abc", "the space and the composed word go together");
});

test("remote edits never become steps, keep redo, and a new local edit clears redo", () => {
  const { ed, undo } = standalone("me", { now: () => 0 });
  typeAt(ed, 0, "mine");
  undo.applyRemote(collab.opFromJson([4, " theirs"]));
  assert.equal(undo.undoDepth, 1);
  undo.undo();
  assert.equal(ed.text, " theirs");
  undo.applyRemote(collab.opFromJson(["<", 7]));
  undo.redo(); // re-inserted where "<" was typed too: the transform's tie-break puts ours first
  assert.equal(ed.text, "mine< theirs");
  undo.undo();
  ed.insert(0, "x");
  assert.equal(undo.canRedo(), false);
  assert.deepEqual(ed.violations, []);
});

test("at most maxSteps steps are kept, the oldest forgotten first", () => {
  const { ed, undo } = standalone("me", { now: () => 0, maxSteps: 3 });
  for (let i = 0; i < 5; i++) ed.insert([...ed.text].length, `w${i} `); // pastes: a step each
  assert.equal(undo.undoDepth, 3);
  while (undo.undo());
  assert.equal(ed.text, "w0 w1 ");
  assert.equal(UNDO_MAX_STEPS, 500);
});

test("a whole new text (snapshot, resync) forgets every step", () => {
  const { ed, undo } = standalone("me", { now: () => 0 });
  typeAt(ed, 0, "abc");
  undo.setText("fresh");
  assert.equal(undo.canUndo(), false);
  assert.equal(undo.undo(), false);
  assert.equal(ed.text, "fresh");
  typeAt(ed, 5, "!");
  undo.undo();
  assert.equal(ed.text, "fresh");
});

test("random edits, undos and redos by three users converge, and every undo touches only its user's characters", async (t) => {
  const server = await startScriptedServer();
  const names = ["a", "b", "c"];
  const alphabets = { a: "abcdefgh", b: "ABCDEFGH", c: "12345678" };
  const cs = names.map((n) => openWithUndo(server, "rand", n, { groupPauseMs: 40 }));
  t.after(() => { for (const c of cs) c.s.close(); return server.close(); });
  await until(() => cs.every((c) => c.s.status === "connected"), 5000, "connected");
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return Math.floor((seed / 2147483648) * n); };
  let undos = 0, redos = 0;
  for (let i = 0; i < 400; i++) {
    const c = cs[rand(cs.length)];
    const len = [...c.ed.text].length;
    const r = rand(100);
    if (r < 30) {
      const ab = alphabets[c.ed.me];
      const s = Array.from({ length: 1 + rand(3) }, () => ab[rand(ab.length)]).join("");
      c.ed.insert(rand(len + 1), s);
    } else if (r < 44 && len > 0) {
      const pos = rand(len);
      c.ed.edit(pos, 1 + rand(Math.min(3, len - pos)));
    } else if (r < 66) {
      if (c.undo.undo()) undos++;
    } else if (r < 94) {
      if (c.undo.redo()) redos++;
    } else if (r < 97) {
      c.undo.stop();
    } else if (r < 98) {
      server.closeAll(1001); // everyone reconnects and resumes, undo stacks and all
    }
    if (rand(4) === 0) await new Promise((res) => setTimeout(res, rand(8)));
  }
  const done = () => cs.every((c) => c.s.status === "connected" && c.s.client.state === "synchronized"
    && c.ed.text === server.doc("rand").text);
  await until(done, 20000, "convergence");
  assert.ok(undos > 40 && redos > 15, `undos ${undos}, redos ${redos}`);
  // Finally everyone undoes everything they still can, at once, and the copies still agree.
  for (let k = 0; k < 200; k++) for (const c of cs) c.undo.undo();
  await until(done, 20000, "convergence after undoing everything");
  for (const c of cs) assert.deepEqual(c.ed.violations, [], c.ed.me);
  for (const c of cs) assert.equal(c.s.client.revision, server.doc("rand").log.length);
});

test("an undo restores a deleted \\r exactly, hidden or shown, through the LF model", async () => {
  const { LfEditor } = await import("./helpers/lf-editor.mjs");
  const ed = new LfEditor();
  ed.applyOwn = (op) => ed.applyRemote(op);
  const undo = new UndoManager(ed, { now: () => 0 });
  let doc = "a\r\nb\rc";
  undo.send = (op) => { doc = op.apply(doc); };
  ed.session = { localEdit: (op) => undo.edit(op) };
  undo.setText(doc);
  assert.equal(ed.model, "a\nb\u240dc");
  ed.edit(1, 1); // the model's "\n" stands for "\r\n": both go
  assert.equal(doc, "ab\rc");
  undo.undo();
  assert.equal(doc, "a\r\nb\rc");
  assert.equal(ed.model, "a\nb\u240dc", "the \\r\\n is hidden again");
  ed.edit(3, 1); // the shown "\r"
  assert.equal(doc, "a\r\nbc");
  undo.undo();
  assert.equal(doc, "a\r\nb\rc");
  assert.equal(ed.model, "a\nb\u240dc");
});
