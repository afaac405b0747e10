// Who wrote each character of the text this page shows, kept live: the attribution at some
// revision from GET /api/authors, then moved through every History entry (its author is the
// entry's id) and, for the page's own unacknowledged edits, through them as this user's. Every
// rule is @kolabpad/ot's Attribution (the server's C++ code); this only orders the calls.
import { Attribution, type OpSeq } from "@kolabpad/ot";
import type { HistoryEntry, UserInfo } from "./protocol.js";
import { opFromJson, type Op } from "./ot.js";
import type { HistoryApi, Look } from "./history-api.js";

/** What the authorship reads of a session. */
export interface AuthorshipSession {
  readonly client: { readonly revision: number; readonly outstanding: { op: Op } | null; readonly buffer: Op | null };
  readonly myId: number | null;
  readonly users: Map<number, UserInfo>;
}

/** Entries kept while the first attribution is on its way (then it is fetched again). */
const MAX_BUFFERED = 20000;

/** The live attribution of one document. */
export class LiveAuthorship {
  /** Told whenever the attribution (or an author's look) changed. */
  onChange: () => void = () => {};
  /** Told when the attribution could not be fetched. */
  onError: (message: string) => void = () => {};
  private base: Attribution | null = null; // the server text's, at `revision`
  private revision = 0;
  private buffered: { index: number; entry: HistoryEntry }[] = [];
  private looks = new Map<number, Look>();
  private active = false;
  private generation = 0;

  constructor(private api: HistoryApi, private session: AuthorshipSession) {}

  /** Starts following the document (fetching its attribution); true while active. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.fetch();
  }

  /** Stops and releases the attribution. */
  stop(): void {
    this.active = false;
    this.generation++;
    this.drop();
  }

  /** True once an attribution is held and follows the log. */
  get ready(): boolean { return this.base !== null; }

  /** Session event: log entries [start, ...) arrived. */
  onHistory(start: number, entries: HistoryEntry[]): void {
    if (!this.active) return;
    if (!this.base) {
      entries.forEach((entry, k) => this.buffered.push({ index: start + k, entry }));
      if (this.buffered.length > MAX_BUFFERED) this.refetch();
      return;
    }
    entries.forEach((entry, k) => this.take(start + k, entry));
    this.onChange();
  }

  /** Session event: the text was replaced; the attribution is fetched again. */
  onReset(): void { if (this.active) this.refetch(); }

  /**
   * The attribution of the page's text (the server's plus this user's unacknowledged edits), as a
   * flat array [length, author, ...] (author -1: unknown); null while it is not known.
   */
  localRuns(): number[] | null {
    const c = this.session.client;
    if (!this.base || this.revision !== c.revision) return null;
    const a = this.base.clone();
    const me = this.session.myId ?? -1;
    try {
      for (const op of [c.outstanding?.op, c.buffer]) if (op && !a.apply(op as unknown as OpSeq, me)) return null;
      return a.toJSON();
    } finally {
      a.free();
    }
  }

  /** How user `id` looks: now (connected), else as the server said when the attribution was read. */
  look(id: number): Look | null {
    return this.session.users.get(id) ?? this.looks.get(id) ?? null;
  }

  private take(index: number, entry: HistoryEntry): void {
    if (!this.base || index < this.revision) return;
    if (index > this.revision) return this.refetch(); // a gap: cannot follow
    const op = opFromJson(entry.operation);
    const ok = op !== undefined && this.base.apply(op as unknown as OpSeq, entry.id);
    op?.free();
    if (!ok) return this.refetch();
    this.revision++;
  }

  private refetch(): void {
    this.generation++;
    this.drop();
    this.fetch();
  }

  private drop(): void {
    this.base?.free();
    this.base = null;
    this.buffered = [];
  }

  private async fetch(): Promise<void> {
    const generation = ++this.generation;
    try {
      const view = await this.api.authors();
      if (generation !== this.generation || !this.active) return;
      const a = Attribution.fromJSON(view.attribution, [...view.text].length);
      if (!a) throw new Error("the attribution does not cover the text");
      for (const [id, look] of Object.entries(view.authors)) if (look) this.looks.set(Number(id), look);
      this.base = a;
      this.revision = view.revision;
      const pending = this.buffered;
      this.buffered = [];
      for (const { index, entry } of pending) this.take(index, entry);
      this.onChange();
    } catch (e) {
      if (generation === this.generation && this.active) this.onError((e as Error).message);
    }
  }
}
