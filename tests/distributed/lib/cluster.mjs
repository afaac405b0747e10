// A cluster of real kolabpad-server instances on loopback, sharing the run's private PostgreSQL
// (a schema of their own) and Redis (scripts/services), with a private nginx in front.
// Needs KOLABPAD_TEST_DATABASE_URL and KOLABPAD_TEST_REDIS_URL (scripts/test.sh or
// scripts/services/run.sh start the services).
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer } from "../../integration/lib/server.mjs";
import { httpGet, eventually } from "../../integration/lib/client.mjs";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const SERVICES = joinPath(ROOT, "scripts/services");
export const ADMIN_TOKEN = "distributed-test-admin-token";

export function services() {
  const db = process.env.KOLABPAD_TEST_DATABASE_URL;
  const redis = process.env.KOLABPAD_TEST_REDIS_URL;
  if (!db || !redis) {
    throw new Error("KOLABPAD_TEST_DATABASE_URL / KOLABPAD_TEST_REDIS_URL are not set: run through npm test, or " +
      "bash scripts/services/run.sh node --test tests/distributed/<file>.test.mjs");
  }
  return { db, redis };
}

export function psql(url, sql) {
  const r = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr || r.error}`);
  return r.stdout.trim();
}

/** A schema of its own in `base`'s cluster. */
export function freshSchema(base) {
  const name = `kp_dist_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  psql(base, `CREATE SCHEMA ${name}`);
  const sep = base.includes("?") ? "&" : "?";
  return { name, url: `${base}${sep}options=-csearch_path%3D${name}`, drop: () => psql(base, `DROP SCHEMA ${name} CASCADE`) };
}

function stateDir(prefix) {
  const parent = process.env.KOLABPAD_SERVICES_DIR || tmpdir();
  const d = mkdtempSync(joinPath(parent, prefix));
  chmodSync(d, 0o711);
  return d;
}

/** A private Redis of the test's own (to restart it); scripts/services/redis.sh. */
export class PrivateRedis {
  constructor() {
    this.dir = joinPath(stateDir("redis-dist-"), "redis");
    this.url = this.run("start");
  }
  run(...args) {
    const r = spawnSync("bash", [joinPath(SERVICES, "redis.sh"), args[0], this.dir, ...args.slice(1)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`redis.sh ${args.join(" ")}: ${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  }
  restart() { this.run("restart"); }
  dispose() { spawnSync("bash", [joinPath(SERVICES, "redis.sh"), "stop", this.dir]); rmSync(dirname(this.dir), { recursive: true, force: true }); }
}

/** A private PostgreSQL cluster of the test's own (to restart it); scripts/services/postgres.sh. */
export class PrivatePostgres {
  constructor() {
    this.dir = joinPath(stateDir("pg-dist-"), "pg");
    this.url = this.run("start");
  }
  run(...args) {
    const r = spawnSync("bash", [joinPath(SERVICES, "postgres.sh"), args[0], this.dir, ...args.slice(1)], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`postgres.sh ${args.join(" ")}: ${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  }
  stop(mode = "fast") { this.run("stop", mode); }
  start() { this.run("start"); }
  dispose() { spawnSync("bash", [joinPath(SERVICES, "postgres.sh"), "stop", this.dir, "immediate"]); rmSync(dirname(this.dir), { recursive: true, force: true }); }
}

/** A port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => { const { port } = srv.address(); srv.close(() => res(port)); });
  });
}

/** N instances (ids i0..iN-1) on one schema, with nginx in front when `nginx` running the shipped
 * configuration `nginxConf` (deploy/nginx.conf by default) through deploy/run-nginx.sh. */
export class TestCluster {
  constructor({ n = 3, env = {}, nginx = true, nginxConf = joinPath(ROOT, "deploy/nginx.conf"), databaseUrl, redisUrl } = {}) {
    const s = services();
    this.n = n;
    this.paused = new Set();  // instances stopped with SIGSTOP: alive, but they answer nothing
    this.schema = freshSchema(databaseUrl ?? s.db);
    this.redisUrl = redisUrl ?? s.redis;
    this.env = {
      DATABASE_URL: this.schema.url, REDIS_URL: this.redisUrl, LEASE_SECONDS: 2, RELAY_TIMEOUT_SECONDS: 1,
      ADMIN_TOKEN, SHUTDOWN_TIMEOUT_SECONDS: 10, LOG_LEVEL: "info", ...env,
    };
    this.useNginx = nginx;
    this.nginxConf = nginxConf;
    this.servers = new Array(n).fill(null);
    this.ports = new Array(n).fill(0);
    this.nginxDir = null;
  }

  id(k) { return `i${k}`; }

  async start() {
    for (let k = 0; k < this.n; k++) await this.startInstance(k);
    if (this.useNginx) {
      this.nginxDir = joinPath(stateDir("nginx-dist-"), "nginx");
      const backends = this.ports.map((p) => `127.0.0.1:${p}`);
      // Port 0: run-nginx.sh picks one, and another if it is taken before nginx binds it.
      const r = spawnSync("bash", [joinPath(ROOT, "deploy/run-nginx.sh"), "start", this.nginxDir, this.nginxConf, "0", ...backends],
        { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`run-nginx.sh start: ${r.stderr}${r.stdout}`);
      this.nginxUrl = r.stdout.trim();
      this.nginxWsUrl = this.nginxUrl.replace(/^http/, "ws");
    }
    return this;
  }

  /** Starts instance k (again on its former port, so that nginx finds it). */
  async startInstance(k, extraEnv = {}) {
    this.servers[k] = await startServer({ ...this.env, INSTANCE_ID: this.id(k), PORT: this.ports[k], ...extraEnv }, { timeoutMs: 20000 });
    this.ports[k] = this.servers[k].port;
    return this.servers[k];
  }

  url(k) { return this.servers[k].url; }
  wsUrl(k) { return `ws://127.0.0.1:${this.ports[k]}`; }
  alive(k) { const s = this.servers[k]; return s && s.proc.exitCode === null && s.proc.signalCode === null; }

  async kill(k) { await this.servers[k].kill(); }
  async terminate(k, ms = 15000) { return this.servers[k].stop("SIGTERM", ms); }
  pause(k) { this.paused.add(k); this.servers[k].proc.kill("SIGSTOP"); }
  resume(k) { this.paused.delete(k); this.servers[k].proc.kill("SIGCONT"); }

  /** The admin view of `doc` from instance k: {owner, epoch, owned_here, ...}. */
  async room(k, doc) {
    // Bounded: a paused (SIGSTOP) instance accepts the connection in the kernel and never answers.
    const res = await fetch(`${this.url(k)}/api/rooms/${doc}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      signal: AbortSignal.timeout(2000) });
    return res.json();
  }

  /** The instance index that owns `doc` (asked of any live instance), or -1. */
  async ownerIndex(doc) {
    for (let k = 0; k < this.n; k++) {
      if (!this.alive(k) || this.paused.has(k)) continue;
      try {
        const r = await this.room(k, doc);
        if (!r.owner) return -1;
        return Number(r.owner.slice(1));
      } catch { /* try the next one */ }
    }
    return -1;
  }

  /** Waits until some live instance other than `not` owns `doc`; returns its index. */
  async waitOwner(doc, { not = -1, ms = 15000 } = {}) {
    const found = await eventually(async () => {
      const k = await this.ownerIndex(doc);
      return k >= 0 && k !== not && this.alive(k) ? { k } : null;  // (0 is an index, not a miss)
    }, ms, `an owner of ${doc}${not >= 0 ? ` other than i${not}` : ""}`);
    return found.k;
  }

  async health(k) { const r = await httpGet(this.url(k), "/api/health"); return { http: r.status, ...JSON.parse(r.body) }; }

  async dispose() {
    for (let k = 0; k < this.n; k++) {
      if (this.servers[k] && this.alive(k)) { this.resume(k); await this.servers[k].stop("SIGKILL"); }
    }
    if (this.nginxDir) {
      spawnSync("bash", [joinPath(ROOT, "deploy/run-nginx.sh"), "stop", this.nginxDir]);
      rmSync(dirname(this.nginxDir), { recursive: true, force: true });
    }
    try { this.schema.drop(); } catch { /* the database may be gone with a private cluster */ }
  }
}
