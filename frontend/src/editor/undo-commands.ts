// Monaco's undo and redo for one model, replaced by the collaboration client's UndoManager.
// Every way Monaco undoes ends in the model's undo()/redo(): the `undo`/`redo` commands behind
// Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y and the menus (`editor.getModel().undo()` in coreCommands.js),
// and monaco-vim's `u`, `:undo`, Ctrl+R and `:redo` (`cm.editor.getModel().undo()` in
// cm_adapter.ts). So the model's own methods are swapped, and Monaco's undo stack is never used.
import type { monaco } from "./monaco-setup.js";
import type { UndoManager } from "../collab/index.js";

type Undoable = Pick<monaco.editor.ITextModel, "undo" | "redo" | "canUndo" | "canRedo">;

/** Routes `model`'s undo/redo (and `editor.pushUndoStop()`, a step boundary) to `undo`. */
export function useOwnUndo(editor: monaco.editor.IStandaloneCodeEditor, model: monaco.editor.ITextModel,
  undo: UndoManager): monaco.IDisposable {
  const m: Undoable = model;
  const saved: Undoable = { undo: m.undo, redo: m.redo, canUndo: m.canUndo, canRedo: m.canRedo };
  m.undo = () => { undo.undo(); };
  m.redo = () => { undo.redo(); };
  m.canUndo = () => undo.canUndo();
  m.canRedo = () => undo.canRedo();
  // monaco-vim and our file opening mark step boundaries this way.
  const pushUndoStop = editor.pushUndoStop;
  editor.pushUndoStop = () => {
    undo.stop();
    return pushUndoStop.call(editor);
  };
  return {
    dispose() {
      Object.assign(m, saved);
      editor.pushUndoStop = pushUndoStop;
    },
  };
}
