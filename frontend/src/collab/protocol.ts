// The wire messages of PROTOCOL.md (version 1 and the 1.1 access additions), as TypeScript types, plus the parser.
import { sha256 } from "@noble/hashes/sha2.js";

/** A user's display information. */
export interface UserInfo { name: string; hue: number; }

/** A user's cursors and selections, in code points. */
export interface CursorData { cursors: number[]; selections: [number, number][]; }

/**
 * One entry of the document's log. `client` (the tag of the Edit's client) and `seq` come when the
 * Edit carried them. A restore's entry has `client: "server"` (no client's tag) and `restore`, the
 * revision it brought back (docs/history.md).
 */
export interface HistoryEntry { id: number; operation: unknown; client?: string; seq?: number; restore?: number; }

/** A named revision (SaveVersion): broadcast to everyone once stored. */
export interface VersionMsg { revision: number; name: string; user: number; time: number; }

/** Every message the server may send; exactly one key is set. */
export interface ServerMsg {
  Identity?: number;
  History?: { start: number; operations: HistoryEntry[] };
  Snapshot?: { revision: number; text: string };
  Language?: string;
  LanguageBy?: number;
  UserInfo?: { id: number; info: UserInfo | null };
  UserCursor?: { id: number; data: CursorData };
  OTP?: { otp: string | null; user_id: number; user_name: string };
  Signal?: { from: number; data: unknown };
  Rejected?: { seq?: number | null; code: string; message: string };
  /** The read-only link token (?view=) made for this user's CreateViewLink. */
  ViewLink?: { token: string };
  Version?: VersionMsg;
  Error?: { code: string; message: string };
}

/** An Edit as sent by this client. */
export interface EditMsg {
  Edit: { revision: number; operation: unknown; client: string; seq: number };
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const tagCache = new Map<string, string>();

/**
 * The tag History shows for an Edit's secret `client` (docs/protocol.md): base64url without padding
 * of SHA-256 of its UTF-8 bytes, first 22 characters. Computed without WebCrypto, which a page served
 * over plain http from another host than localhost does not have.
 */
export function clientTag(client: string): string {
  const known = tagCache.get(client);
  if (known !== undefined) return known;
  const d = sha256(new TextEncoder().encode(client));
  let out = "";
  for (let i = 0; i < 18; i += 3) {
    const v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    out += BASE64URL[(v >> 18) & 63] + BASE64URL[(v >> 12) & 63] + BASE64URL[(v >> 6) & 63] + BASE64URL[v & 63];
  }
  const tag = out.slice(0, 22);
  if (tagCache.size >= 16) tagCache.clear(); // a page has one or two secrets; bound it anyway
  tagCache.set(client, tag);
  return tag;
}

/** Parses one text frame; returns undefined for anything that is not a single-key object. */
export function parseServerMsg(data: string): ServerMsg | undefined {
  let v: unknown;
  try { v = JSON.parse(data); } catch { return undefined; }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  if (Object.keys(v).length !== 1) return undefined;
  return v as ServerMsg;
}

/** WebSocket close codes the client treats specially. */
export const CloseCode = {
  GoingAway: 1001, // server shutting down: reconnect and resume
  Unsupported: 1003,
  InvalidData: 1007,
  Policy: 1008,
  TooBig: 1009,
  Evicted: 4000,
  TokenExpired: 4001, // the token ran out: get a fresh one and resume
  ViewLinkRevoked: 4002, // a newer read-only link replaced the one this connection used
} as const;

/** The smallest WebSocket surface the session needs (the browser's, or `ws` in Node). */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** Makes a socket for a URL (the global WebSocket in browsers). */
export type SocketFactory = (url: string) => SocketLike;
