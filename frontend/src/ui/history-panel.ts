// The history panel: the list of editing sessions and named versions, a slider and a play button
// stepping through revisions (Etherpad's timeslider), the chosen revision read-only with what
// changed highlighted, "Restore this version", "Copy text" and "Save version".
import type { HistoryApi, HistorySession, Look, Timeline } from "../collab/index.js";
import type { HistoryView } from "../editor/history-view.js";
import { hueColor } from "../editor/remote-cursors.js";

/** The page elements of the panel. */
export interface HistoryElements {
  panel: HTMLElement; editor: HTMLElement; toggle: HTMLButtonElement;
  slider: HTMLInputElement; play: HTMLButtonElement; label: HTMLElement;
  restore: HTMLButtonElement; copy: HTMLButtonElement; close: HTMLButtonElement;
  list: HTMLOListElement; more: HTMLButtonElement; versionForm: HTMLFormElement; versionName: HTMLInputElement;
}

/** What the panel needs from the rest of the page. */
export interface HistoryHooks {
  restore(revision: number): boolean;
  saveVersion(name: string): boolean;
  language(): string;
  look(id: number): Look | null;
  showAuthors(): boolean;
  notify(kind: "error" | "info", text: string): void;
}

/** Milliseconds between two steps of play. */
const PLAY_INTERVAL_MS = 180;

/** Controls the panel; the page calls open()/close() and tells it about new history. */
export class HistoryPanel {
  private current = 0;       // the revision shown
  private request = 0;       // the latest view request; older answers are dropped
  private playing = false;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private isOpen = false;

  constructor(private el: HistoryElements, private timeline: Timeline, private viewer: HistoryView,
    private api: HistoryApi, private hooks: HistoryHooks) {
    el.toggle.addEventListener("click", () => (this.isOpen ? this.close() : void this.open()));
    el.close.addEventListener("click", () => this.close());
    el.slider.addEventListener("input", () => void this.show(Number(el.slider.value)));
    el.play.addEventListener("click", () => (this.playing ? this.stop() : void this.playFrom(this.current)));
    el.restore.addEventListener("click", () => this.restoreShown());
    el.copy.addEventListener("click", () => void this.copyShown());
    el.more.addEventListener("click", () => void this.loadMore());
    el.versionForm.addEventListener("submit", (e) => {
      e.preventDefault();
      const name = el.versionName.value.trim();
      if (!name) return;
      if (this.hooks.saveVersion(name)) el.versionName.value = "";
      else this.hooks.notify("error", "Not connected: the version was not saved");
    });
  }

  /** True while the panel is shown. */
  get opened(): boolean { return this.isOpen; }

  /** The revision shown. */
  get revision(): number { return this.current; }

  /** Shows the panel at the newest revision. */
  async open(): Promise<void> {
    this.isOpen = true;
    this.el.panel.hidden = false;
    this.el.editor.hidden = true;
    document.body.classList.add("history-open");
    this.el.toggle.setAttribute("aria-pressed", "true");
    try {
      await this.timeline.load();
    } catch (e) {
      return this.failed(e);
    }
    this.renderList();
    this.renderSlider();
    await this.show(this.timeline.head, this.timeline.sessionOf(this.timeline.head)?.start);
  }

  /** Back to editing. */
  close(): void {
    this.stop();
    this.isOpen = false;
    this.el.panel.hidden = true;
    this.el.editor.hidden = false;
    document.body.classList.remove("history-open");
    this.el.toggle.setAttribute("aria-pressed", "false");
  }

  /** The document's log grew or a version was named: the list follows (the view stays put unless at the head). */
  changed(): void {
    if (!this.isOpen || this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => { this.refreshTimer = null; void this.refresh(); }, 300);
  }

  /** Shows revision `r`, highlighting what changed since `since` (default: the revision before). */
  async show(r: number, since?: number): Promise<void> {
    const id = ++this.request;
    this.current = r;
    this.el.slider.value = String(r);
    try {
      const view = await this.timeline.view(r, since);
      const runs = this.hooks.showAuthors() ? (await this.api.authors(r)).attribution : null;
      if (id !== this.request) return;
      this.viewer.show(view, this.hooks.language(), (a) => this.hooks.look(a), runs);
      this.renderLabel();
      this.markSelected();
    } catch (e) {
      if (id === this.request) this.failed(e);
    }
  }

  private async refresh(): Promise<void> {
    const followed = this.current === this.timeline.head;
    try {
      await this.timeline.load(Math.max(20, this.timeline.sessions.length));
    } catch (e) {
      return this.failed(e);
    }
    this.renderList();
    this.renderSlider();
    if (followed && !this.playing) await this.show(this.timeline.head, this.timeline.sessionOf(this.timeline.head)?.start);
    else this.renderLabel();
  }

  private async loadMore(): Promise<void> {
    try {
      await this.timeline.more();
    } catch (e) {
      return this.failed(e);
    }
    this.renderList();
    this.renderSlider();
  }

  private async playFrom(r: number): Promise<void> {
    this.playing = true;
    this.el.play.textContent = "❚❚ Pause";
    this.el.play.setAttribute("aria-label", "Pause");
    let at = r >= this.timeline.head ? this.timeline.low : r;
    if (at !== r) await this.show(at, at);
    for (;;) {
      await new Promise((res) => setTimeout(res, PLAY_INTERVAL_MS));
      const next = this.timeline.next(at);
      if (!this.playing || next === null) break;
      await this.show(next, at);
      at = next;
    }
    this.stop();
  }

  private stop(): void {
    this.playing = false;
    this.el.play.textContent = "▶ Play";
    this.el.play.setAttribute("aria-label", "Play");
  }

  private restoreShown(): void {
    const r = this.current;
    if (r === this.timeline.head) {
      this.hooks.notify("info", "This is the current version already");
      return;
    }
    if (this.hooks.restore(r)) this.hooks.notify("info", `Restoring revision ${r}…`);
    else this.hooks.notify("error", "Not connected: nothing was restored");
  }

  private async copyShown(): Promise<void> {
    let text: string;
    try {
      text = await this.api.text(this.current);
    } catch (e) {
      return this.failed(e);
    }
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    this.hooks.notify("info", `Copied the text of revision ${this.current}`);
  }

  private failed(e: unknown): void {
    const code = (e as { code?: string }).code;
    this.hooks.notify("error", code === "gone" ? "That revision is older than the kept history"
      : `History could not be read: ${(e as Error).message}`);
  }

  private renderSlider(): void {
    this.el.slider.min = String(this.timeline.low);
    this.el.slider.max = String(this.timeline.head);
    this.el.slider.value = String(Math.min(this.current, this.timeline.head));
  }

  private renderLabel(): void {
    const s = this.timeline.sessionOf(this.current);
    const when = s ? ` · ${new Date(s.end_time).toLocaleString()}` : "";
    const version = this.timeline.sessions.find((x) => x.end === this.current && x.version)?.version;
    this.el.label.textContent = `Revision ${this.current} of ${this.timeline.head}${version ? ` · “${version.name}”` : ""}${when}`;
    this.el.restore.disabled = this.current === this.timeline.head;
  }

  private renderList(): void {
    this.el.list.replaceChildren(...this.timeline.sessions.map((s) => this.item(s)));
    this.el.more.hidden = !this.timeline.hasMore;
    this.markSelected();
  }

  private markSelected(): void {
    for (const li of this.el.list.children) {
      const end = Number((li as HTMLElement).dataset.end);
      li.setAttribute("aria-selected", String(end === this.current));
    }
  }

  private item(s: HistorySession): HTMLLIElement {
    const li = document.createElement("li");
    li.className = s.version ? "history-item named" : "history-item";
    li.dataset.end = String(s.end);
    li.dataset.start = String(s.start);
    li.tabIndex = 0;
    const title = document.createElement("div");
    title.className = "history-title";
    title.textContent = s.version ? s.version.name : `Revision ${s.end}`;
    const meta = document.createElement("div");
    meta.className = "history-meta";
    const t0 = new Date(s.start_time), t1 = new Date(s.end_time);
    const range = s.operations === 0 ? t1.toLocaleString()
      : `${t0.toLocaleString()}${s.end_time - s.start_time > 60000 ? ` – ${t1.toLocaleTimeString()}` : ""}`;
    meta.textContent = s.operations ? `${range} · +${s.inserted} −${s.deleted}` : `${range} · named by ${s.version?.user_name ?? "someone"}`;
    const who = document.createElement("div");
    who.className = "history-authors";
    for (const a of s.authors) {
      const span = document.createElement("span");
      span.className = "history-author";
      const dot = document.createElement("span");
      dot.className = "swatch";
      dot.style.background = a.hue === null ? "var(--muted)" : hueColor(a.hue);
      span.append(dot, document.createTextNode(a.name ?? "Someone"));
      who.append(span);
    }
    li.append(title, meta, who);
    const choose = () => void this.show(s.end, s.start < s.end ? s.start : s.end);
    li.addEventListener("click", choose);
    li.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(); } });
    return li;
  }
}
