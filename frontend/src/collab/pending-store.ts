// Keeps unacknowledged edits in localStorage so that a reload (or a crash) does not lose them.
// One key per page load (its client id), so two open tabs never overwrite each other's work.
import type { PendingState } from "./ot-client.js";

/** The part of the Web Storage API that is used (localStorage, or a Map-backed fake in Node). */
export interface StorageLike {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface Entry { updated: number; closed: boolean; state: PendingState; }

/** Milliseconds after which an entry whose tab stopped refreshing it counts as abandoned. */
export const ABANDONED_AFTER_MS = 5000;

/** Saves and recovers one page load's pending work for one document. */
export class PendingStore {
  private readonly prefix: string;

  /** `docId` scopes the entries; `client` names this page load's own entry. */
  constructor(private storage: StorageLike | null, docId: string, private client: string,
    private now: () => number = Date.now) {
    this.prefix = `kolabpad:pending:${docId}:`;
  }

  /** Writes this page's pending work (removes the entry when there is none). */
  save(state: PendingState | null, closed = false): void {
    if (!this.storage) return;
    const key = this.prefix + this.client;
    try {
      if (!state) this.storage.removeItem(key);
      else this.storage.setItem(key, JSON.stringify({ updated: this.now(), closed, state }));
    } catch {
      // Quota exceeded or storage disabled: the work still lives in memory and gets resent.
    }
  }

  /** Takes (and removes) the newest entry another, closed or abandoned, page load left behind. */
  takeAbandoned(): PendingState | null {
    if (!this.storage) return null;
    let best: { key: string; entry: Entry } | null = null;
    for (let i = 0; i < this.storage.length; i++) {
      const key = this.storage.key(i);
      if (!key || !key.startsWith(this.prefix) || key === this.prefix + this.client) continue;
      let entry: Entry;
      try { entry = JSON.parse(this.storage.getItem(key) ?? "null"); } catch { continue; }
      if (!entry || !entry.state) continue;
      if (!entry.closed && this.now() - entry.updated < ABANDONED_AFTER_MS) continue;
      if (!best || entry.updated > best.entry.updated) best = { key, entry };
    }
    if (!best) return null;
    this.storage.removeItem(best.key);
    return best.entry.state;
  }
}
