// The built frontend from STATIC_DIR: files, index.html for app routes, nothing outside the folder.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join as pathJoin } from "node:path";
import { request } from "node:http";
import { ServerFixture, tempDir } from "./lib/server.mjs";
import { httpGet } from "./lib/client.mjs";

let fx, site, outside;
before(async () => {
  site = tempDir("kolabpad-site-");
  outside = tempDir("kolabpad-outside-");
  mkdirSync(pathJoin(site.dir, "assets"));
  writeFileSync(pathJoin(site.dir, "index.html"), "<!doctype html><title>Kolabpad</title>");
  writeFileSync(pathJoin(site.dir, "assets", "app.js"), "console.log('🎉');");
  writeFileSync(pathJoin(site.dir, "assets", "style.css"), "body{}");
  writeFileSync(pathJoin(outside.dir, "secret.txt"), "do not serve");
  fx = new ServerFixture({ STATIC_DIR: site.dir });
  await fx.start();
});
after(async () => { await fx?.dispose(); site?.cleanup(); outside?.cleanup(); });

/** GET with the path sent verbatim (fetch would normalize "..") */
function rawGet(path) {
  return new Promise((res, rej) => {
    const req = request({ host: fx.server.host, port: fx.server.port, path, method: "GET" }, (r) => {
      let body = "";
      r.setEncoding("utf8");
      r.on("data", (c) => { body += c; });
      r.on("end", () => res({ status: r.statusCode, body }));
    });
    req.on("error", rej);
    req.end();
  });
}

test("GET / serves index.html", async () => {
  const r = await httpGet(fx.url, "/");
  assert.equal(r.status, 200);
  assert.match(r.type ?? "", /^text\/html/);
  assert.equal(r.body, "<!doctype html><title>Kolabpad</title>");
});

test("files are served with their content types", async () => {
  const js = await httpGet(fx.url, "/assets/app.js");
  assert.equal(js.status, 200);
  assert.match(js.type ?? "", /javascript/);
  assert.equal(js.body, "console.log('🎉');");
  const css = await httpGet(fx.url, "/assets/style.css");
  assert.match(css.type ?? "", /^text\/css/);
});

test("an app route (a document id) gets index.html", async () => {
  const r = await httpGet(fx.url, "/my-document_42");
  assert.equal(r.status, 200);
  assert.equal(r.body, "<!doctype html><title>Kolabpad</title>");
});

test("nothing outside STATIC_DIR is served", async () => {
  const rel = `../${outside.dir.split("/").pop()}/secret.txt`;
  for (const p of [`/${rel}`, `/assets/../../${rel}`, `/%2e%2e/${outside.dir.split("/").pop()}/secret.txt`, "/..%2f..%2fetc%2fpasswd", "/../../../../etc/passwd"]) {
    const r = await rawGet(p);
    assert.ok(!r.body.includes("do not serve") && !r.body.includes("root:"), `${p} leaked: ${r.status}`);
  }
});
