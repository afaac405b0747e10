// MAX_CONNECTIONS, and the accept loop when the process runs out of descriptors.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { spawn, execFileSync } from "node:child_process";
import { join as pathJoin } from "node:path";
import { readFileSync } from "node:fs";
import { startServer, tempDir, SERVER_BIN } from "../integration/lib/server.mjs";
import { connect, socketUrl, join } from "../integration/lib/client.mjs";
import { parsePrometheus, until } from "./lib/ops.mjs";

/** GET on a fresh connection (a pooled keep-alive connection would hold one of the few slots). */
function get(base, path) {
  return new Promise((res, rej) => {
    http.get(base + path, { agent: false }, (r) => {
      let body = "";
      r.on("data", (c) => { body += c; });
      r.on("end", () => res({ status: r.statusCode, headers: r.headers, body }));
    }).on("error", rej);
  });
}

/** Sends `request` on a raw TCP connection; resolves everything received until the server closed it. */
function exchange(host, port, request) {
  return new Promise((res, rej) => {
    const s = net.connect({ host, port }, () => s.write(request));
    const chunks = [];
    s.on("data", (c) => chunks.push(c));
    s.on("end", () => { s.end(); res(Buffer.concat(chunks).toString("latin1")); });
    s.on("error", rej);
  });
}

test("past MAX_CONNECTIONS an upgrade and a plain request get 503 too_many_connections, and a freed slot is reused", async () => {
  const s = await startServer({ SQLITE_URI: ":memory:", MAX_CONNECTIONS: 4 });
  try {
    const clients = [];
    for (let i = 0; i < 4; i++) clients.push((await join(s.wsUrl, `capped-${i}`))[0]);
    const upgrade = await exchange(s.host, s.port, `GET /api/socket/capped-x HTTP/1.1\r\nHost: ${s.host}:${s.port}\r\n` +
      "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    assert.match(upgrade, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(upgrade, /\r\nConnection: close\r\n/i);
    const body = JSON.parse(upgrade.slice(upgrade.indexOf("\r\n\r\n") + 4));
    assert.equal(body.error, "too_many_connections");
    assert.match(body.message, /MAX_CONNECTIONS/);
    const health = await get(s.url, "/api/health");
    assert.equal(health.status, 503);
    assert.equal(JSON.parse(health.body).error, "too_many_connections");
    let refused = 2;

    await clients.pop().close();
    // The slot is free once the server has closed that connection: retry until an upgrade succeeds.
    const fifth = await until(async () => {
      try {
        return await connect(socketUrl(s.wsUrl, "capped-x"));
      } catch (e) {
        assert.equal(e.status, 503, `refused with ${e.status ?? e.message}`);
        refused++;
        return null;
      }
    }, 10000, "an upgrade after a connection closed");
    const identity = await fifth.recv();
    assert.ok(Number.isInteger(identity.Identity));
    clients.push(fifth);
    await Promise.all(clients.map((c) => c.close()));

    const metrics = await until(async () => {
      const r = await get(s.url, "/api/metrics?format=json").catch(() => null);
      return r?.status === 200 ? JSON.parse(r.body) : null;
    }, 10000, "metrics once connections closed");
    assert.equal(metrics.max_connections, 4);
    assert.equal(metrics.connections_refused, refused, "every refusal is counted");
    const prom = parsePrometheus((await get(s.url, "/api/metrics")).body).samples;
    assert.equal(prom.get("kolabpad_connections_refused_total"), refused);
    assert.equal(prom.get("kolabpad_max_connections"), 4);
  } finally {
    await s.stop("SIGKILL");
  }
});

test("a bad MAX_CONNECTIONS stops the server naming it", async () => {
  for (const value of ["-1", "many", "16777217"]) {
    const out = await new Promise((res) => {
      const p = spawn(SERVER_BIN, [], { env: { ...process.env, PORT: "0", SQLITE_URI: ":memory:", MAX_CONNECTIONS: value } });
      let text = "";
      p.stderr.on("data", (c) => { text += c; });
      p.once("exit", (code) => res({ code, text }));
    });
    assert.equal(out.code, 2, out.text);
    assert.match(out.text, /MAX_CONNECTIONS/);
  }
});

/** CPU seconds (user + system) the process `pid` has used, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

test("out of descriptors, the accept loop backs off: a few log lines, little CPU, and health answers once connections close", async () => {
  const tmp = tempDir();
  // 64 descriptors (hard limit too, so the server cannot raise it) and a cap above them: accept() hits EMFILE.
  const proc = spawn("bash", ["-c", 'ulimit -n 64 && exec "$0"', SERVER_BIN], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", SQLITE_URI: pathJoin(tmp.dir, "db"), MAX_CONNECTIONS: "1000", LOG_LEVEL: "info" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  let lines = 0;
  proc.stderr.on("data", (c) => {
    const t = c.toString("utf8");
    lines += t.split("\n").length - 1;
    if (log.length < 65536) log += t;
  });
  const held = [];
  try {
    const port = Number((await until(() => /listening on http:\/\/[^:]+:(\d+)/.exec(log), 15000, "listening"))[1]);
    for (let i = 0; i < 120; i++) {
      held.push(await new Promise((res, rej) => {
        const s = net.connect({ host: "127.0.0.1", port }, () => res(s));
        s.on("error", rej);
      }));
    }
    await until(() => /accept failed/.test(log), 10000, "accepts failing for want of descriptors");
    const lines0 = lines;
    const cpu0 = cpuSeconds(proc.pid);
    await new Promise((r) => setTimeout(r, 2000));  // the measured window, with accepts failing throughout
    const newLines = lines - lines0;
    const cpu = cpuSeconds(proc.pid) - cpu0;
    assert.ok(newLines <= 10, `${newLines} log lines in 2 s of failing accepts`);
    assert.ok(cpu <= 0.5, `${cpu.toFixed(2)} s of CPU in 2 s of failing accepts`);
    assert.match(log, /accept failed; retrying later error="?Too many open files/);
    assert.match(log, /descriptor limit soft_before=64 soft=64 hard=64 max_connections=1000/);

    for (const s of held) s.destroy();
    held.length = 0;
    const health = await until(async () => {
      const r = await get(`http://127.0.0.1:${port}`, "/api/health").catch(() => null);
      return r?.status === 200 ? r : null;
    }, 15000, "/api/health answering after the connections closed");
    assert.equal(JSON.parse(health.body).status, "ok");
    const metrics = JSON.parse((await get(`http://127.0.0.1:${port}`, "/api/metrics?format=json")).body);
    assert.ok(metrics.accept_errors >= 1);
    assert.match(log, /accepting again/);
  } finally {
    for (const s of held) s.destroy();
    proc.kill("SIGKILL");
    await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once("exit", r)));
    tmp.cleanup();
  }
});
