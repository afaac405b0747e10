// Remote "\r" in an LF-only editor: the document keeps every "\r", the model shows it by the
// rule of LfView, and local edits near it become operations at the right code points.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { OpSeq } from "@kolabpad/ot";
import { collab } from "./helpers/collab.mjs";
import { startScriptedServer } from "./helpers/scripted-server.mjs";
import { TextEditor, until } from "./helpers/text-editor.mjs";
import { LfEditor, expectedModel, toLf } from "./helpers/lf-editor.mjs";

const { Session, LfView, renderLf } = collab;
const CR = "\u240d";
const FAMILY = "👨‍👨‍👦‍👦";

/** A session on `doc` with `ed` as its editor. */
function open(server, doc, ed) {
  const s = new Session({
    socketUrl: `${server.url}/api/socket/${doc}`, docId: doc, socket: (url) => new WebSocket(url),
    editor: ed, minBackoffMs: 20, maxBackoffMs: 200,
  });
  ed.session = s;
  return s;
}

/** Checks the view against brute force: the model text and every position both ways. */
function checkView(view, doc, model) {
  assert.equal(model, expectedModel(doc, view.hiddenCrs()), "model follows the rule");
  const cps = [...doc];
  for (const h of view.hiddenCrs()) assert.equal(cps[h] + cps[h + 1], "\r\n", `hidden CR at ${h}`);
  assert.equal(view.length, cps.length);
  assert.equal(view.modelLength, model.length);
  const hidden = new Set(view.hiddenCrs());
  let off = 0;
  for (let p = 0; p <= cps.length; p++) {
    assert.equal(view.toModel(p), off, `doc ${p} -> model`);
    if (!(p > 0 && hidden.has(p - 1))) assert.equal(view.toDoc(off), p, `model ${off} -> doc`);
    if (p < cps.length && !hidden.has(p)) off += cps[p] === "\r" ? 1 : cps[p].length;
  }
}

test("renders \\r\\n as one line break and a lone \\r as ␍, with astral characters around", () => {
  const doc = `🎉\r\n${FAMILY}\r😀\r\r\n\n${CR}x\r`;
  const r = renderLf(doc);
  assert.equal(r.model, `🎉\n${FAMILY}${CR}😀${CR}\n\n${CR}x${CR}`);
  assert.deepEqual(r.hidden, [1, 13]);
  const view = new LfView();
  assert.equal(view.reset(doc), r.model);
  checkView(view, doc, r.model);
});

test("remote operations that split, join and cut \\r\\n pairs keep the model exact", () => {
  let seed = 7;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pieces = ["\r", "\n", "\r\n", "🎉", "x", CR, FAMILY, "\r\n\r", "é"];
  for (let round = 0; round < 40; round++) {
    const view = new LfView();
    let doc = "";
    let model = view.reset(doc);
    for (let i = 0; i < 60; i++) {
      const n = [...doc].length;
      const op = OpSeq.new();
      let at = 0;
      for (let k = rand(3) + 1; k > 0 && at <= n; k--) { // a few spans per operation
        const p = at + rand(n - at + 1);
        op.retain(p - at);
        if (rand(3)) op.insert(Array.from({ length: rand(3) + 1 }, () => pieces[rand(pieces.length)]).join(""));
        const del = Math.min(n - p, rand(3));
        op.delete(del);
        at = p + del;
        if (at < n) { op.retain(1); at++; }
      }
      op.retain(n - at);
      const changes = view.remote(op);
      for (let c = changes.length - 1; c >= 0; c--) {
        const ch = changes[c];
        assert.ok(!ch.text.includes("\r"), "nothing for Monaco to rewrite");
        model = model.slice(0, ch.offset) + ch.text + model.slice(ch.offset + ch.length);
      }
      doc = op.apply(doc);
      checkView(view, doc, model);
      if (rand(2)) { // and a local change in the model, as the user would make it
        const off = rand(model.length + 1);
        const len = Math.min(model.length - off, rand(3));
        const ins = toLf(pieces[rand(pieces.length)]);
        if (/[\udc00-\udfff]/.test(model[off] ?? "") || /[\udc00-\udfff]/.test(model[off + len] ?? "")) continue;
        const local = view.local([{ offset: off, length: len, text: ins }]);
        model = model.slice(0, off) + ins + model.slice(off + len);
        doc = local.apply(doc);
        assert.notEqual(doc, undefined, "the local operation fits the document");
        checkView(view, doc, model);
      }
    }
  }
});

test("a remote insert of \\r\\n and a lone \\r keeps the client's document equal to the server's", async (t) => {
  const server = await startScriptedServer();
  const raw = new TextEditor(); // stands for a client that sends "\r" (a script, Rustpad, Windows)
  const lf = new LfEditor();
  const a = open(server, "crs", raw);
  const b = open(server, "crs", lf);
  t.after(() => { a.close(); b.close(); return server.close(); });
  await until(() => a.status === "connected" && b.status === "connected");
  raw.insert(0, "a🎉\r\nb\r😀c\r\n");
  await until(() => lf.model !== "", 3000, "the remote text");
  assert.equal(lf.model, `a🎉\nb${CR}😀c\n`);
  assert.equal(b.client.localText(), server.doc("crs").text);
  raw.insert(3, "!"); // between "\r" and "\n": that "\r" is on its own now
  raw.edit(6, 1); // the lone "\r" goes
  await until(() => b.client.revision === 3, 3000, "more remote edits");
  assert.equal(server.doc("crs").text, "a🎉\r!\nb😀c\r\n");
  assert.equal(lf.model, `a🎉${CR}!\nb😀c\n`);
  assert.equal(b.client.localText(), server.doc("crs").text);
});

test("a local edit after a remote \\r\\n lands at the right code point", async (t) => {
  const server = await startScriptedServer();
  const raw = new TextEditor();
  const lf = new LfEditor();
  const a = open(server, "after", raw);
  const b = open(server, "after", lf);
  t.after(() => { a.close(); b.close(); return server.close(); });
  await until(() => a.status === "connected" && b.status === "connected");
  raw.insert(0, `${FAMILY}\r\n🎉\r\r\nz`);
  await until(() => lf.model === `${FAMILY}\n🎉${CR}\nz`, 3000, "the remote text");
  lf.type(11, "1"); // end of line 1, before its hidden "\r"
  lf.type(lf.model.indexOf(CR) + 1, "2"); // after the shown "\r", before the next "\r\n"
  lf.type(lf.model.length - 1, "\n"); // Enter before "z": LF, as Monaco gives it
  lf.edit(lf.model.indexOf("🎉"), 2); // delete the emoji
  const want = `${FAMILY}1\r\n\r2\r\n\nz`;
  await until(() => server.doc("after").text === want && b.client.state === "synchronized", 3000, "the edits");
  await until(() => raw.text === want, 3000, "at the other client");
  lf.edit(lf.model.indexOf("1") + 1, 1); // delete a line break shown as "\n": both "\r" and "\n" go
  await until(() => server.doc("after").text === `${FAMILY}1\r2\r\n\nz`, 3000, "the pair deleted");
  assert.equal(lf.model, `${FAMILY}1${CR}2\n\nz`);
});

test("an LF client and a CR-sending client converge whatever the mix of line endings", async (t) => {
  const server = await startScriptedServer();
  const raw = new TextEditor();
  const lf = new LfEditor();
  const a = open(server, "mix", raw);
  const b = open(server, "mix", lf);
  t.after(() => { a.close(); b.close(); return server.close(); });
  await until(() => a.status === "connected" && b.status === "connected");
  let seed = 11;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const pieces = ["\r", "\n", "\r\n", "🎉", "x", FAMILY, "\r\n\r\n", "é"];
  const safe = (s, i) => !/[\udc00-\udfff]/.test(s[i] ?? "");
  for (let i = 0; i < 120; i++) {
    const n = [...raw.text].length;
    if (n > 4 && rand(3) === 0) raw.edit(rand(n - 1), 1);
    else raw.insert(rand(n + 1), pieces[rand(pieces.length)]);
    const off = rand(lf.model.length + 1);
    const len = Math.min(lf.model.length - off, rand(2));
    if (safe(lf.model, off) && safe(lf.model, off + len)) lf.edit(off, len, pieces[rand(pieces.length)]);
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  const done = () => [a, b].every((s) => s.client.state === "synchronized")
    && raw.text === server.doc("mix").text && b.client.localText() === raw.text;
  await until(done, 10000, "convergence");
  assert.ok(raw.text.includes("\r"), "the document holds CRs");
  assert.equal(lf.model, expectedModel(raw.text, lf.view.hiddenCrs()));
  assert.equal(server.edits.filter((e) => e.conn === b.myId).length > 0, true);
});
