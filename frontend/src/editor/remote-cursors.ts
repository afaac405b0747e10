// Shows other users' carets (with a name label) and selections in their colors.
import type { monaco } from "./monaco-setup.js";
import type { CursorData, UserInfo } from "../collab/index.js";
import type { MonacoBinding } from "./binding.js";

/** CSS color for a user hue. */
export function hueColor(hue: number, light = 45): string { return `hsl(${hue}, 75%, ${light}%)`; }

class NameLabel implements monaco.editor.IContentWidget {
  readonly node = document.createElement("div");
  position: monaco.IPosition = { lineNumber: 1, column: 1 };
  constructor(private id: number) {
    this.node.className = "kp-cursor-label";
    this.node.dataset.user = String(id);
  }
  getId(): string { return `kp-cursor-label-${this.id}`; }
  getDomNode(): HTMLElement { return this.node; }
  getPosition(): monaco.editor.IContentWidgetPosition {
    return { position: this.position, preference: [1, 2] }; // ABOVE, then BELOW
  }
}

/** Renders the remote cursors of a session on one editor. */
export class RemoteCursors {
  private decorations: monaco.editor.IEditorDecorationsCollection;
  private labels = new Map<number, NameLabel>();
  private style = document.createElement("style");

  constructor(private editor: monaco.editor.IStandaloneCodeEditor, private binding: MonacoBinding) {
    this.decorations = editor.createDecorationsCollection();
    document.head.appendChild(this.style);
  }

  /** Redraws every remote cursor (positions already in local code points). */
  render(cursors: Map<number, CursorData>, users: Map<number, UserInfo>): void {
    const decos: monaco.editor.IModelDeltaDecoration[] = [];
    const css: string[] = [];
    const seen = new Set<number>();
    for (const [id, data] of cursors) {
      const info = users.get(id);
      if (!info) continue;
      seen.add(id);
      css.push(`.kp-caret-${id}{border-left:2px solid ${hueColor(info.hue)};margin-left:-1px}`,
        `.kp-sel-${id}{background:${hueColor(info.hue, 60)};opacity:.35}`);
      for (const [a, b] of data.selections) {
        const from = this.binding.posAt(Math.min(a, b));
        const to = this.binding.posAt(Math.max(a, b));
        decos.push({ range: range(from, to), options: { className: `kp-sel-${id}` } });
      }
      for (const c of data.cursors) {
        const p = this.binding.posAt(c);
        decos.push({
          range: range(p, p),
          options: { beforeContentClassName: `kp-caret kp-caret-${id}`,
            stickiness: 1 /* NeverGrowsWhenTypingAtEdges */ },
        });
      }
      const first = data.cursors[0];
      let label = this.labels.get(id);
      if (first === undefined) {
        if (label) { this.editor.removeContentWidget(label); this.labels.delete(id); }
        continue;
      }
      if (!label) {
        label = new NameLabel(id);
        this.labels.set(id, label);
        this.editor.addContentWidget(label);
      }
      label.node.textContent = info.name;
      label.node.style.background = hueColor(info.hue);
      label.position = this.binding.posAt(first);
      this.editor.layoutContentWidget(label);
    }
    for (const [id, label] of this.labels) {
      if (!seen.has(id)) { this.editor.removeContentWidget(label); this.labels.delete(id); }
    }
    this.style.textContent = css.join("\n");
    this.decorations.set(decos);
  }
}

function range(a: monaco.IPosition, b: monaco.IPosition): monaco.IRange {
  return { startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber,
    endColumn: b.column };
}
