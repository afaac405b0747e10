// Client-side OT for tests, on JSON-form operations: the project's @kolabpad/ot wasm package,
// or, while that package is not built, ot.js (a valid oracle on text without astral characters).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

async function loadKolabpad() {
  const { OpSeq } = await import("@kolabpad/ot");
  const op = (json) => {
    const o = OpSeq.from_str(JSON.stringify(json));
    if (!o) throw new Error(`@kolabpad/ot rejected ${JSON.stringify(json)}`);
    return o;
  };
  return {
    name: "@kolabpad/ot",
    apply(json, text) {
      const o = op(json);
      try {
        const r = o.apply(text);
        if (r === undefined) throw new Error(`apply failed: ${JSON.stringify(json)} on ${text.length} units`);
        return r;
      } finally { o.free?.(); }
    },
    compose(a, b) {
      const x = op(a), y = op(b);
      try {
        const r = x.compose(y);
        if (!r) throw new Error("compose failed");
        const out = JSON.parse(r.to_string());
        r.free?.();
        return out;
      } finally { x.free?.(); y.free?.(); }
    },
    transform(a, b) {
      const x = op(a), y = op(b);
      try {
        const p = x.transform(y);
        if (!p) throw new Error("transform failed");
        const f = p.first(), s = p.second();
        const out = [JSON.parse(f.to_string()), JSON.parse(s.to_string())];
        f.free?.(); s.free?.(); p.free?.();
        return out;
      } finally { x.free?.(); y.free?.(); }
    },
  };
}

function loadOtJs() {
  const { TextOperation } = require("ot");
  const op = (json) => TextOperation.fromJSON(json);
  return {
    name: "ot.js (fallback: @kolabpad/ot not built)",
    apply: (json, text) => op(json).apply(text),
    compose: (a, b) => op(a).compose(op(b)).toJSON(),
    transform: (a, b) => TextOperation.transform(op(a), op(b)).map((o) => o.toJSON()),
  };
}

let impl;
try {
  impl = await loadKolabpad();
} catch (e) {
  impl = loadOtJs();
  impl.loadError = e.message;
}

/** Which library is in use (for test diagnostics). */
export const otName = impl.name;
/** Why @kolabpad/ot could not be loaded, if it could not. */
export const otLoadError = impl.loadError;
/** apply(op, text) -> text; throws when the op does not fit. */
export const apply = impl.apply;
/** compose(a, b) -> a then b as one op. */
export const compose = impl.compose;
/** transform(a, b) -> [a', b'] with a's inserts first on ties. */
export const transform = impl.transform;
