// History in headless Chromium against the real server (docs/history.md): open the panel, step
// back, see the old text, restore it; authors tinted live with two users typing; named versions
// reaching both users.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./helpers/server.mjs";
import { focusEnd, launch, openPage, statusOf, textOf, until } from "./helpers/browser.mjs";

let dir, server, browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kolabpad-history-"));
  server = await startServer({ db: join(dir, "kolabpad.db") });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const get = async (path) => (await fetch(`${server.url}${path}`)).text();
const stored = (id) => get(`/api/text/${id}`);
const head = async (id) => JSON.parse(await get(`/api/history/${id}`)).revision;
const viewerText = (page) => page.evaluate(() => window.kolabpad.viewer.text());
const label = (page) => page.locator("#history-label").textContent();

async function everywhere(id, pages, text, what) {
  await until(async () => (await stored(id)) === text, 10000, `${what}: server text`);
  for (const p of pages) await until(async () => (await textOf(p)) === text, 10000, `${what}: page text`);
}

async function pair() {
  const a = await openPage(browser, `${server.url}/`, { name: "Alice", hue: 0 });
  const b = await openPage(browser, a.url(), { name: "Bob", hue: 200 });
  await until(async () => (await statusOf(a)) === "connected" && (await statusOf(b)) === "connected",
    10000, "both pages connected");
  return { a, b, id: new URL(a.url()).hash.slice(1) };
}

test("open history, step back, see the old text, restore it: the server has the old text and the history keeps everything",
  { timeout: 90000 }, async () => {
    const { a, b, id } = await pair();
    await focusEnd(a);
    await a.keyboard.type("alpha");
    await everywhere(id, [a, b], "alpha", "Alice's typing");
    await focusEnd(b);
    await b.keyboard.type(" beta");
    await everywhere(id, [a, b], "alpha beta", "Bob's typing");
    const old = await head(id);
    await focusEnd(a);
    await a.keyboard.type(" gamma");
    await everywhere(id, [a, b], "alpha beta gamma", "more typing");
    const now = await head(id);
    assert.ok(now > old);

    await a.locator("#history-toggle").click();
    await until(async () => (await label(a))?.startsWith(`Revision ${now} of ${now}`), 10000, "the panel at the head");
    assert.equal(await viewerText(a), "alpha beta gamma");
    assert.equal(await a.locator("#editor").isHidden(), true);
    assert.ok(await a.locator("#history-list .history-item").count() >= 1);
    // One step back with the keyboard on the slider: the revision before, with its change highlighted.
    await a.locator("#history-slider").focus();
    await a.keyboard.press("ArrowLeft");
    await until(async () => (await label(a))?.startsWith(`Revision ${now - 1} of ${now}`), 10000, "one step back");
    await until(async () => (await viewerText(a)) === (await get(`/api/text/${id}?revision=${now - 1}`)), 10000, "the text one step back");
    assert.ok(await a.locator(".history-viewer .kp-inserted").count() >= 1, "what changed is highlighted");
    // Further back, to before " gamma": the old text, read-only.
    await a.locator("#history-slider").fill(String(old));
    await until(async () => (await viewerText(a)) === "alpha beta", 10000, "the old text");
    await until(async () => (await a.locator(".history-viewer .view-lines").textContent()).replace(/\u00a0/g, " ").includes("alpha beta"), 10000,
      "the old text on screen");
    assert.equal(await a.evaluate(() => window.kolabpad.viewer.editor.getOption(window.kolabpad.monaco.editor.EditorOption.readOnly)), true);

    await a.locator("#history-restore").click();
    await everywhere(id, [a, b], "alpha beta", "the restore");
    // Nothing was rewritten: the list grew by the restore, and every old revision still answers.
    await until(async () => (await head(id)) === now + 1, 10000, "the restore in the history");
    assert.equal(await get(`/api/text/${id}?revision=${now}`), "alpha beta gamma");
    assert.equal(await get(`/api/text/${id}?revision=${old}`), "alpha beta");
    await until(async () => (await label(a))?.includes(`of ${now + 1}`), 10000, "the panel follows the new revision");
    // Copy text gives exactly the revision shown.
    await a.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await a.locator("#history-slider").fill(String(now));
    await until(async () => (await viewerText(a)) === "alpha beta gamma", 10000, "back at the last revision before the restore");
    await a.locator("#history-copy").click();
    await until(async () => (await a.evaluate(() => navigator.clipboard.readText())) === "alpha beta gamma", 10000, "the copied text");
    // Play steps from the first revision to the head.
    await a.locator("#history-play").click();
    await until(async () => (await label(a))?.startsWith(`Revision ${now + 1} of ${now + 1}`), 30000, "play reaches the head");
    await a.locator("#history-close").click();
    assert.equal(await a.locator("#editor").isVisible(), true);
    assert.deepEqual([a.errors, b.errors], [undefined, undefined]);
    await a.context().close();
    await b.context().close();
  });

test("Authors tints each user's text in their hue with their name on hover, live while both type", { timeout: 90000 }, async () => {
  const { a, b, id } = await pair();
  await a.locator("#authors-toggle").check();
  await focusEnd(a);
  await a.keyboard.type("aaaa ");
  await everywhere(id, [a, b], "aaaa ", "Alice's typing");
  await focusEnd(b);
  await b.keyboard.type("bbbb");
  await everywhere(id, [a, b], "aaaa bbbb", "Bob's typing");
  const tinted = (page, hue) => page.evaluate((h) =>
    [...document.querySelectorAll(`#editor .view-line span.kp-hue-${h}`)].map((s) => s.textContent).join("").replace(/\u00a0/g, " "), hue);
  await until(async () => (await tinted(a, 0)) === "aaaa " && (await tinted(a, 200)) === "bbbb", 10000, "both tints");
  // Live: Bob keeps typing, and Alice sees it in his hue without touching anything.
  await b.keyboard.type("cc");
  await everywhere(id, [a, b], "aaaa bbbbcc", "more of Bob's typing");
  await until(async () => (await tinted(a, 200)) === "bbbbcc", 10000, "the tint follows");
  // And Alice's own unacknowledged typing is hers at once.
  await focusEnd(a);
  await a.keyboard.type("d");
  await until(async () => (await tinted(a, 0)) === "aaaa d", 10000, "Alice's own typing");
  // The name on hover.
  await a.locator("#editor .view-line span.kp-hue-200").first().hover();
  await until(async () => (await a.locator(".monaco-hover").allTextContents()).join(" ").includes("Bob"), 10000, "Bob's name on hover");
  // Bob turns it on too: the same runs, from the server's attribution.
  await b.locator("#authors-toggle").check();
  await until(async () => (await tinted(b, 0)) === "aaaa d" && (await tinted(b, 200)) === "bbbbcc", 10000, "Bob's view of the tints");
  assert.deepEqual([a.errors, b.errors], [undefined, undefined]);
  await a.context().close();
  await b.context().close();
});

test("a named version appears for both users", { timeout: 60000 }, async () => {
  const { a, b, id } = await pair();
  await focusEnd(a);
  await a.keyboard.type("draft text");
  await everywhere(id, [a, b], "draft text", "typing");
  await b.locator("#history-toggle").click();
  await until(async () => (await b.locator("#history-list .history-item").count()) >= 1, 10000, "Bob's list");
  await a.locator("#history-toggle").click();
  await a.locator("#version-name").fill("First draft");
  await a.locator("#version-form button[type=submit]").click();
  for (const p of [a, b]) {
    await until(async () => (await p.locator("#history-list .history-item.named .history-title").allTextContents()).includes("First draft"),
      10000, "the named version in the list");
    await until(async () => (await p.locator(".notice").allTextContents()).some((t) => t.includes("First draft")), 10000, "the notice");
  }
  const page = JSON.parse(await get(`/api/history/${id}`));
  assert.equal(page.sessions[0].version.name, "First draft");
  assert.equal(page.sessions[0].version.user_name, "Alice");
  assert.deepEqual([a.errors, b.errors], [undefined, undefined]);
  await a.context().close();
  await b.context().close();
});
