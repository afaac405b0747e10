// The packed package in a Vite production build: the bundle loads in Chromium and the import is
// ready without an init call (the wasm bytes are inside the ES module; top-level await).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { pkg, root } from "./support.mjs";

let dir;

// U+FEFF at the start, middle and end of texts and inserts, through every call that returns a
// string; run in the page (its source is inlined into the app) and in Node, which must agree.
// The page's TextDecoder strips a leading U+FEFF unless told not to, as Node's does.
const BOM_CASES = (OpSeq, TextBuffer) => {
  const B = "\ufeff";
  const long = "é".repeat(100) + "x".repeat(100);
  const op = (json) => OpSeq.from_str(JSON.stringify(json));
  const out = [
    op([B + "abc"]).apply(""),
    op([1, "x"]).apply(B),
    op([1, B, 1]).apply("ab"),
    op([2, B]).apply("ab"),
    op([-1, 200]).apply(B + long),
    op([B, 201]).apply(long + B),
    op([B, 2, "m" + B, 1, B]).to_string(),
    op([B]).compose(op([1, B])).to_string(),
    op([-1, 1, -1]).invert(B + "y" + B).to_string(),
    op([-1, 1]).invert(B + "a").apply("a"),
    new TextBuffer(B + long + B).toString(),
  ];
  let text = B;
  for (let i = 0; i < 50; i++) text = op([i % 2 === 0 ? B : "z", i + 1]).apply(text);
  out.push(text);
  return out;
};

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "kolabpad-ot-vite-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: path.join(root, "wasm") });
  const tarball = path.join(dir, JSON.parse(out.toString())[0].filename);
  const target = path.join(dir, "node_modules/@kolabpad/ot");
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", target, "--strip-components=1"]);
  writeFileSync(path.join(dir, "index.html"), '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n');
  writeFileSync(
    path.join(dir, "main.js"),
    `import { OpSeq, OffsetConverter, TextBuffer } from "@kolabpad/ot";
const op = OpSeq.from_str('[1,"👨‍👨‍👦‍👦",1]');
const pair = op.transform(OpSeq.from_str('[2,"x"]'));
document.body.dataset.bom = JSON.stringify((${BOM_CASES.toString()})(OpSeq, TextBuffer));
document.body.dataset.result = JSON.stringify([op.apply("ab"), op.target_len(), pair.second().to_string(),
  new OffsetConverter("a🎉b").toCodePoint(3)]);
`,
  );
  execFileSync(process.execPath, [path.join(root, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "warn"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

// Serves dir/dist on 127.0.0.1 (a free port) while fn runs.
async function serving(fn) {
  const dist = path.join(dir, "dist");
  const server = createServer((req, res) => {
    const file = path.join(dist, req.url === "/" ? "index.html" : path.normalize(req.url));
    try {
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": file.endsWith(".js") ? "text/javascript" : "text/html" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}/`);
  } finally {
    server.close();
  }
}

test("a Vite production build of an app importing the package runs in Chromium", async () => {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const result = await serving(async (url) => {
      const page = await browser.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(url);
      await page.waitForFunction(() => document.body.dataset.result !== undefined, null, { timeout: 15000 })
        .catch(() => {});
      assert.deepEqual(errors, []);
      return page.evaluate(() => [document.body.dataset.result, document.body.dataset.bom]);
    });
    assert.equal(result[0], JSON.stringify(["a👨‍👨‍👦‍👦b", 9, '[9,"x"]', 2]));
    const bom = JSON.parse(result[1]);
    assert.deepEqual(bom, BOM_CASES(pkg.OpSeq, pkg.TextBuffer));
    assert.equal(bom[0], "\ufeffabc");
    assert.equal(bom[1], "\ufeffx");
    assert.equal(bom.at(-1), "z\ufeff".repeat(25) + "\ufeff");
  } finally {
    await browser.close();
  }
});
