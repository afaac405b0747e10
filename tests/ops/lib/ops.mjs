// Helpers for the operations tests: admin requests, metrics parsing, applying History entries.
import assert from "node:assert/strict";

/** `method path` on `base` with an optional bearer `token`; resolves {status, type, body, json}. */
export async function request(base, method, path, { token, headers = {} } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.authorization = `Bearer ${token}`;
  const r = await fetch(base + path, { method, headers: h });
  const body = await r.text();
  let json;
  try { json = JSON.parse(body); } catch { json = undefined; }
  return { status: r.status, type: r.headers.get("content-type"), body, json };
}

/** An admin client for one server and token: get/post/del resolve like request(). */
export function admin(base, token) {
  return {
    get: (path) => request(base, "GET", path, { token }),
    post: (path) => request(base, "POST", path, { token }),
    del: (path) => request(base, "DELETE", path, { token }),
  };
}

/** Parses Prometheus text into {samples: Map(name{labels} -> value), types: Map(name -> type)}. */
export function parsePrometheus(text) {
  const samples = new Map();
  const types = new Map();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) { types.set(t[1], t[2]); continue; }
    if (line.startsWith("#")) continue;
    const m = /^(\S+) (\S+)$/.exec(line);
    assert.ok(m, `malformed sample line: ${line}`);
    samples.set(m[1], Number(m[2]));
  }
  return { samples, types };
}

/** The Prometheus samples of the server at `base`. */
export async function prometheus(base) {
  const r = await request(base, "GET", "/api/metrics");
  assert.equal(r.status, 200);
  return parsePrometheus(r.body).samples;
}

/** The JSON metrics of the server at `base`. */
export async function metricsJson(base) {
  const r = await request(base, "GET", "/api/metrics?format=json");
  assert.equal(r.status, 200, r.body);
  return r.json;
}

/** Applies one operation in JSON form (code points) to `text`. */
export function applyOp(text, op) {
  const chars = Array.from(text);
  let i = 0;
  let out = "";
  for (const c of op) {
    if (typeof c === "string") out += c;
    else if (c > 0) { out += chars.slice(i, i + c).join(""); i += c; }
    else i += -c;
  }
  assert.equal(i, chars.length, "operation covers the whole text");
  return out;
}

/** Resolves once `fn()` is truthy, polling; fails after `ms` (a safety net, not a timing assertion). */
export async function until(fn, ms = 10000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
