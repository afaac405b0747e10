// The real editor under the server's Content-Security-Policy: it loads (Monaco, its workers, the
// wasm package), types and syncs, and the browser reports no policy violation and no console error.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { startServer } from "./helpers/server.mjs";
import { focusEnd, launch, statusOf, textOf, until } from "./helpers/browser.mjs";

let dir, server, browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "kolabpad-csp-"));
  server = await startServer({ db: join(dir, "kolabpad.db") });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens the editor with listeners for CSP violations (document and workers) and console errors. */
async function openWatched(url) {
  const context = await browser.newContext({ viewport: { width: 900, height: 620 } });
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "(inline)"} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  const problems = [];
  const watch = (where) => (m) => {
    const text = m.text();
    if (m.type() === "error" || /Content.Security.Policy|Refused to|web worker/i.test(text)) problems.push(`${where} ${m.type()}: ${text}`);
  };
  page.on("console", watch("page"));
  page.on("pageerror", (e) => problems.push(`page error: ${e}`));
  const workers = [];
  page.on("worker", (w) => {
    workers.push(w.url());
    w.on("console", watch(`worker ${w.url()}`));
  });
  const response = await page.goto(url);
  await page.waitForSelector(".monaco-editor .view-lines");
  return { page, response, problems, workers, violations: () => page.evaluate(() => window.__violations) };
}

test("the editor works under the Content-Security-Policy without a single violation", { timeout: 90000 }, async () => {
  const w = await openWatched(`${server.url}/`);
  const { page } = w;
  const csp = w.response.headers()["content-security-policy"] ?? "";
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, "the page is served with the policy");
  assert.match(csp, /frame-ancestors 'self'/);
  const id = new URL(page.url()).hash.slice(1);
  await until(async () => (await statusOf(page)) === "connected", 15000, "connected over the socket (connect-src)");

  await focusEnd(page);
  await page.keyboard.type("typed under CSP ", { delay: 10 });
  await page.keyboard.insertText("🎉");
  const typed = "typed under CSP 🎉";
  await until(async () => (await (await fetch(`${server.url}/api/text/${id}`)).text()) === typed, 10000,
    "the typed text on the server (operations built by the wasm package)");

  // A remote edit is transformed and applied through the wasm package too.
  const ws = new WebSocket(`${server.url.replace("http", "ws")}/api/socket/${id}`);
  const frames = [];
  ws.on("message", (d) => frames.push(JSON.parse(d.toString())));
  await until(async () => frames.some((f) => f.History), 10000, "the raw client's History");
  const revision = frames.filter((f) => f.History).reduce((n, f) => Math.max(n, f.History.start + f.History.operations.length), 0);
  ws.send(JSON.stringify({ Edit: { revision, operation: ["remote: ", [...typed].length] } }));
  await until(async () => (await textOf(page)) === "remote: " + typed, 10000, "the remote edit in the editor");
  ws.close();

  // Language modes run in their own workers (worker-src), under their own policy.
  for (const [language, worker] of [["typescript", /\/ts\.worker/], ["json", /\/json\.worker/]]) {
    await page.locator("#language").selectOption(language);
    await until(async () => w.workers.some((u) => worker.test(u)), 10000, `the ${language} worker started`);
  }
  await focusEnd(page);
  await page.keyboard.type(" ");
  await until(async () => (await (await fetch(`${server.url}/api/text/${id}`)).text()).endsWith(" "), 10000, "synced after the language changes");

  assert.deepEqual(await w.violations(), [], "no securitypolicyviolation event");
  assert.deepEqual(w.problems, [], "no console error or CSP report");
  assert.ok(w.workers.every((u) => u.startsWith(server.url)), `workers from the same origin: ${w.workers}`);
  await page.context().close();
});
