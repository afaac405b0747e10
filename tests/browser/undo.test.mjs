// Undo of one's own edits only, and the save status, in headless Chromium against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./helpers/server.mjs";
import { focusEnd, launch, openPage, statusOf, textOf, until } from "./helpers/browser.mjs";

let dir, server, browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kolabpad-undo-"));
  server = await startServer({ db: join(dir, "kolabpad.db") });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The document's text as the server has it. */
const stored = async (id) => (await fetch(`${server.url}/api/text/${id}`)).text();

/** Waits until the server, and every page, hold `text`. */
async function everywhere(id, pages, text, what) {
  await until(async () => (await stored(id)) === text, 10000, `${what}: server text`);
  for (const p of pages) await until(async () => (await textOf(p)) === text, 10000, `${what}: page text`);
}

async function pair() {
  const a = await openPage(browser, `${server.url}/`, { name: "Alice" });
  const b = await openPage(browser, a.url(), { name: "Bob" });
  await until(async () => (await statusOf(a)) === "connected" && (await statusOf(b)) === "connected",
    10000, "both pages connected");
  return { a, b, id: new URL(a.url()).hash.slice(1) };
}

const saveStatus = (page) => page.locator("#save-status").textContent();

test("Alice's Ctrl+Z takes back only her text, never Bob's, and redo brings it back", { timeout: 60000 }, async () => {
  const { a, b, id } = await pair();
  await focusEnd(a);
  await a.keyboard.type("alpha ");
  await everywhere(id, [a, b], "alpha ", "Alice's typing");
  await focusEnd(b);
  await b.keyboard.type("BETA");
  await everywhere(id, [a, b], "alpha BETA", "Bob's typing");
  await a.evaluate(() => window.kolabpad.editor.focus());
  await a.keyboard.press("Control+z"); // the space: Monaco's steps are words with their space
  await everywhere(id, [a, b], "alphaBETA", "first undo");
  await a.keyboard.press("Control+z");
  await everywhere(id, [a, b], "BETA", "second undo");
  await a.keyboard.press("Control+z"); // nothing of Alice's is left: nothing happens
  await a.keyboard.press("Control+Shift+z");
  await everywhere(id, [a, b], "alphaBETA", "redo with Ctrl+Shift+Z");
  await a.keyboard.press("Control+y");
  await everywhere(id, [a, b], "alpha BETA", "redo with Ctrl+Y");
  // Monaco's undo/redo commands (its menus run these) go the same way.
  await a.evaluate(() => window.kolabpad.editor.trigger("menu", "undo", null));
  await everywhere(id, [a, b], "alphaBETA", "the undo command");
  await a.evaluate(() => window.kolabpad.editor.trigger("menu", "redo", null));
  await everywhere(id, [a, b], "alpha BETA", "the redo command");
  // Bob's undo, likewise, removes only his word, and the caret lands where it was.
  await b.evaluate(() => window.kolabpad.editor.focus());
  await b.keyboard.press("Control+z");
  await everywhere(id, [a, b], "alpha ", "Bob's undo");
  assert.deepEqual(await b.evaluate(() => window.kolabpad.editor.getPosition().column), 7);
  assert.deepEqual([a.errors, b.errors], [undefined, undefined]);
  await a.context().close();
  await b.context().close();
});

test("Vim mode's u and Ctrl+R undo and redo only this user's edits", { timeout: 60000 }, async () => {
  const { a, b, id } = await pair();
  await a.locator("#vim-toggle").check();
  await a.evaluate(() => window.kolabpad.editor.focus());
  await a.keyboard.type("ihello");
  await a.keyboard.press("Escape");
  await everywhere(id, [a, b], "hello", "Alice's insert");
  await focusEnd(b);
  await b.keyboard.type(" bob");
  await everywhere(id, [a, b], "hello bob", "Bob's typing");
  await a.evaluate(() => window.kolabpad.editor.focus());
  await a.keyboard.type("u");
  await everywhere(id, [a, b], " bob", "u");
  await a.keyboard.press("Control+r");
  await everywhere(id, [a, b], "hello bob", "Ctrl+R");
  await a.locator("#vim-toggle").uncheck();
  await a.context().close();
  await b.context().close();
});

test("an undo after the server restarted takes back the edit typed while it was down", { timeout: 90000 }, async () => {
  const { a, b, id } = await pair();
  await focusEnd(a);
  await a.keyboard.type("one");
  await everywhere(id, [a, b], "one", "first word");
  const port = server.port;
  await server.stop();
  await until(async () => (await statusOf(a)) !== "connected", 10000, "Alice notices");
  await a.keyboard.type(" two"); // kept in the page, unacknowledged
  server = await startServer({ db: join(dir, "kolabpad.db"), port });
  await until(async () => (await statusOf(a)) === "connected" && (await statusOf(b)) === "connected",
    20000, "reconnected");
  await everywhere(id, [a, b], "one two", "the offline word after the restart");
  await b.evaluate(() => {
    const { editor } = window.kolabpad;
    editor.setPosition({ lineNumber: 1, column: 1 });
    editor.focus();
  });
  await b.keyboard.type("B:");
  await everywhere(id, [a, b], "B:one two", "Bob's typing after the restart");
  await a.evaluate(() => window.kolabpad.editor.focus());
  await a.keyboard.press("Control+z");
  await everywhere(id, [a, b], "B:one", "the undo after the restart");
  await a.keyboard.press("Control+z");
  await everywhere(id, [a, b], "B:", "everything of Alice's undone");
  await a.context().close();
  await b.context().close();
});

test("the save status says Saving… until the server's acknowledgement arrives, then Saved", { timeout: 60000 }, async () => {
  // Alice's page talks to the server through a relay that can hold back the server's frames.
  let holding = false;
  let release = () => {};
  const held = [];
  const context = await browser.newContext();
  await context.routeWebSocket(/\/api\/socket\//, (ws) => {
    const upstream = ws.connectToServer();
    upstream.onMessage((m) => { if (holding) held.push(m); else ws.send(m); });
    release = () => { holding = false; for (const m of held.splice(0)) ws.send(m); };
  });
  const a = await context.newPage();
  await a.goto(`${server.url}/`);
  await a.waitForSelector(".monaco-editor .view-lines");
  const id = new URL(a.url()).hash.slice(1);
  await until(async () => (await statusOf(a)) === "connected", 10000, "connected");
  await until(async () => (await saveStatus(a)) === "Saved", 5000, "Saved at the start");
  holding = true;
  await focusEnd(a);
  await a.keyboard.type("x");
  await until(async () => (await stored(id)) === "x", 10000, "the edit stored on the server");
  // The edit is stored, but its acknowledgement is held back: not "Saved" yet.
  await until(async () => held.some((m) => String(m).includes('"History"')), 5000, "the ack held back");
  assert.equal(await saveStatus(a), "Saving…");
  assert.equal(await a.locator("#save-status").getAttribute("data-state"), "saving");
  release();
  await until(async () => (await saveStatus(a)) === "Saved", 5000, "Saved after the ack");
  await context.close();
});

test("offline, the save status counts the changes that wait, and turns Saved once they are stored", { timeout: 60000 }, async () => {
  const a = await openPage(browser, `${server.url}/`, { name: "Alice" });
  const id = new URL(a.url()).hash.slice(1);
  await until(async () => (await saveStatus(a)) === "Saved", 10000, "Saved at the start");
  await a.context().setOffline(true);
  await until(async () => (await statusOf(a)) === "offline", 5000, "offline");
  await focusEnd(a);
  await a.keyboard.type("abc");
  await until(async () => (await saveStatus(a)) === "3 changes waiting", 5000, "the waiting count");
  await a.context().setOffline(false);
  await until(async () => (await saveStatus(a)) === "Saved", 15000, "Saved when back online");
  assert.equal(await stored(id), "abc");
  await a.context().close();
});
