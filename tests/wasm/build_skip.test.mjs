// Builds are skipped while their inputs are unchanged (scripts/stamp.sh, used by scripts/build.sh
// and wasm/build.sh), so `npm start` on a built clone serves at once; any change to an input, in
// content or in name, makes its build run again.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";

import { root } from "./support.mjs";

test("a second build with nothing changed skips the native, wasm and frontend builds", () => {
  const build = () => execFileSync("bash", [path.join(root, "scripts/build.sh")], { cwd: root, encoding: "utf8" });
  build(); // builds whatever is not built yet
  const again = build();
  assert.match(again, /^build: native build up to date$/m);
  assert.match(again, /^wasm\/build\.sh: .* is up to date$/m);
  assert.match(again, /^build: frontend up to date$/m);
  assert.doesNotMatch(again, /vite|Building|Linking/);
});

test("a stamp is current only for the same files with the same contents, and never with FORCE=1", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "kolabpad-stamp-"));
  try {
    writeFileSync(path.join(dir, "a.cpp"), "int a;\n");
    writeFileSync(path.join(dir, "b.cpp"), "int b;\n");
    const sh = (script, env = {}) => execFileSync("bash", ["-c", `source "${root}/scripts/stamp.sh"; ${script}`],
      { cwd: dir, encoding: "utf8", env: { ...process.env, FORCE: "", ...env } }).trim();
    const hash = (extra = "") => sh(`find . -type f -name '*.cpp' -print0 | files_hash "${extra}"`);
    const first = hash();
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(hash(), first, "same files, same hash");
    sh(`stamp_write stamps/x ${first}`);
    assert.equal(sh(`stamp_current stamps/x ${first} && echo yes || echo no`), "yes");
    assert.equal(sh(`stamp_current stamps/x ${first} && echo yes || echo no`, { FORCE: "1" }), "no");
    assert.notEqual(hash("clang 15"), first, "the extra text (a compiler version) counts");
    writeFileSync(path.join(dir, "b.cpp"), "int b = 1;\n");
    const edited = hash();
    assert.notEqual(edited, first, "a changed file changes the hash");
    assert.equal(sh(`stamp_current stamps/x ${edited} && echo yes || echo no`), "no");
    renameSync(path.join(dir, "b.cpp"), path.join(dir, "c.cpp"));
    assert.notEqual(hash(), edited, "a renamed file changes the hash");
    writeFileSync(path.join(dir, "d.cpp"), "");
    assert.notEqual(hash(), edited, "a new file changes the hash");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
