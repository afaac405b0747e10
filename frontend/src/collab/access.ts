// What the page knows of its access: the claims of a signed token (read, not verified: the server
// verifies; the page only adapts its controls), and the refusal reasons the server gives.

/** The claims the editor uses from a token. */
export interface TokenClaims { role?: string; name?: string; exp?: number; doc?: string; docs?: string[]; }

/** The claims of a compact JWS `token`, or null when it is not one. Never trusted for access. */
export function tokenClaims(token: string): TokenClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1].length > 16384) return null;
  try {
    const b64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as TokenClaims) : null;
  } catch {
    return null;
  }
}

/** Why an access check failed: a token is needed (or was refused), or the OTP / the read-only link is wrong. */
export type AccessProblem = "token" | "otp" | "view_link";

/** The problem a 401 answer's JSON body names (docs/protocol.md), or null for any other answer. */
export function accessProblem(status: number, body: unknown): AccessProblem | null {
  if (status !== 401) return null;
  const reason = typeof body === "object" && body !== null ? (body as { reason?: unknown }).reason : undefined;
  if (reason === "wrong_view_link") return "view_link";
  if (reason === "wrong_otp" || reason === undefined) return "otp";
  return "token";
}
