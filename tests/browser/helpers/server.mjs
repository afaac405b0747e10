// Starts the real server binary (build/server/kolabpad-server) serving the built frontend.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
/** Path of the server binary. */
export const SERVER_BIN = `${root}build/server/kolabpad-server`;
/** The built frontend the server serves. */
export const STATIC_DIR = `${root}frontend/dist`;

/** Throws a clear error when the binary or the built frontend is missing. */
export function requireBuilt() {
  if (!existsSync(SERVER_BIN)) throw new Error(`${SERVER_BIN} is missing: run \`npm run build\` first`);
  if (!existsSync(`${STATIC_DIR}/index.html`)) {
    throw new Error(`${STATIC_DIR}/index.html is missing: run \`npm run build --workspace frontend\``);
  }
}

/** Starts the server (PORT=0 picks a free port, `env` adds settings); resolves once it listens. */
export async function startServer({ db, port = 0, env = {} }) {
  requireBuilt();
  const child = spawn(SERVER_BIN, [], {
    env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", SQLITE_URI: db, STATIC_DIR, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 15000);
    child.stderr.on("data", (d) => {
      log += d;
      const m = log.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${log}`)); });
  });
  child.stderr.removeAllListeners("data");
  child.stderr.resume();
  child.removeAllListeners("exit");
  const exited = new Promise((r) => child.once("exit", r));
  return {
    url,
    port: Number(new URL(url).port),
    /** Stops the server with SIGTERM (a graceful shutdown) and waits for it to exit. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 10000);
      await exited;
      clearTimeout(t);
    },
  };
}
