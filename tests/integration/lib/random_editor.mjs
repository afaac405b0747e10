// A Typist that makes random Unicode inserts and deletes anywhere, in code points.
import { Typist } from "./typist.mjs";

const PIECES = ["a", "xyz", "é", "e\u0301", "🎉", "👨‍👨‍👦‍👦", "𝕏", "中文", "\n", "🇺🇳", "  ", "\u200d"];

/** Random editor: 70% inserts of PIECES, 30% deletes of 1-4 code points. */
export class RandomEditor extends Typist {
  typeOne() {
    const len = Array.from(this.text).length;
    const int = (n) => Math.floor(this.random() * n);
    const op = [];
    if (len > 0 && this.random() < 0.3) {
      const pos = int(len);
      const n = 1 + int(Math.min(4, len - pos));
      if (pos) op.push(pos);
      op.push(-n);
      if (len - pos - n) op.push(len - pos - n);
    } else {
      const pos = int(len + 1);
      if (pos) op.push(pos);
      op.push(PIECES[int(PIECES.length)]);
      if (len - pos) op.push(len - pos);
    }
    this.typed.push(op);
    this.edit(op);
  }
}
