// Token settings on the real binary: a bad AUTH_MODE/JWT_*/CORS_ORIGINS configuration stops the
// server at start (exit 2) naming the variable and never printing the secret; a good one starts.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { writeFileSync } from "node:fs";
import { join as pathJoin } from "node:path";
import { runServerToExit, startServer, tempDir } from "./lib/server.mjs";
import { httpGet } from "./lib/client.mjs";

const SECRET = crypto.randomBytes(32).toString("base64url");

// Key files for one test, generated now (no key is committed).
function keyFiles(dir) {
  const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const file = (name, text) => {
    const p = pathJoin(dir, name);
    writeFileSync(p, text);
    return p;
  };
  return {
    publicKey: file("jwt.pub", ec.publicKey.export({ type: "spki", format: "pem" })),
    privateKey: file("jwt.key", ec.privateKey.export({ type: "pkcs8", format: "pem" })),
    junk: file("junk.pem", "not a key\n"),
    secret: file("jwt.secret", `${SECRET}\n`),
    missing: pathJoin(dir, "missing.pem"),
  };
}

const BAD = [
  ["AUTH_MODE", () => ({ AUTH_MODE: "jwt" })],
  ["AUTH_MODE", () => ({ AUTH_MODE: "token" })],
  ["JWT_SECRET_FILE", (k) => ({ JWT_SECRET: SECRET, JWT_SECRET_FILE: k.secret })],
  ["JWT_SECRET", () => ({ AUTH_MODE: "token", JWT_SECRET: "short" })],
  ["JWT_PUBLIC_KEY_FILE", (k) => ({ AUTH_MODE: "token", JWT_PUBLIC_KEY_FILE: k.missing })],
  ["JWT_PUBLIC_KEY_FILE", (k) => ({ AUTH_MODE: "token", JWT_PUBLIC_KEY_FILE: k.junk })],
  ["JWT_PUBLIC_KEY_FILE", (k) => ({ AUTH_MODE: "token", JWT_PUBLIC_KEY_FILE: k.privateKey })],
  ["JWT_PUBLIC_KEY_FILE", (k) => ({ JWT_SECRET: SECRET, JWT_PUBLIC_KEY_FILE: k.publicKey })],
  ["CORS_ORIGINS", () => ({ CORS_ORIGINS: "https://lms.example/" })],
  ["AUTH_TOKEN_DOCUMENTS", () => ({ AUTH_MODE: "mixed", JWT_SECRET: SECRET })],
  ["AUTH_TOKEN_DOCUMENTS", () => ({ AUTH_MODE: "mixed", JWT_SECRET: SECRET, AUTH_TOKEN_DOCUMENTS: "exam-*,a b" })],
  ["AUTH_TOKEN_DOCUMENTS", () => ({ AUTH_TOKEN_DOCUMENTS: "exam-*" })],
];

for (const [name, vars] of BAD) {
  test(`a bad token setting (${name}) exits with code 2 naming it`, async () => {
    const tmp = tempDir();
    try {
      const env = vars(keyFiles(tmp.dir));
      const r = await runServerToExit({ ...env, SQLITE_URI: pathJoin(tmp.dir, "db.sqlite") });
      assert.equal(r.code, 2, `exit ${r.code}/${r.signal}; output:\n${r.output}`);
      assert.ok(r.output.includes(`${name}: `), `the message names ${name}:\n${r.output}`);
      assert.ok(!r.output.includes(SECRET), "the secret is never printed");
    } finally {
      tmp.cleanup();
    }
  });
}

test("token mode with a key file and an origin list starts", async () => {
  const tmp = tempDir();
  try {
    const k = keyFiles(tmp.dir);
    const s = await startServer({
      SQLITE_URI: ":memory:", AUTH_MODE: "token", JWT_PUBLIC_KEY_FILE: k.publicKey, JWT_PRIVATE_KEY_FILE: k.privateKey,
      JWT_AUDIENCE: "kolabpad", CORS_ORIGINS: "https://lms.example, http://localhost:5173",
    });
    try {
      assert.equal((await httpGet(s.url, "/api/health")).status, 200);
    } finally {
      await s.stop("SIGKILL");
    }
  } finally {
    tmp.cleanup();
  }
});
