// The built editor in headless Chromium against the real server binary and a real SQLite file.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { OpSeq } from "@kolabpad/ot";
import { startServer } from "./helpers/server.mjs";
import { focusEnd, launch, openPage, statusOf, textOf, until } from "./helpers/browser.mjs";

const OUT = "test-output/browser";
let dir, server, browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kolabpad-browser-"));
  server = await startServer({ db: join(dir, "kolabpad.db") });
  browser = await launch();
  mkdirSync(OUT, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens a new document as Alice and the same document as Bob. */
async function pair() {
  const a = await openPage(browser, `${server.url}/`, { name: "Alice" });
  const b = await openPage(browser, a.url(), { name: "Bob" });
  await until(async () => (await statusOf(a)) === "connected" && (await statusOf(b)) === "connected",
    10000, "both pages connected");
  return { a, b, id: new URL(a.url()).hash.slice(1) };
}

const only = (text, chars) => [...text].filter((c) => chars.includes(c)).join("");

async function converged(a, b, ms, what) {
  await until(async () => (await textOf(a)) === (await textOf(b)), ms, what);
  return textOf(a);
}

test("a new visit gets a random document id in the URL", { timeout: 30000 }, async () => {
  const p = await openPage(browser, `${server.url}/`);
  assert.match(new URL(p.url()).hash, /^#[A-Za-z0-9]{10}$/);
  assert.equal(await p.locator("#share-link").inputValue(), p.url());
  await p.context().close();
});

test("two pages typing at once converge, emoji and ZWJ sequences included", { timeout: 60000 }, async () => {
  const { a, b, id } = await pair();
  await focusEnd(a);
  await b.evaluate(() => window.kolabpad.editor.focus());
  const typeA = (async () => {
    for (const chunk of ["abcde", "👨‍👨‍👦‍👦", "fghij", "🎉", "klm"]) {
      if (/^[a-z]+$/.test(chunk)) await a.keyboard.type(chunk, { delay: 15 });
      else await a.keyboard.insertText(chunk);
    }
  })();
  const typeB = (async () => {
    await b.keyboard.press("Control+Home");
    await b.keyboard.type("NOPQRSTUVWXYZ", { delay: 15 });
  })();
  await Promise.all([typeA, typeB]);
  const text = await converged(a, b, 10000, "convergence");
  assert.equal(only(text, "abcdefghijklm👨‍👦🎉\u200d"), "abcde👨‍👨‍👦‍👦fghij🎉klm");
  assert.equal(only(text, "NOPQRSTUVWXYZ"), "NOPQRSTUVWXYZ");
  await until(async () => (await (await fetch(`${server.url}/api/text/${id}`)).text()) === text, 5000, "server text");
  assert.deepEqual([a.errors, b.errors], [undefined, undefined]);
  await a.screenshot({ path: join(OUT, "emoji.png") });
  await a.context().close();
  await b.context().close();
});

test("emoji are drawn in color in the editor's font, as users see them (a color emoji font is installed)", { timeout: 30000 }, async () => {
  const p = await openPage(browser, `${server.url}/`);
  // Draws 🎉 with the font of the editor's text and counts clearly colored pixels; without a color
  // emoji font Chromium draws an empty box or a monochrome glyph, which has none.
  const colored = await p.evaluate(() => {
    const font = getComputedStyle(document.querySelector(".monaco-editor .view-lines")).fontFamily;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const ctx = canvas.getContext("2d");
    ctx.font = `48px ${font}`;
    ctx.textBaseline = "top";
    ctx.fillText("🎉", 4, 4);
    const px = ctx.getImageData(0, 0, 64, 64).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) {
      const [r, g, b, alpha] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
      if (alpha > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
    }
    return n;
  });
  assert.ok(colored > 100, `${colored} colored pixels in a drawn 🎉`);
  await p.context().close();
});

test("a remote cursor shows its owner's name and both see each other listed", { timeout: 60000 }, async () => {
  const { a, b } = await pair();
  await focusEnd(a);
  await a.keyboard.type("first line\nsecond line\nthird line");
  await until(async () => (await textOf(b)).endsWith("third line"), 5000, "text at Bob");
  await b.evaluate(() => {
    const { editor } = window.kolabpad;
    editor.focus();
    editor.setSelection({ startLineNumber: 2, startColumn: 1, endLineNumber: 2, endColumn: 7 });
  });
  await a.locator(".kp-cursor-label", { hasText: "Bob" }).waitFor({ timeout: 10000 });
  await b.locator(".kp-cursor-label", { hasText: "Alice" }).waitFor({ timeout: 10000 });
  await a.locator(".view-overlays [class*='kp-sel-']").waitFor({ timeout: 10000 }); // Bob's selection
  await a.locator("#users .user", { hasText: "Bob" }).waitFor();
  await b.locator("#users .user", { hasText: "Alice" }).waitFor();
  // Everyone starts with hue 0 here: the later arrival moves to a free color by itself.
  const hue = (p) => p.evaluate(() => JSON.parse(localStorage.getItem("kolabpad:me")).hue);
  await until(async () => (await hue(a)) !== (await hue(b)), 5000, "different colors");
  await a.screenshot({ path: join(OUT, "alice.png") });
  await b.screenshot({ path: join(OUT, "bob.png") });
  await sideBySide(join(OUT, "alice.png"), join(OUT, "bob.png"), join(OUT, "collab.png"));
  await a.context().close();
  await b.context().close();
});

test("a language change reaches the other page with who made it", { timeout: 60000 }, async () => {
  const { a, b } = await pair();
  await a.locator("#language").selectOption("python");
  await until(() => b.evaluate(() => window.kolabpad.model.getLanguageId() === "python"), 5000, "language");
  await until(async () => (await b.locator("#language").inputValue()) === "python", 5000, "the menu shows it");
  await b.locator("#language-info", { hasText: "Alice changed the language to Python" }).waitFor();
  await a.context().close();
  await b.context().close();
});

test("the server restarts mid-typing and both pages keep every character", { timeout: 90000 }, async () => {
  const { a, b, id } = await pair();
  await focusEnd(a);
  await b.evaluate(() => window.kolabpad.editor.focus());
  const A = "abcdefghijklmnopqrstuvwxyz";
  const B = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let typed = 0;
  const typer = async (page, s) => {
    for (const ch of s) { await page.keyboard.type(ch); typed++; await new Promise((r) => setTimeout(r, 40)); }
  };
  const typing = Promise.all([typer(a, A), typer(b, B)]);
  await until(async () => typed >= 12, 20000, "some typing");
  const port = server.port;
  await server.stop();
  await until(async () => (await statusOf(a)) !== "connected" && (await statusOf(b)) !== "connected", 5000,
    "both notice");
  server = await startServer({ db: join(dir, "kolabpad.db"), port });
  await typing;
  await until(async () => (await statusOf(a)) === "connected" && (await statusOf(b)) === "connected",
    20000, "reconnected");
  const text = await converged(a, b, 20000, "convergence after the restart");
  assert.equal(only(text, A), A);
  assert.equal(only(text, B), B);
  await until(async () => (await (await fetch(`${server.url}/api/text/${id}`)).text()) === text, 10000, "stored");
  await a.context().close();
  await b.context().close();
});

test("protection reaches everyone and a page without the token sees the protected notice", { timeout: 60000 }, async () => {
  const { a, b, id } = await pair();
  await focusEnd(a);
  await a.keyboard.type("secret plans");
  await a.locator("#protect-toggle").click(); // stays unchecked until the server confirms
  await until(() => a.locator("#protect-toggle").isChecked(), 5000, "confirmed at Alice");
  await until(async () => new URL(b.url()).hash.includes("otp="), 5000, "token at Bob");
  await until(() => b.locator("#protect-toggle").isChecked(), 5000, "checked at Bob");
  await b.locator("#protect-info", { hasText: "Alice protected this document" }).waitFor();
  await until(async () => (await a.locator("#share-link").inputValue()) === b.url(), 5000, "the same link at both");
  const link = await a.locator("#share-link").inputValue();

  const c = await browser.newPage();
  await c.goto(`${server.url}/#${id}`);
  await c.locator("#protected", { hasText: "This document is protected" }).waitFor({ timeout: 10000 });
  await until(async () => (await statusOf(c)) === "protected", 5000, "protected status");
  assert.equal((await fetch(`${server.url}/api/text/${id}`)).status, 401);

  const d = await openPage(browser, link);
  await until(async () => (await textOf(d)) === "secret plans", 10000, "text with the token");
  for (const p of [a, b, c, d]) await p.context().close();
});

test("a local file opens for everyone and downloads with its language's extension", { timeout: 60000 }, async () => {
  const { a, b } = await pair();
  await a.locator("#open-file").setInputFiles({ name: "hello.py", mimeType: "text/x-python",
    buffer: Buffer.from("print('hi 🎉')\r\n") });
  await until(async () => (await textOf(b)) === "print('hi 🎉')\n", 5000, "file at Bob");
  await until(() => b.evaluate(() => window.kolabpad.model.getLanguageId() === "python"), 5000, "python");
  const [download] = await Promise.all([b.waitForEvent("download"), b.locator("#download").click()]);
  assert.match(download.suggestedFilename(), /\.py$/);
  assert.equal(readFileSync(await download.path(), "utf8"), "print('hi 🎉')\n");
  await a.context().close();
  await b.context().close();
});

test("Vim bindings and dark mode switch on and are remembered", { timeout: 60000 }, async () => {
  const p = await openPage(browser, `${server.url}/`);
  await p.locator("#vim-toggle").check();
  await p.locator("#dark-toggle").check();
  await p.evaluate(() => window.kolabpad.editor.focus());
  await p.keyboard.type("ihello");
  await p.keyboard.press("Escape");
  await p.keyboard.type("0x"); // normal mode: delete the first character
  await until(async () => (await textOf(p)) === "ello", 5000, "vim editing");
  assert.equal(await p.evaluate(() => document.documentElement.classList.contains("dark")), true);
  await p.reload();
  await p.waitForSelector(".monaco-editor .view-lines");
  await until(() => p.locator("#vim-toggle").isChecked(), 5000, "Vim remembered");
  await until(() => p.evaluate(() => document.documentElement.classList.contains("dark")), 5000, "dark remembered");
  await p.screenshot({ path: join(OUT, "dark-vim.png") });
  await p.context().close();
});

test("an IME composition is not disturbed by remote typing and both pages converge", { timeout: 60000 }, async () => {
  const { a, b } = await pair();
  await focusEnd(a);
  await a.keyboard.type("start ");
  await until(async () => (await textOf(b)) === "start ", 5000, "text at Bob");
  const cdp = await a.context().newCDPSession(a);
  await cdp.send("Input.imeSetComposition", { text: "か", selectionStart: 1, selectionEnd: 1 });
  await cdp.send("Input.imeSetComposition", { text: "かん", selectionStart: 2, selectionEnd: 2 });
  await b.evaluate(() => window.kolabpad.editor.focus());
  await b.keyboard.press("Control+Home");
  await b.keyboard.type("BOB ");
  await until(async () => (await textOf(b)) === "BOB start かん", 5000, "composition text at Bob");
  // Alice's client has Bob's edit (her view of the server's text holds it), but the editor does not yet.
  await until(() => a.evaluate(() => window.kolabpad.session.client.serverText().startsWith("BOB ")), 5000,
    "Bob's edit received at Alice");
  assert.equal(await textOf(a), "start かん", "Bob's typing waits until the composition ends");
  await cdp.send("Input.insertText", { text: "漢" });
  await until(async () => (await textOf(a)) === "BOB start 漢" && (await textOf(b)) === "BOB start 漢", 5000, "commit");
  await a.context().close();
  await b.context().close();
});

test("edits the server never acknowledged survive a page reload", { timeout: 60000 }, async () => {
  const b = await openPage(browser, `${server.url}/`, { name: "Bob" }); // watches the document
  const id = new URL(b.url()).hash.slice(1);
  // Alice's page sits behind a relay that can swallow her edits on the way to the server.
  let swallow = false;
  const context = await browser.newContext();
  await context.routeWebSocket(/\/api\/socket\//, (ws) => {
    const upstream = ws.connectToServer();
    ws.onMessage((m) => { if (!(swallow && String(m).includes('"Edit"'))) upstream.send(m); });
  });
  const a = await context.newPage();
  await a.goto(`${server.url}/#${id}`);
  await a.waitForSelector(".monaco-editor .view-lines");
  await until(async () => (await statusOf(a)) === "connected", 10000, "connected");
  swallow = true;
  await focusEnd(a);
  await a.keyboard.type("unsent words");
  await until(() => a.evaluate(() => window.kolabpad.session.client.state !== "synchronized"), 5000, "pending");
  assert.equal(await textOf(b), "", "nothing reached the server");
  swallow = false;
  await a.reload();
  await a.waitForSelector(".monaco-editor .view-lines");
  await until(async () => (await textOf(b)) === "unsent words", 10000, "the edit after the reload");
  await until(async () => (await textOf(a)) === "unsent words", 5000, "Alice's text");
  await context.close();
  await b.context().close();
});

test("a paste past MAX_DOCUMENT_SIZE_KB is undone with a notice and typing goes on", { timeout: 60000 }, async () => {
  const small = await startServer({ db: join(dir, "small.db"), env: { MAX_DOCUMENT_SIZE_KB: "1" } });
  try {
    const a = await openPage(browser, `${small.url}/`, { name: "Alice" });
    const b = await openPage(browser, a.url(), { name: "Bob" });
    await until(async () => (await statusOf(a)) === "connected" && (await statusOf(b)) === "connected", 10000, "connected");
    await focusEnd(a);
    await a.keyboard.type("kept ");
    await until(async () => (await textOf(b)) === "kept ", 5000, "acknowledged typing");
    await a.evaluate(() => { // a paste: one edit of 1100 code points (> 1 Ki)
      const { editor, model } = window.kolabpad;
      const end = model.getFullModelRange().getEndPosition();
      editor.executeEdits("paste", [{ range: { startLineNumber: end.lineNumber, startColumn: end.column,
        endLineNumber: end.lineNumber, endColumn: end.column }, text: "🎉".repeat(1100) }]);
    });
    await a.locator(".notice-error", { hasText: "undone" }).waitFor({ timeout: 10000 });
    await until(async () => (await textOf(a)) === "kept ", 5000, "rollback");
    await a.keyboard.type("more");
    await until(async () => (await textOf(b)) === "kept more", 5000, "typing after the rollback");
    assert.equal(await statusOf(a), "connected");
    await a.context().close();
    await b.context().close();
  } finally {
    await small.stop();
  }
});

test("going offline shows it, keeps typing, and catches up when back online", { timeout: 60000 }, async () => {
  const { a, b } = await pair();
  await a.context().setOffline(true);
  await until(async () => (await statusOf(a)) === "offline", 5000, "offline status");
  await focusEnd(a);
  await a.keyboard.type("typed offline");
  await a.context().setOffline(false);
  await until(async () => (await statusOf(a)) === "connected", 15000, "back online");
  await until(async () => (await textOf(b)) === "typed offline", 5000, "text at Bob");
  await a.context().close();
  await b.context().close();
});

test("remote \\r\\n and a lone \\r from a raw client are kept exactly while the page types around them", { timeout: 60000 }, async () => {
  const a = await openPage(browser, `${server.url}/`, { name: "Alice" });
  const id = new URL(a.url()).hash.slice(1);
  await until(async () => (await statusOf(a)) === "connected", 10000, "connected");
  // A script speaking the protocol directly (as a Rustpad or Windows client could) sends CRs.
  const raw = new WebSocket(`${server.url.replace("http", "ws")}/api/socket/${id}`);
  const frames = [];
  raw.on("message", (d) => frames.push(JSON.parse(String(d))));
  const entries = () => frames.filter((f) => f.History).flatMap((f) => f.History.operations);
  const rawText = () => entries().reduce((t, e) => OpSeq.from_str(JSON.stringify(e.operation))?.apply(t) ?? "<bad>", "");
  await until(async () => frames.some((f) => f.Identity !== undefined), 5000, "raw identity");
  raw.send(JSON.stringify({ Edit: { revision: 0, operation: ["a🎉\r\nb\r😀c\r\n"] } }));
  await until(async () => (await textOf(a)) === "a🎉\nb\u240d😀c\n", 5000, "CRs shown at Alice");
  await a.evaluate(() => { // the caret at the end of line 1, just before its hidden \r
    const { editor } = window.kolabpad;
    editor.setPosition({ lineNumber: 1, column: 4 });
    editor.focus();
  });
  await a.keyboard.type("1");
  await a.evaluate(() => window.kolabpad.editor.setPosition({ lineNumber: 2, column: 3 })); // after ␍
  await a.keyboard.type("2");
  await focusEnd(a);
  await a.keyboard.type("xy");
  await a.keyboard.press("Enter");
  await a.keyboard.type("z");
  const want = "a🎉1\r\nb\r2😀c\r\nxy\nz";
  const stored = async () => (await fetch(`${server.url}/api/text/${id}`)).text();
  await until(async () => (await stored()) === want, 5000, "the exact text on the server");
  assert.equal(await textOf(a), "a🎉1\nb\u240d2😀c\nxy\nz");
  // The server has the text; its acknowledgements to Alice and its History to the script may
  // still be on their way.
  await until(() => a.evaluate(() => window.kolabpad.session.client.state === "synchronized"), 5000, "all acknowledged");
  await until(() => rawText() === want, 5000, "the whole log at the script");
  // The script now deletes the "\n" of the first "\r\n": that "\r" stands alone and shows.
  const revision = entries().length;
  raw.send(JSON.stringify({ Edit: { revision, operation: [4, -1, 11] } }));
  await until(async () => (await textOf(a)) === "a🎉1\u240db\u240d2😀c\nxy\nz", 5000, "the split pair");
  await a.keyboard.type("!");
  await until(async () => (await stored()) === "a🎉1\rb\r2😀c\r\nxy\nz!", 5000, "typing after the split");
  raw.close();
  assert.deepEqual(a.errors, undefined);
  await a.context().close();
});

test("the page fits a phone screen", { timeout: 30000 }, async () => {
  const p = await openPage(browser, `${server.url}/`, { width: 390, height: 800 });
  const layout = await p.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    editor: document.getElementById("editor").getBoundingClientRect().width,
    sidebar: document.getElementById("sidebar").getBoundingClientRect().right,
  }));
  assert.ok(layout.scroll <= 390, `no sideways scrolling (${layout.scroll})`);
  assert.ok(layout.editor >= 380, `the editor takes the width (${layout.editor})`);
  assert.ok(layout.sidebar <= 0, "the side panel is tucked away");
  await p.locator("#menu-toggle").click();
  await until(() => p.evaluate(() => document.getElementById("sidebar").getBoundingClientRect().left >= 0), 3000, "panel");
  await p.screenshot({ path: join(OUT, "phone.png") });
  await p.context().close();
});

/** Puts two screenshots next to each other in one image (rendered by the browser itself). */
async function sideBySide(left, right, out) {
  const img = (f) => `data:image/png;base64,${readFileSync(f).toString("base64")}`;
  const page = await browser.newPage({ viewport: { width: 1810, height: 640 } });
  await page.setContent(`<body style="margin:0;background:#888;display:flex;gap:10px">
    <img src="${img(left)}"><img src="${img(right)}"></body>`);
  await page.screenshot({ path: out });
  await page.close();
}
