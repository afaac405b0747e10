// Access in the built editor (headless Chromium, real server, real SQLite): a read-only link made
// with the editor's button opens a read-only editor in another browser context that follows live
// edits and cursors and cannot change the text (Monaco read-only, and the server refusing an edit
// forced past it); a token that expires mid-typing is renewed through the page's hook and nothing
// typed is lost.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./helpers/server.mjs";
import { focusEnd, launch, openPage, statusOf, textOf, until } from "./helpers/browser.mjs";
import { claimsFor, hs256, newSecret } from "../integration/lib/jwt.mjs";

const OUT = "test-output/browser";
const SECRET = newSecret();
let dir, open, tokens, browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kolabpad-browser-access-"));
  open = await startServer({ db: join(dir, "open.db") });
  tokens = await startServer({ db: join(dir, "tokens.db"),
    env: { AUTH_MODE: "token", JWT_SECRET: SECRET, JWT_CLOCK_SKEW_SECONDS: "0", FRAME_ANCESTORS: "*" } });
  browser = await launch();
  mkdirSync(OUT, { recursive: true });
});

after(async () => {
  await browser?.close();
  await open?.stop();
  await tokens?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const visible = (page, sel) => page.locator(sel).isVisible();

test("a read-only link opens a read-only editor that follows live edits and cursors and cannot type", { timeout: 90000 }, async () => {
  const a = await openPage(browser, `${open.url}/`, { name: "Alice" });
  await until(async () => (await statusOf(a)) === "connected", 10000, "Alice connected");
  await focusEnd(a);
  await a.keyboard.type("shared text");
  assert.equal(await visible(a, "#view-only"), false);
  await a.locator("#create-view-link").click();
  await a.locator("#view-link-row").waitFor();
  const link = await a.locator("#view-link").inputValue();
  const id = new URL(a.url()).hash.slice(1);
  assert.match(link, new RegExp(`/#${id}\\?view=[A-Za-z0-9_-]{24}$`));

  const b = await openPage(browser, link, { name: "Bob" });
  await until(async () => (await statusOf(b)) === "connected", 10000, "Bob connected");
  await until(async () => (await textOf(b)) === "shared text", 5000, "Bob has the text");
  assert.equal(await visible(b, "#view-only"), true, "a View only badge");
  for (const sel of ["#language", "#protect-toggle", "#create-view-link", "#open-file-button"]) {
    assert.equal(await visible(b, sel), false, `${sel} is not offered to a viewer`);
  }
  assert.equal(await b.evaluate(() => window.kolabpad.editor.getOption(window.kolabpad.monaco.editor.EditorOption.readOnly)), true);

  // Typing does nothing.
  await focusEnd(b);
  await b.keyboard.type("XYZ");
  await b.keyboard.press("Backspace");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await textOf(b), "shared text");

  // Live edits and cursors reach the viewer; the viewer's cursor reaches Alice.
  await focusEnd(a);  // the button had the focus
  await a.keyboard.type("!");
  await until(async () => (await textOf(b)) === "shared text!", 5000, "a live edit at Bob");
  await b.locator(".kp-cursor-label", { hasText: "Alice" }).waitFor({ timeout: 10000 });
  await b.evaluate(() => {
    const { editor } = window.kolabpad;
    editor.focus();
    editor.setSelection({ startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 7 });
  });
  await a.locator(".kp-cursor-label", { hasText: "Bob" }).waitFor({ timeout: 10000 });

  // An edit forced past Monaco (straight into the model) is refused by the server and undone.
  const revisionBefore = await a.evaluate(() => window.kolabpad.session.client.revision);
  await b.evaluate(() => window.kolabpad.model.applyEdits([{ range: new window.kolabpad.monaco.Range(1, 1, 1, 1), text: "HACK " }]));
  await b.locator(".notice", { hasText: "this connection is read-only" }).waitFor({ timeout: 10000 });
  await until(async () => (await textOf(b)) === "shared text!", 5000, "the forced edit undone at Bob");
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await textOf(a), "shared text!");
  assert.equal(await a.evaluate(() => window.kolabpad.session.client.revision), revisionBefore);
  assert.equal(await (await fetch(`${open.url}/api/text/${id}`)).text(), "shared text!");
  await b.screenshot({ path: join(OUT, "view-only.png") });

  // A new link turns the old one off: Bob's page says so.
  await a.locator("#create-view-link").click();
  await until(async () => (await a.locator("#view-link").inputValue()) !== link, 5000, "a new link");
  await b.locator("#protected", { hasText: "This read-only link no longer works" }).waitFor({ timeout: 10000 });
  assert.deepEqual([a.errors, b.errors], [undefined, undefined]);
  await a.context().close();
  await b.context().close();
});

test("a token that expires mid-typing is renewed through window.kolabpad.getToken and nothing typed is lost", { timeout: 90000 }, async () => {
  const doc = `embedded-${process.pid}`;
  const context = await browser.newContext({ viewport: { width: 900, height: 620 } });
  let minted = 0;
  await context.exposeFunction("mintToken", (d) => { minted++; return hs256(claimsFor(d, "edit", { name: "Ada Embedded" }), SECRET); });
  await context.addInitScript(() => {
    window.kolabpad = { getToken: async ({ document }) => window.mintToken(document) };
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => { page.errors = [...(page.errors ?? []), String(e)]; });
  const first = hs256(claimsFor(doc, "edit", { ttl: 3, name: "Ada Embedded" }), SECRET);
  await page.goto(`${tokens.url}/#${doc}?token=${first}`);
  await page.waitForSelector(".monaco-editor .view-lines");
  await until(async () => (await statusOf(page)) === "connected", 10000, "connected with the first token");
  assert.equal(new URL(page.url()).hash, `#${doc}`, "the token left the address bar");
  assert.equal(await page.locator("#name").inputValue(), "Ada Embedded");
  assert.equal(await page.locator("#name").isDisabled(), true);
  assert.equal(await visible(page, "#protect-toggle"), false, "no OTP with tokens");
  assert.equal(await visible(page, "#create-view-link"), false, "no read-only links with tokens");

  await focusEnd(page);
  const typed = "the quick brown fox jumps over the lazy dog 0123456789 ".repeat(2);
  await page.keyboard.type(typed, { delay: 45 });  // about 5 s: across the expiry at 3 s and the renewal
  assert.ok(minted >= 1, "the page was asked for a fresh token");
  await until(async () => (await statusOf(page)) === "connected"
    && (await page.evaluate(() => window.kolabpad.session.client.state)) === "synchronized", 15000, "synchronized");
  assert.equal(await textOf(page), typed);
  const view = hs256(claimsFor(doc, "view"), SECRET);
  assert.equal(await (await fetch(`${tokens.url}/api/text/${doc}?token=${view}`)).text(), typed, "every character stored once");
  const m = await (await fetch(`${tokens.url}/api/metrics?format=json`)).json();
  assert.ok(m.errors.token_expired >= 1, "the server closed the session at expiry");
  assert.equal(page.errors, undefined);
  await context.close();
});

test("a view token opens the editor read-only", { timeout: 60000 }, async () => {
  const doc = `viewer-${process.pid}`;
  const p = await openPage(browser, `${tokens.url}/#${doc}?token=${hs256(claimsFor(doc, "view"), SECRET)}`);
  await until(async () => (await statusOf(p)) === "connected", 10000, "connected");
  assert.equal(await visible(p, "#view-only"), true);
  assert.equal(await p.evaluate(() => window.kolabpad.editor.getOption(window.kolabpad.monaco.editor.EditorOption.readOnly)), true);
  await p.context().close();
});

test("inside an iframe the editor asks the parent page for tokens by postMessage, first and after expiry", { timeout: 90000 }, async () => {
  const doc = `framed-${process.pid}`;
  // The embedding application: another origin, which answers the editor's requests with tokens.
  const app = createServer((req, res) => {
    res.setHeader("content-type", "text/html");
    res.end(`<!doctype html><iframe id="pad" style="width:880px;height:560px" src="${tokens.url}/#${doc}"></iframe>
<script>
  window.asked = [];
  addEventListener("message", async (e) => {
    if (e.origin !== ${JSON.stringify(tokens.url)} || !e.data || e.data.type !== "kolabpad:token-request") return;
    window.asked.push(e.data.reason);
    const token = await window.mintToken(e.data.document, window.asked.length === 1 ? 3 : 600);
    e.source.postMessage({ type: "kolabpad:token", id: e.data.id, token }, e.origin);
  });
</script>`);
  });
  await new Promise((r) => app.listen(0, "127.0.0.1", r));
  const context = await browser.newContext({ viewport: { width: 900, height: 620 } });
  try {
    await context.exposeFunction("mintToken", (d, ttl) => hs256(claimsFor(d, "edit", { ttl, name: "Framed" }), SECRET));
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${app.address().port}/`);
    const frame = page.frameLocator("#pad");
    const pad = () => page.frames().find((f) => f.url().startsWith(tokens.url));
    await until(async () => (await frame.locator("#status").getAttribute("data-status")) === "connected", 15000,
      "connected with the parent's first token");
    assert.deepEqual(await page.evaluate(() => window.asked), ["refused"]);
    await pad().evaluate(() => {
      const { editor, model } = window.kolabpad;
      editor.setPosition(model.getFullModelRange().getEndPosition());
      editor.focus();
    });
    const typed = "typed inside the frame across the expiry ".repeat(2);
    await page.keyboard.type(typed, { delay: 50 });
    await until(async () => (await page.evaluate(() => window.asked.length)) >= 2, 10000, "asked again at expiry");
    assert.equal((await page.evaluate(() => window.asked))[1], "expired");
    await until(async () => (await frame.locator("#status").getAttribute("data-status")) === "connected"
      && (await pad().evaluate(() => window.kolabpad.session.client.state)) === "synchronized", 15000, "synchronized");
    const view = hs256(claimsFor(doc, "view"), SECRET);
    assert.equal(await (await fetch(`${tokens.url}/api/text/${doc}?token=${view}`)).text(), typed);
  } finally {
    await context.close();
    app.close();
  }
});
