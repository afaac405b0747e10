// Per-browser preferences: dark mode and Vim key bindings (remembered in localStorage).
import { initVimMode, type VimAdapterInstance } from "monaco-vim";
import { monaco } from "../editor/monaco-setup.js";

const DARK = "kolabpad:dark";
const VIM = "kolabpad:vim";

/** Wires the Dark and Vim toggles to the editor and applies the remembered choices. */
export function setupPreferences(editor: monaco.editor.IStandaloneCodeEditor): void {
  const dark = document.getElementById("dark-toggle") as HTMLInputElement;
  const vim = document.getElementById("vim-toggle") as HTMLInputElement;
  const status = document.getElementById("vim-status") as HTMLElement;
  let vimMode: VimAdapterInstance | null = null;

  const applyDark = (on: boolean) => {
    document.documentElement.classList.toggle("dark", on);
    monaco.editor.setTheme(on ? "vs-dark" : "vs");
    dark.checked = on;
  };
  const applyVim = (on: boolean) => {
    vim.checked = on;
    status.hidden = !on;
    if (on && !vimMode) vimMode = initVimMode(editor, status);
    if (!on && vimMode) { vimMode.dispose(); vimMode = null; status.textContent = ""; }
  };

  const stored = localStorage.getItem(DARK);
  applyDark(stored === null ? matchMedia("(prefers-color-scheme: dark)").matches : stored === "1");
  applyVim(localStorage.getItem(VIM) === "1");
  dark.addEventListener("change", () => { localStorage.setItem(DARK, dark.checked ? "1" : "0"); applyDark(dark.checked); });
  vim.addEventListener("change", () => { localStorage.setItem(VIM, vim.checked ? "1" : "0"); applyVim(vim.checked); });
}
