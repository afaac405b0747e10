// IME composition: while the user composes (e.g. Japanese input), the editor must not be
// changed under the composition, so remote operations wait here and local ones are moved over them.
import { type Op, mustCompose, mustTransform } from "./ot.js";

/** Holds remote operations back while a composition is active. */
export class CompositionGate {
  private composing = false;
  private queued: Op | null = null; // remote work the editor does not show yet

  /** `apply` changes the editor (code points). */
  constructor(private apply: (op: Op) => void) {}

  /** True while remote operations are being held back. */
  get holding(): boolean { return this.queued !== null; }

  /** The user started composing. */
  start(): void { this.composing = true; }

  /** The composition ended: the editor catches up with everything held back. */
  end(): void {
    this.composing = false;
    const q = this.queued;
    this.queued = null;
    if (q) this.apply(q);
  }

  /** A remote operation for the editor: applied now, or held while composing. */
  remote(op: Op): void {
    if (!this.composing && !this.queued) this.apply(op);
    else this.queued = this.queued ? mustCompose(this.queued, op) : op;
  }

  /** A local change of the editor's text; returns it rebased over the held-back operations. */
  local(op: Op): Op {
    if (!this.queued) return op;
    const [mine, held] = mustTransform(op, this.queued);
    this.queued = held;
    return mine;
  }

  /** Forgets held operations (the editor's text is being replaced wholesale). */
  clear(): void { this.queued = null; }
}
