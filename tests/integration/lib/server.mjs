// Starts and stops the real kolabpad-server binary for integration tests.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** Path of the server binary: $KOLABPAD_SERVER or build/server/kolabpad-server. */
export const SERVER_BIN = process.env.KOLABPAD_SERVER ?? join(ROOT, "build/server/kolabpad-server");

const LISTENING = /listening on http:\/\/([^\s:/]+):(\d+)/;

/** Makes a fresh temp directory; returns its path and a cleanup function. */
export function tempDir(prefix = "kolabpad-it-") {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Environment for a test server: loopback, free port, quiet-ish logs, plus overrides. */
function serverEnv(overrides) {
  const env = { ...process.env, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info" };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

/** A running server process; `url`/`wsUrl` use the port it printed. */
export class ServerProcess {
  constructor(proc, host, port) {
    this.proc = proc;
    this.host = host;
    this.port = port;
    this.url = `http://${host}:${port}`;
    this.wsUrl = `ws://${host}:${port}`;
    this.exited = new Promise((res) => {
      if (proc.exitCode !== null || proc.signalCode !== null) res({ code: proc.exitCode, signal: proc.signalCode });
      else proc.once("exit", (code, signal) => res({ code, signal }));
    });
  }

  /** Everything the server wrote to stderr so far (last 64 KiB). */
  get log() { return this.proc.kolabpadLog(); }

  /** Sends `signal` and resolves with {code, signal, ms} once the process exited (SIGKILL after `timeoutMs`). */
  async stop(signal = "SIGTERM", timeoutMs = 10000) {
    const t0 = Date.now();
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    let timer;
    const timedOut = new Promise((res) => { timer = setTimeout(() => res(null), timeoutMs); });
    let result = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (result === null) {
      this.proc.kill("SIGKILL");
      result = { ...(await this.exited), killedAfterTimeout: true };
    }
    return { ...result, ms: Date.now() - t0 };
  }

  /** SIGKILLs the process (no cleanup on its side) and waits for it to be gone. */
  async kill() { return this.stop("SIGKILL"); }
}

/**
 * Spawns the binary with `env` overrides and resolves once it printed its listening line.
 * `fileSizeLimitKB` caps the size of any file it writes (RLIMIT_FSIZE, SIGXFSZ ignored), so
 * storage writes past it fail with EFBIG: a disk that is full for this process only.
 */
export async function startServer(env = {}, { timeoutMs = 15000, fileSizeLimitKB } = {}) {
  if (!existsSync(SERVER_BIN)) throw new Error(`server binary not built: ${SERVER_BIN}`);
  const opts = { env: serverEnv(env), stdio: ["ignore", "pipe", "pipe"] };
  const proc = fileSizeLimitKB === undefined
    ? spawn(SERVER_BIN, [], opts)
    : spawn("bash", ["-c", `trap '' XFSZ; ulimit -f ${Number(fileSizeLimitKB)}; exec "$0"`, SERVER_BIN], opts);
  let log = "";
  const keep = (chunk) => { log = (log + chunk.toString("utf8")).slice(-65536); };
  proc.kolabpadLog = () => log;
  proc.stdout.on("data", keep);
  return new Promise((resolvePromise, reject) => {
    let done = false;
    const finish = (err, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      proc.stderr.off("data", onData);
      proc.stderr.on("data", keep);
      if (err) { proc.kill("SIGKILL"); reject(err); } else resolvePromise(value);
    };
    const onData = (chunk) => {
      keep(chunk);
      const m = LISTENING.exec(log);
      if (m) finish(null, new ServerProcess(proc, m[1], Number(m[2])));
    };
    const timer = setTimeout(() => finish(new Error(`server did not print its listening line in ${timeoutMs} ms; log:\n${log}`)), timeoutMs);
    proc.stderr.on("data", onData);
    proc.once("error", (e) => finish(e));
    proc.once("exit", (code, signal) => finish(new Error(`server exited (code ${code}, signal ${signal}) before listening; log:\n${log}`)));
  });
}

/** Runs the binary expecting it to exit on its own; resolves {code, signal, output}. */
export function runServerToExit(env = {}, timeoutMs = 10000) {
  if (!existsSync(SERVER_BIN)) return Promise.reject(new Error(`server binary not built: ${SERVER_BIN}`));
  const proc = spawn(SERVER_BIN, [], { env: serverEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout.on("data", (c) => { output += c; });
  proc.stderr.on("data", (c) => { output += c; });
  return new Promise((res) => {
    const timer = setTimeout(() => { proc.kill("SIGKILL"); }, timeoutMs);
    proc.once("exit", (code, signal) => { clearTimeout(timer); res({ code, signal, output }); });
  });
}

/** A server on a temp SQLite file that can be restarted on the same file (and port when possible). */
export class ServerFixture {
  /** `env` applies to every start; the database lives in a fresh temp directory. */
  constructor(env = {}) {
    this.tmp = tempDir();
    this.dbPath = join(this.tmp.dir, "kolabpad.db");
    this.env = { SQLITE_URI: this.dbPath, ...env };
    this.server = null;
  }

  /** Starts the server; on restart it tries the previous port first so old URLs keep working. */
  async start(extraEnv = {}, options = {}) {
    const port = this.server ? this.server.port : 0;
    try {
      this.server = await startServer({ ...this.env, PORT: port, ...extraEnv }, options);
    } catch (e) {
      if (port === 0) throw e;
      this.server = await startServer({ ...this.env, PORT: 0, ...extraEnv }, options);
    }
    return this.server;
  }

  /** Stops (SIGTERM), then starts again on the same database file. */
  async restart(signal = "SIGTERM") {
    await this.server.stop(signal);
    return this.start();
  }

  get url() { return this.server.url; }
  get wsUrl() { return this.server.wsUrl; }

  /** Kills the server if running and removes the temp directory. */
  async dispose() {
    if (this.server) await this.server.stop("SIGKILL");
    this.tmp.cleanup();
  }
}
