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
    "package/js/text_slots.js",
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

// A Rustpad-style client (written for this test): local edits composed into a buffer, remote
// operations transformed against the outstanding and buffered ones, cursors moved with
// transform_index, undo built with invert. It uses PROTOCOL.md section 7's types as declared
// there (invert gives OpSeq, transform_index gives number), so it fails to compile if the
// package's declarations add `| undefined` where rustpad-wasm has none.
const RUSTPAD_STYLE_CLIENT = `import { OpSeq, OpSeqPair } from "@kolabpad/ot";

export class Client {
  text = "";
  cursor = 0;
  private outstanding: OpSeq | null = null;
  private buffer: OpSeq | null = null;
  private undo: OpSeq[] = [];

  /** The user typed: op applies to the current text. */
  edit(op: OpSeq): void {
    const inverse: OpSeq = op.invert(this.text);
    this.undo.push(inverse);
    const next = op.apply(this.text);
    if (next === undefined) throw new Error("edit does not fit the text");
    this.text = next;
    this.cursor = op.transform_index(this.cursor);
    if (this.outstanding === null) {
      this.outstanding = op;
    } else if (this.buffer === null) {
      this.buffer = op;
    } else {
      const merged: OpSeq | undefined = this.buffer.compose(op);
      if (merged === undefined) throw new Error("compose failed");
      this.buffer = merged;
    }
  }

  /** Another user's operation arrived from the server (JSON form). */
  remote(json: string): void {
    let op = OpSeq.from_str(json);
    if (op === undefined) throw new Error("bad operation");
    for (const pending of ["outstanding", "buffer"] as const) {
      const mine = this[pending];
      if (mine === null) continue;
      const pair: OpSeqPair | undefined = mine.transform(op);
      if (pair === undefined) throw new Error("transform failed");
      this[pending] = pair.first();
      op = pair.second();
    }
    const moved: number = op.transform_index(this.cursor);
    this.cursor = moved;
    const next: string | undefined = op.apply(this.text);
    if (next === undefined) throw new Error("remote operation does not fit");
    this.text = next;
    if (op.is_noop()) op.free();
  }

  /** The server acknowledged the outstanding operation. */
  ack(): string | null {
    const sent = this.outstanding;
    this.outstanding = this.buffer;
    this.buffer = null;
    return sent === null ? null : sent.to_string();
  }

  /** Lengths a status bar would show. */
  lengths(): [number, number] {
    const op = this.outstanding ?? OpSeq.new();
    return [op.base_len(), op.target_len()];
  }
}

/** Typing "hi" at the cursor of a text of n code points. */
export function typing(n: number, at: number): OpSeq {
  const op = OpSeq.with_capacity(3);
  op.retain(at);
  op.insert("hi");
  op.retain(n - at);
  const del = OpSeq.new();
  del.retain(at + 1);
  del.delete(1);
  del.retain(n - at);
  return op.compose(del) ?? op;
}
`;

// PROTOCOL.md section 7, transcribed: OpSeq's and OpSeqPair's methods must have exactly these
// types (not merely compatible ones), checked with a type-level equality.
const SECTION_7_EXACT = `import { OpSeq, OpSeqPair } from "@kolabpad/ot";

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Section7 = {
  retain(n: number): void;
  insert(s: string): void;
  delete(n: number): void;
  compose(other: OpSeq): OpSeq | undefined;
  transform(other: OpSeq): OpSeqPair | undefined;
  apply(text: string): string | undefined;
  invert(text: string): OpSeq;
  transform_index(position: number): number;
  is_noop(): boolean;
  base_len(): number;
  target_len(): number;
  to_string(): string;
  free(): void;
};
type Section7Static = { new(): OpSeq; with_capacity(n: number): OpSeq; from_str(json: string): OpSeq | undefined };
type Section7Pair = { first(): OpSeq; second(): OpSeq };
type Check<T extends true> = T;

// Each map holds true for an exact match and false otherwise; Check fails unless every one is true.
type Methods = { [K in keyof Section7]: Equal<OpSeq[K], Section7[K]> };
type Statics = { [K in keyof Section7Static]: Equal<(typeof OpSeq)[K], Section7Static[K]> };
type Pair = { [K in keyof Section7Pair]: Equal<OpSeqPair[K], Section7Pair[K]> };
export type Exact = [Check<Methods[keyof Methods]>, Check<Statics[keyof Statics]>, Check<Pair[keyof Pair]>];
`;

const TSC_ARGS = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022"];

// Runs tsc --strict --noEmit on file in the app folder; returns its output ("" when clean).
function typeCheck(file, source) {
  const app = path.join(dir, "app");
  writeFileSync(path.join(app, file), source);
  try {
    execFileSync(path.join(root, "node_modules/.bin/tsc"), [...TSC_ARGS, file], { cwd: app, stdio: "pipe" });
    return "";
  } catch (e) {
    return String(e.stdout) || String(e);
  }
}

test("a Rustpad-style client type-checks with tsc --strict against the installed package", () => {
  assert.equal(typeCheck("rustpad_style.ts", RUSTPAD_STYLE_CLIENT), "");
});

test("OpSeq and OpSeqPair declare exactly PROTOCOL.md section 7's types", () => {
  assert.equal(typeCheck("section7.ts", SECTION_7_EXACT), "");
  // An extra `| undefined` (the old declaration of transform_index) is caught by the equality.
  const looser = SECTION_7_EXACT.replace("transform_index(position: number): number;",
    "transform_index(position: number): number | undefined;");
  assert.match(typeCheck("section7_loose.ts", looser), /error TS2344/);
});
