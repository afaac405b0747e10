// The language selector's choices and the download's file extension, from Monaco's registry.
import { monaco } from "../editor/monaco-setup.js";

/** One selectable language. */
export interface Language { id: string; name: string; ext: string; }

/** Every language Monaco knows, sorted by display name ("plaintext" first). */
export function languages(): Language[] {
  const list = monaco.languages.getLanguages().map((l) => ({
    id: l.id,
    name: l.aliases?.[0] ?? l.id,
    ext: l.extensions?.[0] ?? ".txt",
  }));
  list.sort((a, b) => (a.id === "plaintext" ? -1 : b.id === "plaintext" ? 1 : a.name.localeCompare(b.name)));
  return list;
}

/** The language whose extensions include `filename`'s, or undefined. */
export function languageForFile(filename: string): string | undefined {
  const lower = filename.toLowerCase();
  for (const l of monaco.languages.getLanguages()) {
    if (l.extensions?.some((e) => lower.endsWith(e.toLowerCase()))) return l.id;
    if (l.filenames?.some((f) => lower === f.toLowerCase())) return l.id;
  }
  return undefined;
}

/** Display name of a language id. */
export function languageName(id: string): string {
  return languages().find((l) => l.id === id)?.name ?? id;
}
