// The package as a user gets it: `npm pack`, installed offline into an empty folder, imported by
// name with no init call, typed for every export.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { pkg, root } from "./support.mjs";

let dir;
let tarball;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "kolabpad-ot-pack-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], {
    cwd: path.join(root, "wasm"),
    stdio: ["ignore", "pipe", "pipe"],
  });
  tarball = path.join(dir, JSON.parse(out.toString())[0].filename);
  const app = path.join(dir, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", tarball], {
    cwd: app,
    stdio: ["ignore", "pipe", "pipe"],
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("the tarball holds the module, the loader, the types and nothing else", () => {
  const listing = execFileSync("tar", ["-tzf", tarball]).toString().trim().split("\n").sort();
  assert.deepEqual(listing, [
    "package/README.md",
    "package/dist/kolabpad_ot.mjs",
    "package/index.d.ts",
    "package/index.js",
    "package/js/attribution.js",
    "package/js/offsets.js",
    "package/js/oplog.js",
    "package/js/opseq.js",
    "package/js/runtime.js",
    "package/package.json",
  ]);
});

test("installed into an empty folder, it imports and works without an init call", () => {
  const app = path.join(dir, "app");
  writeFileSync(
    path.join(app, "main.mjs"),
    `import { OpSeq, OpSeqPair } from "@kolabpad/ot";
const a = OpSeq.from_str('[1,"👨‍👨‍👦‍👦",1]');
const pair = a.transform(OpSeq.from_str('[2,"x"]'));
console.log(JSON.stringify([a.apply("ab"), pair instanceof OpSeqPair, pair.second().to_string(), a.transform_index(1)]));
`,
  );
  const out = execFileSync(process.execPath, ["main.mjs"], { cwd: app }).toString().trim();
  assert.equal(out, JSON.stringify(["a👨‍👨‍👦‍👦b", true, '[9,"x"]', 8]));
});

test("package.json exports types and every export is declared in index.d.ts", () => {
  const manifest = JSON.parse(readFileSync(path.join(dir, "app/node_modules/@kolabpad/ot/package.json"), "utf8"));
  assert.equal(manifest.exports["."].types, "./index.d.ts");
  assert.equal(manifest.type, "module");
  const dts = readFileSync(path.join(root, "wasm/index.d.ts"), "utf8");
  const declared = [...dts.matchAll(/^export (?:class|function|const) (\w+)/gm)].map((m) => m[1]).sort();
  assert.deepEqual(declared, Object.keys(pkg).sort());
});

test("a TypeScript user type-checks against the installed package", () => {
  const app = path.join(dir, "app");
  writeFileSync(
    path.join(app, "use.ts"),
    `import { OpSeq, OpLog, TextBuffer, OffsetConverter } from "@kolabpad/ot";
const op: OpSeq | undefined = OpSeq.from_str("[1]");
const text: string | undefined = op?.apply("a");
const pair = op?.transform(OpSeq.new());
const first: OpSeq | undefined = pair?.first();
const log = new OpLog();
const buf = new TextBuffer("a");
const moved: OpSeq | undefined = op ? log.replay(op, buf) : undefined;
const cp: number = new OffsetConverter("🎉").toCodePoint(2);
export { text, first, moved, cp };
`,
  );
  const tsc = path.join(root, "node_modules/.bin/tsc");
  const args = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "use.ts"];
  execFileSync(tsc, args, { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
  // And it does catch misuse.
  writeFileSync(path.join(app, "bad.ts"), `import { OpSeq } from "@kolabpad/ot";\nconst s: string = OpSeq.new().apply("x");\nexport { s };\n`);
  assert.throws(() => execFileSync(tsc, [...args.slice(0, -1), "bad.ts"], { cwd: app, stdio: "pipe" }));
  assert.ok(readdirSync(app).includes("node_modules"));
});
