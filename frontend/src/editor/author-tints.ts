// "Show authors": tints text by its author's hue (the users' colors) with the author's name on
// hover, as Monaco decorations over runs [length, author, ...] in code points (author -1: unknown).
import type { monaco } from "./monaco-setup.js";
import type { Look } from "../collab/index.js";

/** CSS color of a user hue as a text tint (light or dark theme through the CSS variable). */
export function tintColor(hue: number): string { return `hsl(${hue}, 70%, var(--tint-light, 84%))`; }

/** The class tinting text by `hue` (its CSS is added once to `sheet`). */
export function tintClass(hue: number, sheet: Set<number>, style: HTMLStyleElement): string {
  if (!sheet.has(hue)) {
    sheet.add(hue);
    style.textContent += `.kp-hue-${hue}{background:${tintColor(hue)}}\n`;
  }
  return `kp-hue-${hue}`;
}

/** Draws author tints on one editor. */
export class AuthorTints {
  private decorations: monaco.editor.IEditorDecorationsCollection;
  private style = document.createElement("style");
  private hues = new Set<number>();

  /** `posAt` maps a document code point to a position of the editor's model. */
  constructor(editor: monaco.editor.ICodeEditor, private posAt: (cp: number) => monaco.IPosition) {
    this.decorations = editor.createDecorationsCollection();
    document.head.appendChild(this.style);
  }

  /** Tints the runs; authors `look` does not know are shown as "someone" in grey. */
  render(runs: number[], look: (id: number) => Look | null): void {
    const decos: monaco.editor.IModelDeltaDecoration[] = [];
    let at = 0;
    for (let i = 0; i + 1 < runs.length; i += 2) {
      const [len, author] = [runs[i], runs[i + 1]];
      const from = at;
      at += len;
      if (len <= 0) continue;
      const who = author < 0 ? null : look(author);
      const className = who ? tintClass(who.hue, this.hues, this.style) : "kp-author-unknown";
      const name = author < 0 ? "written before authorship was kept" : who ? who.name : `user ${author}`;
      decos.push({
        range: range(this.posAt(from), this.posAt(at)),
        options: { inlineClassName: `kp-author ${className}`, hoverMessage: { value: `**${escapeMd(name)}**` },
          stickiness: 1 /* NeverGrowsWhenTypingAtEdges */ },
      });
    }
    this.decorations.set(decos);
  }

  /** Removes every tint. */
  clear(): void { this.decorations.clear(); }
}

/** Escapes Markdown in a user's name for a hover message. */
export function escapeMd(s: string): string { return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`); }

/** The range between two positions. */
export function range(a: monaco.IPosition, b: monaco.IPosition): monaco.IRange {
  return { startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber, endColumn: b.column };
}
