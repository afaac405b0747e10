// Loads the wasm module once (top-level await: ready when the import resolves) and moves text
// between JS strings and the module's UTF-8 buffers (the texts of apply/invert: text_slots.js).
import createKolabpadOt from "../dist/kolabpad_ot.mjs";

const instance = await createKolabpadOt();

/** The module's raw exports (kp_* functions, malloc, free, memory). */
export const wasm = instance.asm;

let heap = new Uint8Array(wasm.memory.buffer);
let words = new Uint32Array(wasm.memory.buffer);

/** The current byte view of linear memory (views go stale when memory grows). */
export function bytes() {
  if (heap.byteLength === 0) heap = new Uint8Array(wasm.memory.buffer);
  return heap;
}

/** The current 32-bit view of linear memory. */
export function u32() {
  if (words.byteLength === 0) words = new Uint32Array(wasm.memory.buffer);
  return words;
}

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is text, not a byte-order mark (the default would strip it).
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Named limits of the package (change them with setLimits). */
export const limits = {
  /** Largest text or insert, in UTF-8 bytes, that crosses into wasm; larger ones are refused. */
  maxTextBytes: 256 * 1024 * 1024,
};

/**
 * Writes `s` as UTF-8 into the module's input buffer and returns its byte length, or -1 when it
 * exceeds limits.maxTextBytes. Lone surrogates become U+FFFD (TextEncoder's rule), so the bytes
 * are always valid UTF-8.
 */
export function writeInput(s) {
  const n = s.length;
  if (n <= 32) {
    // Short strings (typing) are mostly ASCII: a byte loop beats encodeInto's setup cost.
    const ptr = wasm.kp_in_reserve(n);
    const view = bytes();
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      view[ptr + i] = c;
    }
    if (i === n) return n <= limits.maxTextBytes ? n : -1;
  }
  // UTF-8 needs at least one byte per UTF-16 unit and at most three.
  if (n > limits.maxTextBytes) return -1;
  const max = Math.min(n * 3, limits.maxTextBytes);
  const ptr = wasm.kp_in_reserve(max);
  const { read, written } = encoder.encodeInto(s, bytes().subarray(ptr, ptr + max));
  return read === n ? written : -1;
}

/**
 * Decodes `size` bytes of valid UTF-8 at `ptr` (every text the module hands out is valid) into a
 * JS string. U+FEFF stays, at the start too.
 */
export function readText(ptr, size) {
  if (size > 16) return decoder.decode(bytes().subarray(ptr, ptr + size));
  // Short results (typing) by hand: TextDecoder's call costs more than decoding a few bytes.
  const view = bytes();
  const end = ptr + size;
  let out = "";
  let i = ptr;
  while (i < end) {
    const c = view[i];
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i += 1;
    } else if (c < 0xe0) {
      out += String.fromCharCode(((c & 0x1f) << 6) | (view[i + 1] & 0x3f));
      i += 2;
    } else if (c < 0xf0) {
      out += String.fromCharCode(((c & 0x0f) << 12) | ((view[i + 1] & 0x3f) << 6) | (view[i + 2] & 0x3f));
      i += 3;
    } else {
      const cp = ((c & 0x07) << 18) | ((view[i + 1] & 0x3f) << 12) | ((view[i + 2] & 0x3f) << 6) | (view[i + 3] & 0x3f);
      out += String.fromCharCode(0xd7c0 + (cp >> 10), 0xdc00 | (cp & 0x3ff));
      i += 4;
    }
  }
  return out;
}

/** Decodes the last JSON result (`size` bytes, from kp_op_to_json). */
export function readOutput(size) {
  return readText(wasm.kp_out_data(), size);
}

/** True when n is an integer in [0, 2^53). */
export function isCount(n) {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}

// Lifetime of the JS objects that own wasm memory. Registering with a FinalizationRegistry costs
// about 0.5 us per object in V8, more than a small compose; so registration is deferred to the end
// of the current task (or every PENDING_MAX objects), and an object freed before then never
// touches the registry. Until registered, the pending list keeps the object alive.
const PENDING_MAX = 4096;
let pending = [];
let flushQueued = false;

function flush() {
  flushQueued = false;
  const list = pending;
  pending = [];
  for (const obj of list) {
    if (obj._ptr !== 0) {
      obj._registry.register(obj, obj._ptr, obj);
      obj._registered = true;
    }
  }
}

/** Starts tracking an object that owns wasm pointer obj._ptr (freed by registry after GC). */
export function track(obj) {
  pending.push(obj);
  if (pending.length >= PENDING_MAX) flush();
  else if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flush);
  }
}

/** Stops tracking before an explicit free (the caller releases obj._ptr itself). */
export function untrack(obj) {
  if (obj._registered) obj._registry.unregister(obj);
}

/** Bytes of linear memory the module currently holds (for leak checks). */
export function memoryBytes() {
  return wasm.memory.buffer.byteLength;
}
