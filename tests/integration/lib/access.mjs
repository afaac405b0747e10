// Helpers for the access tests: sockets with headers (Origin, Authorization), refused upgrades with
// their answer, HTTP with headers, and reading the server's figures.
import WebSocket from "ws";
import assert from "node:assert/strict";
import { Client, FRAME_TIMEOUT_MS } from "./client.mjs";

/** Opens a socket with `headers` (e.g. {Origin}); resolves a Client on 101, rejects with err.status/err.body otherwise. */
export function connectWith(url, headers = {}, ms = FRAME_TIMEOUT_MS) {
  return new Promise((res, rej) => {
    const ws = new WebSocket(url, { handshakeTimeout: ms, headers });
    const client = new Client(ws);
    ws.once("open", () => res(client));
    ws.once("unexpected-response", (_req, resp) => {
      let body = "";
      resp.on("data", (c) => { body += c; });
      resp.on("end", () => {
        const err = new Error(`upgrade refused with HTTP ${resp.statusCode}: ${body}`);
        err.status = resp.statusCode;
        err.headers = resp.headers;
        try { err.body = JSON.parse(body); } catch { err.body = body; }
        ws.terminate();
        rej(err);
      });
    });
    ws.once("error", (e) => rej(e));
  });
}

/** Joins with `headers`, consumes Identity; returns [client, id]. */
export async function joinWith(url, headers = {}) {
  const c = await connectWith(url, headers);
  const first = await c.recv();
  assert.ok(Number.isInteger(first?.Identity), `first frame must be Identity, got ${JSON.stringify(first)}`);
  c.id = first.Identity;
  return [c, first.Identity];
}

/** The refusal {status, body, headers} of an upgrade that must fail (fails the test if it succeeds). */
export async function refusal(url, headers = {}) {
  try {
    const c = await connectWith(url, headers);
    c.terminate();
  } catch (e) {
    if (e.status === undefined) throw e;
    return { status: e.status, body: e.body, headers: e.headers };
  }
  assert.fail(`upgrade to ${url} succeeded, expected a refusal`);
}

/** `method path` with `headers` and an optional JSON `body`; resolves {status, headers, body, json}. */
export async function http(base, method, path, { headers = {}, body } = {}) {
  const r = await fetch(base + path, {
    method, headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, headers: r.headers, body: text, json };
}

/** The JSON metrics of the server. */
export async function metrics(base) {
  const r = await http(base, "GET", "/api/metrics?format=json");
  assert.equal(r.status, 200);
  return r.json;
}

/** True when document `id` is in the server's memory (admin API with `adminToken`). */
export async function inMemory(base, adminToken, id) {
  const r = await http(base, "GET", `/api/rooms/${id}`, { headers: { authorization: `Bearer ${adminToken}` } });
  assert.ok(r.status === 200 || r.status === 404, r.body);
  return r.status === 200;
}
