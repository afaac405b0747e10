// The history's HTTP API (docs/history.md "HTTP routes") as typed calls: the session list, diffs,
// authorship and the text at a revision. Framework-free: it takes a fetch function, so it runs in
// Node as in the browser.

/** How a user looked (at some revision); null fields when they never sent ClientInfo. */
export interface Look { name: string; hue: number; }

/** One look's share of a session. */
export interface SessionAuthor {
  name: string | null; hue: number | null; users: number[]; operations: number; inserted: number; deleted: number;
}

/** A name given to the session's end revision. */
export interface SessionVersion { name: string; user: number; user_name: string | null; time: number; }

/** An editing session: operations start .. end - 1 (a named version alone has start == end). */
export interface HistorySession {
  start: number; end: number; start_time: number; end_time: number;
  operations: number; inserted: number; deleted: number;
  authors: SessionAuthor[]; version: SessionVersion | null;
}

/** GET /api/history/{id}. */
export interface HistoryPage {
  revision: number; first_revision: number; sessions: HistorySession[]; next_before: number | null;
}

/** A stretch of a diff: kept + inserted spell the later text, kept + deleted the earlier one. */
export interface DiffSpan { kind: "kept" | "inserted" | "deleted"; text: string; author: number | null; }

/** GET /api/diff/{id}. */
export interface DiffView {
  from: number; to: number; method: "composed" | "text_diff"; operation: unknown;
  spans: DiffSpan[]; authors: Record<string, Look | null>;
}

/** GET /api/authors/{id}: the text and its attribution [length, author, ...] (author -1: unknown). */
export interface AuthorsView { revision: number; text: string; attribution: number[]; authors: Record<string, Look | null>; }

/** A failed request: the server's error code ("gone", "not_found"...), or "network". */
export class HistoryError extends Error {
  constructor(readonly code: string, message: string, readonly status = 0) { super(message); }
}

/** The fetch this module needs (the browser's, or Node's). */
export type FetchLike = (url: string) => Promise<{ status: number; text(): Promise<string> }>;

/** The history routes of one document. */
export class HistoryApi {
  /** `base`: the server's origin ("" in the browser); `credentials`: the query parameters that grant access (otp, view, token). */
  constructor(private docId: string, private fetchFn: FetchLike, private base = "",
    private credentials: () => Record<string, string | null | undefined> = () => ({})) {}

  /** A page of sessions, newest first, ending below `before` (default: all). */
  page(before?: number | null, limit?: number): Promise<HistoryPage> {
    return this.json(`/api/history/${this.docId}`, { before: before ?? undefined, limit });
  }

  /** What changed from revision `from` to `to`. */
  diff(from: number, to: number): Promise<DiffView> { return this.json(`/api/diff/${this.docId}`, { from, to }); }

  /** The text and authorship at `revision` (default: the current one). */
  authors(revision?: number): Promise<AuthorsView> { return this.json(`/api/authors/${this.docId}`, { revision }); }

  /** The text at `revision`, exactly. */
  async text(revision: number): Promise<string> {
    const r = await this.get(`/api/text/${this.docId}`, { revision });
    return r;
  }

  private async json<T>(path: string, query: Record<string, number | undefined>): Promise<T> {
    return JSON.parse(await this.get(path, query)) as T;
  }

  private async get(path: string, query: Record<string, number | undefined>): Promise<string> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
    for (const [k, v] of Object.entries(this.credentials())) if (v) q.set(k, v);
    const qs = q.toString();
    let res;
    try {
      res = await this.fetchFn(`${this.base}${path}${qs ? `?${qs}` : ""}`);
    } catch (e) {
      throw new HistoryError("network", `the server could not be reached (${(e as Error).message})`);
    }
    const body = await res.text();
    if (res.status !== 200) {
      let code = "error", message = body;
      try {
        const e = JSON.parse(body) as { error?: string; message?: string };
        code = e.error ?? code;
        message = e.message ?? message;
      } catch { /* not JSON */ }
      throw new HistoryError(code, message, res.status);
    }
    return body;
  }
}
