// Document addresses: the document lives in the URL hash, `/#<id>`, `/#<id>?otp=<otp>` (a protected
// document), `/#<id>?view=<link>` (a read-only link) or `/#<id>?token=<signed token>` (an embedding
// page's token; the page takes it out of the address bar at once). A hash never reaches the
// server, so any server path serving index.html works.

/** A document id and its credentials (null when absent). */
export interface Route { id: string; otp: string | null; view?: string | null; token?: string | null; }

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Reads the route from a location hash; null when it names no valid document. */
export function parseRoute(hash: string): Route | null {
  const h = hash.replace(/^#/, "");
  const q = h.indexOf("?");
  const id = decodeURIComponent(q < 0 ? h : h.slice(0, q));
  if (!ID.test(id)) return null;
  const params = new URLSearchParams(q < 0 ? "" : h.slice(q + 1));
  return { id, otp: params.get("otp") || null, view: params.get("view") || null, token: params.get("token") || null };
}

/** The hash for a route: never with its token (a token is not for sharing, nor for the history). */
export function routeHash(r: Route): string {
  if (r.view) return `#${r.id}?view=${encodeURIComponent(r.view)}`;
  return `#${r.id}` + (r.otp ? `?otp=${encodeURIComponent(r.otp)}` : "");
}

/** The full link to share (origin + path + hash). */
export function shareLink(r: Route, loc: Location = location): string {
  return `${loc.origin}${loc.pathname}${routeHash(r)}`;
}

/** The read-only link of document `id` with link token `view`. */
export function viewLink(id: string, view: string, loc: Location = location): string {
  return shareLink({ id, otp: null, view }, loc);
}

/** A fresh random document id (10 characters of [A-Za-z0-9]). */
export function newDocId(): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => abc[b % abc.length]).join("");
}
