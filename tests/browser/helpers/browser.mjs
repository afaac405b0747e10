// Headless Chromium through playwright-core, plus helpers to drive the editor page.
import { chromium } from "playwright-core";

/** Launches the system Chromium. */
export function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Opens `url` in a fresh context (its own localStorage) and waits for the editor; `hue` is kept as chosen. */
export async function openPage(browser, url, { name, hue, width = 900, height = 620 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  page.on("pageerror", (e) => { page.errors = [...(page.errors ?? []), String(e)]; });
  if (name) {
    await context.addInitScript(([n, h]) => {
      localStorage.setItem("kolabpad:me", JSON.stringify({ name: n, hue: h ?? 0, hueChosen: h !== null }));
    }, [name, hue ?? null]);
  }
  await page.goto(url);
  await page.waitForSelector(".monaco-editor .view-lines");
  return page;
}

/** The editor's text. */
export const textOf = (page) => page.evaluate(() => window.kolabpad.model.getValue());

/** The connection status shown on the page. */
export const statusOf = (page) => page.locator("#status").getAttribute("data-status");

/** Resolves when `pred()` (async) is true, polling; fails after `ms` with `what`. */
export async function until(pred, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Focuses the editor and moves the caret to the end of the text. */
export async function focusEnd(page) {
  await page.evaluate(() => {
    const { editor, model } = window.kolabpad;
    const end = model.getFullModelRange().getEndPosition();
    editor.setPosition(end);
    editor.focus();
  });
}
