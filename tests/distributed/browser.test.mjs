// The built editor in headless Chromium against three instances behind the shipped nginx
// configuration: the page reconnects through nginx when its instance is killed and converges
// with a client of another instance; under the sub-path variant (/pad/) the page loads, connects
// and edits the same way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join as joinPath } from "node:path";
import { TestCluster, ROOT } from "./lib/cluster.mjs";
import { requireBuilt, STATIC_DIR } from "../browser/helpers/server.mjs";
import { focusEnd, launch, openPage, statusOf, textOf, until } from "../browser/helpers/browser.mjs";
import { join, getText, eventually } from "../integration/lib/client.mjs";
import { apply } from "../integration/lib/ot.mjs";

/** A plain client of `doc` on instance k that keeps the text up to date. */
async function follower(base, doc) {
  const [c] = await join(base, doc);
  const f = { c, text: "", revision: 0 };
  const pump = () => {
    while (c.queue.length) {
      const { data } = c.queue.shift();
      if (data.History) {
        data.History.operations.forEach((e, i) => {
          if (data.History.start + i < f.revision) return;
          f.text = apply(e.operation, f.text);
          f.revision++;
        });
      }
    }
  };
  c.ws.on("message", () => setImmediate(pump));
  setImmediate(pump);
  return f;
}

/** The instance holding the page's socket: the only one with a connection besides `ignore`. */
async function pageInstance(c, ignore) {
  const found = await eventually(async () => {
    const hs = await Promise.all([0, 1, 2].map(async (k) => (c.alive(k) ? (await c.health(k)).connections : 0)));
    const k = hs.findIndex((n, i) => n - (i === ignore ? 1 : 0) > 0);
    return k >= 0 ? { k } : null;
  }, 10000, "the page's instance");
  return found.k;
}

test("a browser on nginx reconnects when its instance is killed and converges with a client of another instance", { timeout: 120000 }, async (t) => {
  requireBuilt();
  const c = await new TestCluster({ n: 3, env: { STATIC_DIR } }).start();
  const browser = await launch();
  try {
    const page = await openPage(browser, `${c.nginxUrl}/`, { name: "Ada" });
    await until(async () => (await statusOf(page)) === "connected", 15000, "the page connected");
    const doc = new URL(page.url()).hash.slice(1);
    await focusEnd(page);
    await page.keyboard.type("before ", { delay: 10 });
    const where = await pageInstance(c, -1);
    const watcher = (where + 1) % 3;
    const f = await follower(c.wsUrl(watcher), doc);
    await until(async () => f.text === "before ", 10000, "the other instance's client saw the page's edit");
    await c.kill(where);
    await until(async () => (await statusOf(page)) !== "connected", 15000, "the page noticed");
    await until(async () => (await statusOf(page)) === "connected", 30000, "the page reconnected through nginx");
    await focusEnd(page);
    await page.keyboard.type("after", { delay: 10 });
    f.c.send({ Edit: { revision: f.revision, operation: [f.text.length, "!"], client: "watcher", seq: 1 } });
    await until(async () => (await textOf(page)) === "before after!" && f.text === "before after!", 20000,
      `page and client converge (page ${JSON.stringify(await textOf(page))}, client ${JSON.stringify(f.text)})`);
    for (let k = 0; k < 3; k++) if (c.alive(k)) assert.equal(await getText(c.url(k), doc), "before after!");
    assert.deepStrictEqual(page.errors ?? [], []);
    t.diagnostic(`page on i${where} (killed), came back on i${await pageInstance(c, watcher)}`);
    await f.c.close();
  } finally {
    await browser.close();
    await c.dispose();
  }
});

test("under the sub-path variant (/pad/), the page loads its assets, connects and edits like under /", { timeout: 90000 }, async () => {
  requireBuilt();
  const c = await new TestCluster({ n: 2, env: { STATIC_DIR }, nginxConf: joinPath(ROOT, "deploy/nginx-subpath.conf") }).start();
  const browser = await launch();
  try {
    const page = await openPage(browser, `${c.nginxUrl}/pad`, { name: "Bo" });
    assert.match(page.url(), /\/pad\/#[A-Za-z0-9]+$/, "redirected to /pad/ and given a document");
    await until(async () => (await statusOf(page)) === "connected", 15000, "the page connected under /pad/");
    const doc = new URL(page.url()).hash.slice(1);
    await focusEnd(page);
    await page.keyboard.type("sub-path", { delay: 10 });
    await eventually(async () => (await getText(c.url(0), doc)) === "sub-path", 10000, "the edit reached the cluster");
    const res = await fetch(`${c.nginxUrl}/pad/api/text/${doc}`);
    assert.equal(await res.text(), "sub-path");
    assert.deepStrictEqual(page.errors ?? [], []);
  } finally {
    await browser.close();
    await c.dispose();
  }
});
