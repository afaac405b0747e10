// Shared by the wasm package tests: builds the package if needed, a seeded random source, and
// random texts/operations in the JSON form (as code-point arrays, so astral characters count as one).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

// wasm/build.sh is a no-op when dist/ is newer than the sources, so this is cheap after a build.
if (!existsSync(path.join(root, "wasm/dist/kolabpad_ot.mjs"))) {
  execFileSync("bash", [path.join(root, "wasm/build.sh")], { stdio: "inherit" });
}

/** The package, imported by its name (through the workspace link), as a user would. */
export const pkg = await import("@kolabpad/ot");

/** mulberry32: a small seeded generator; same seed, same sequence. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (xs) => xs[next.int(xs.length)];
  return next;
}

/** Text pieces with astral characters and a 7-code-point ZWJ family. */
export const UNICODE_PIECES = ["a", "b", "c", " ", "\n", "é", "漢", "🎉", "𝄞", "👨‍👨‍👦‍👦", "\t", "\"", "\\", "\u0001"];
/** Text pieces within the BMP (what ot.js counts correctly). */
export const BMP_PIECES = ["a", "b", "c", " ", "\n", "é", "漢", "ß", "\"", "\\", "\t"];

/** A random text of up to maxPieces pieces. */
export function randomText(r, pieces, maxPieces = 12) {
  let s = "";
  const n = r.int(maxPieces + 1);
  for (let i = 0; i < n; i++) s += r.pick(pieces);
  return s;
}

/** Length of s in code points. */
export const cpLen = (s) => Array.from(s).length;

/**
 * A random operation (JSON form) that applies to `text`, built by walking the text in random
 * retain/delete chunks with random inserts between them. Not normalized: zeros and adjacent
 * components of one kind appear, so parsing's normalization is exercised too.
 */
export function randomOp(r, text, pieces) {
  const n = cpLen(text);
  const op = [];
  let pos = 0;
  while (pos < n || r() < 0.3) {
    const roll = r();
    if (roll < 0.3) {
      op.push(randomText(r, pieces, 3));
    } else if (pos < n) {
      const k = 1 + r.int(Math.min(n - pos, 6));
      op.push(roll < 0.7 ? k : -k);
      pos += k;
    }
    if (pos >= n && r() < 0.5) break;
  }
  return op;
}

/** The UTF-8 bytes of s. */
export const utf8 = (s) => Buffer.from(s, "utf8");
