// The embedding page's side of access (docs/security.md, "Embedding"): the editor asks it for
// signed tokens through a global callback, `window.kolabpad.getToken({document, reason})`, set by
// a page that hosts the editor in its own window, or else, inside a frame, by postMessage with the
// parent: {type:"kolabpad:token-request", id, document, reason} up, {type:"kolabpad:token", id, token}
// back. The parent may also send {type:"kolabpad:token", token} unasked (a proactive refresh).

/** How long the embedding page has to answer (ms). */
export const TOKEN_TIMEOUT_MS = 10000;

/** Why a token is asked for: the last one expired, or a token is needed or was refused. */
export type TokenReason = "expired" | "refused";

type Hook = (request: { document: string; reason: TokenReason }) => Promise<string | null> | string | null;

interface TokenMessage { type: "kolabpad:token"; id?: number; token?: unknown; }

let nextId = 1;
const pending = new Map<number, (token: string | null) => void>();
let unasked: ((token: string) => void) | null = null;

function framed(): boolean {
  try { return window.parent !== window; } catch { return true; }
}

function isTokenMessage(v: unknown): v is TokenMessage {
  return typeof v === "object" && v !== null && (v as { type?: unknown }).type === "kolabpad:token";
}

addEventListener("message", (e: MessageEvent) => {
  // Only the frame that holds this page speaks for it (FRAME_ANCESTORS decides who may).
  if (!framed() || e.source !== window.parent || !isTokenMessage(e.data)) return;
  const token = typeof e.data.token === "string" && e.data.token ? e.data.token : null;
  const id = e.data.id;
  if (id !== undefined && pending.has(id)) {
    pending.get(id)!(token);
    pending.delete(id);
  } else if (token && unasked) {
    unasked(token);
  }
});

/** True when the page can ask someone for tokens: a global callback, or a parent frame. */
export function canAskForTokens(): boolean {
  const hook = (window as unknown as { kolabpad?: { getToken?: unknown } }).kolabpad?.getToken;
  return typeof hook === "function" || framed();
}

/** A fresh token for `doc` from the embedding page; null without one, on an error or after TOKEN_TIMEOUT_MS. */
export async function askForToken(doc: string, reason: TokenReason): Promise<string | null> {
  const hook = (window as unknown as { kolabpad?: { getToken?: Hook } }).kolabpad?.getToken;
  let answer: Promise<string | null>;
  if (typeof hook === "function") {
    answer = Promise.resolve().then(() => hook({ document: doc, reason })).then((t) => (typeof t === "string" && t ? t : null));
  } else if (framed()) {
    const id = nextId++;
    answer = new Promise((resolve) => pending.set(id, resolve));
    window.parent.postMessage({ type: "kolabpad:token-request", id, document: doc, reason }, "*");
  } else {
    return null;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), TOKEN_TIMEOUT_MS); });
  try {
    return await Promise.race([answer.catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Calls `f` with every token the parent frame sends without being asked. */
export function onUnaskedToken(f: (token: string) => void): void { unasked = f; }
