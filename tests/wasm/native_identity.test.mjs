// The wasm package and the native library are one library compiled twice: on a shared corpus of
// random cases they must give byte-identical JSON for every algebra call.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { UNICODE_PIECES, pkg, randomOp, randomText, rng, root } from "./support.mjs";

const { OpSeq } = pkg;
const TOOL = path.join(root, "build/tests/wasm/corpus_tool");
const CASES = 12000;

// A corpus mixing every call; about one case in ten has mismatched lengths (both must fail).
function corpus(seed) {
  const r = rng(seed);
  const kinds = ["apply", "compose", "transform", "invert", "transform_index"];
  const cases = [];
  for (let i = 0; i < CASES; i++) {
    const k = kinds[i % kinds.length];
    const text = randomText(r, UNICODE_PIECES, 14);
    const a = randomOp(r, text, UNICODE_PIECES);
    const broken = r() < 0.1;
    const c = { k, a };
    if (k === "apply" || k === "invert") {
      c.t = broken ? text + "x" : text;
    } else if (k === "compose") {
      const after = OpSeq.from_str(JSON.stringify(a)).apply(text);
      c.b = randomOp(r, broken ? after + "y" : after, UNICODE_PIECES);
    } else if (k === "transform") {
      c.b = randomOp(r, broken ? text + "z" : text, UNICODE_PIECES);
    } else {
      c.p = r.int(Array.from(text).length + 3);
    }
    cases.push(c);
  }
  return cases;
}

// The package's result line for one case, in the tool's format.
function viaPackage(c) {
  const a = OpSeq.from_str(JSON.stringify(c.a));
  const b = c.b === undefined ? undefined : OpSeq.from_str(JSON.stringify(c.b));
  try {
    switch (c.k) {
      case "apply": {
        const s = a.apply(c.t);
        return s === undefined ? null : s;
      }
      case "invert":
        return a.invert(c.t)?.to_string() ?? null;
      case "compose":
        return a.compose(b)?.to_string() ?? null;
      case "transform": {
        const pair = a.transform(b);
        if (pair === undefined) return null;
        return `[${pair.first().to_string()},${pair.second().to_string()}]`;
      }
      default:
        return String(a.transform_index(c.p));
    }
  } finally {
    a.free();
    b?.free();
  }
}

test("native tool is built", () => {
  assert.ok(existsSync(TOOL), `${TOOL} missing: build the native tree (cmake --build build)`);
});

test("native and wasm give byte-identical results on 12000 random cases", { skip: !existsSync(TOOL) }, () => {
  const cases = corpus(20240611);
  const input = cases.map((c) => JSON.stringify(c)).join("\n") + "\n";
  const run = spawnSync(TOOL, [], { input, maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, run.stderr.toString());
  const lines = run.stdout.toString("utf8").split("\n");
  assert.equal(lines.length, cases.length + 1);
  let failures = 0;
  for (let i = 0; i < cases.length; i++) {
    const mine = viaPackage(cases[i]);
    const native = lines[i];
    if (cases[i].k === "apply") {
      // The tool prints a JSON string literal; compare the decoded strings (and so their UTF-8 bytes).
      assert.deepEqual(mine, JSON.parse(native), `case ${i}: ${JSON.stringify(cases[i])}`);
    } else {
      assert.equal(mine === null ? "null" : mine, native, `case ${i}: ${JSON.stringify(cases[i])}`);
    }
    if (native === "null") failures++;
  }
  // The corpus exercises both outcomes.
  assert.ok(failures > CASES / 40 && failures < CASES / 4, `failures: ${failures}`);
});
