// Document addresses: the document lives in the URL hash, `/#<id>` or `/#<id>?otp=<token>`.
// A hash never reaches the server, so any server path serving index.html works.

/** A document id and its access token (null when unprotected or unknown). */
export interface Route { id: string; otp: string | null; }

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Reads the route from a location hash; null when it names no valid document. */
export function parseRoute(hash: string): Route | null {
  const h = hash.replace(/^#/, "");
  const q = h.indexOf("?");
  const id = decodeURIComponent(q < 0 ? h : h.slice(0, q));
  if (!ID.test(id)) return null;
  const otp = q < 0 ? null : new URLSearchParams(h.slice(q + 1)).get("otp");
  return { id, otp: otp || null };
}

/** The hash for a route. */
export function routeHash(r: Route): string {
  return `#${r.id}` + (r.otp ? `?otp=${encodeURIComponent(r.otp)}` : "");
}

/** The full link to share (origin + path + hash). */
export function shareLink(r: Route, loc: Location = location): string {
  return `${loc.origin}${loc.pathname}${routeHash(r)}`;
}

/** A fresh random document id (10 characters of [A-Za-z0-9]). */
export function newDocId(): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => abc[b % abc.length]).join("");
}
