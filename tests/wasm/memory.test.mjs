// Memory: free() releases at once, and operations dropped without free() are released after
// garbage collection (FinalizationRegistry), so wasm memory stays bounded over a million of them.
// Each scenario runs in a child `node --expose-gc` (node --test cannot pass flags per file).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import "./support.mjs"; // builds the package if needed

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures/drop_operations.mjs");
const MiB = 1 << 20;

// Runs the fixture and returns the wasm memory size after each batch of 10000 operations.
function sizes(mode, count) {
  const out = execFileSync(process.execPath, ["--expose-gc", fixture, mode, String(count)], {
    cwd: path.dirname(fixture),
    maxBuffer: 16 << 20,
  });
  return JSON.parse(out.toString()).sizes;
}

test("a million operations dropped without free() keep wasm memory bounded", () => {
  const s = sizes("drop", 1000000);
  assert.equal(s.length, 100);
  // One batch (30000 live operations) fits in a few MiB; a leak of 3 million would need ~700 MiB.
  assert.ok(Math.max(...s) <= 16 * MiB, `peak ${Math.max(...s) / MiB} MiB`);
});

test("a million operations freed with free() never grow memory", () => {
  const s = sizes("free", 1000000);
  assert.ok(Math.max(...s) <= 2 * MiB, `peak ${Math.max(...s) / MiB} MiB`);
});

test("control: operations kept alive do grow memory (the measurement can see a leak)", () => {
  const s = sizes("hold", 100000);
  assert.ok(s.at(-1) >= 32 * MiB, `final ${s.at(-1) / MiB} MiB`);
});
