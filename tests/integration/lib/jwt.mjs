// Signed tokens for the access tests, made with Node's crypto (an implementation independent of the
// server's). Keys and secrets are generated per run; none is committed.
import crypto from "node:crypto";

const b64u = (buf) => Buffer.from(buf).toString("base64url");
const part = (v) => b64u(Buffer.from(typeof v === "string" ? v : JSON.stringify(v)));

/** A fresh HS256 secret (43 base64url characters, 256 bits). */
export function newSecret() { return crypto.randomBytes(32).toString("base64url"); }

/** A fresh RSA key pair as PEM ({publicPem, privatePem}). */
export function newRsa() {
  const k = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { publicPem: k.publicKey.export({ type: "spki", format: "pem" }), privatePem: k.privateKey, key: k };
}

/** Seconds since 1970. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A compact JWS of `claims` signed with HS256 under `secret` (header overridable). */
export function hs256(claims, secret, header = { alg: "HS256", typ: "JWT" }) {
  const input = `${part(header)}.${part(claims)}`;
  return `${input}.${b64u(crypto.createHmac("sha256", secret).update(input).digest())}`;
}

/** A compact JWS of `claims` signed with RS256 by `privateKey`. */
export function rs256(claims, privateKey) {
  const input = `${part({ alg: "RS256", typ: "JWT" })}.${part(claims)}`;
  return `${input}.${b64u(crypto.sign("sha256", Buffer.from(input), privateKey))}`;
}

/** An unsigned token (alg none). */
export function unsigned(claims) { return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`; }

/** Claims for document `doc` with `role`, valid for `ttl` seconds from now, plus `extra`. */
export function claimsFor(doc, role = "edit", { ttl = 600, ...extra } = {}) {
  return { doc, role, name: "Ada", sub: "user-1", iat: nowSeconds(), exp: nowSeconds() + ttl, ...extra };
}
