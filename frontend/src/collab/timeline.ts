// The history panel's model (Etherpad's timeslider): the session list loaded page by page, the
// revision a slider shows and what is highlighted there, the play steps, and the text a revision
// shows built from a diff. Framework-free, so it is tested in Node against the real server.
import type { DiffSpan, DiffView, HistoryApi, HistoryPage, HistorySession } from "./history-api.js";

/** Play goes from one end to the other in at most this many steps. */
export const PLAY_STEPS = 200;

/** What the read-only view shows of one revision. */
export interface RevisionView {
  revision: number;
  since: number;         // the changes highlighted are those from `since` to `revision`
  text: string;          // the text at `revision` (kept + inserted spans)
  spans: DiffSpan[];
  authors: DiffView["authors"];
}

/** The text a diff's later revision has: its kept and inserted spans, in order. */
export function textOf(spans: DiffSpan[]): string {
  let s = "";
  for (const x of spans) if (x.kind !== "deleted") s += x.text;
  return s;
}

/** The history of one document as the panel shows it. */
export class Timeline {
  /** The document's current revision when the list was last read. */
  head = 0;
  /** The first revision still kept (retention may have dropped earlier ones). */
  first = 0;
  /** Sessions loaded so far, newest first. */
  sessions: HistorySession[] = [];
  private nextBefore: number | null = null;

  constructor(private api: HistoryApi) {}

  /** True when older sessions remain to be loaded with more(). */
  get hasMore(): boolean { return this.nextBefore !== null; }

  /** (Re)reads the newest page of sessions. */
  async load(limit?: number): Promise<void> {
    const p = await this.api.page(null, limit);
    this.sessions = p.sessions;
    this.take(p);
  }

  /** Reads the next page of older sessions, appended to the list. */
  async more(limit?: number): Promise<void> {
    if (this.nextBefore === null) return;
    const p = await this.api.page(this.nextBefore, limit);
    this.sessions = this.sessions.concat(p.sessions);
    this.take(p);
  }

  /** The lowest revision the slider reaches: the first kept one, or an older named version's. */
  get low(): number {
    let low = this.first;
    for (const s of this.sessions) if (s.start === s.end && s.end < low) low = s.end;
    return low;
  }

  /** The revision play moves to after `r` (the head at most); null at the head. */
  next(r: number): number | null {
    if (r >= this.head) return null;
    return Math.min(this.head, r + Math.max(1, Math.ceil((this.head - this.low) / PLAY_STEPS)));
  }

  /** The loaded session whose operations made revision `r` (start < r <= end), if any. */
  sessionOf(r: number): HistorySession | undefined {
    return this.sessions.find((s) => s.start < r && r <= s.end);
  }

  /**
   * The view of revision `r`, highlighting what changed since `since` (default: the revision
   * before it); a revision older than the kept log (a named version's) highlights nothing.
   */
  async view(r: number, since = r - 1): Promise<RevisionView> {
    const from = since < this.first || since < 0 || since > r ? r : since;
    const d = await this.api.diff(from, r);
    return { revision: r, since: from, text: textOf(d.spans), spans: d.spans, authors: d.authors };
  }

  private take(p: HistoryPage): void {
    this.head = p.revision;
    this.first = p.first_revision;
    this.nextBefore = p.next_before;
  }
}
