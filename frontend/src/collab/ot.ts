// The one OT library (C++ compiled to wasm), seen through the Rustpad-compatible surface of
// PROTOCOL.md section 7. This file only names types; every rule lives in @kolabpad/ot.
import { OpSeq as WasmOpSeq } from "@kolabpad/ot";

/** An operation in code points (see PROTOCOL.md section 1). */
export interface Op {
  retain(n: number): void;
  insert(s: string): void;
  delete(n: number): void;
  compose(other: Op): Op | undefined;
  transform(other: Op): OpPair | undefined;
  apply(text: string): string | undefined;
  invert(text: string): Op | undefined;
  transform_index(position: number): number;  // defined for every valid position
  is_noop(): boolean;
  base_len(): number;
  target_len(): number;
  to_string(): string;
  clone(): Op;
  free(): void;
}

/** The pair (this', other') returned by transform. */
export interface OpPair { first(): Op; second(): Op; }

interface OpStatic { "new"(): Op; from_str(json: string): Op | undefined; }

const Ops = WasmOpSeq as unknown as OpStatic;

/** An empty operation to build on. */
export function newOp(): Op { return Ops.new(); }

/** Parses the JSON form (a string or an already parsed array); undefined when invalid. */
export function opFromJson(json: unknown): Op | undefined {
  return Ops.from_str(typeof json === "string" ? json : JSON.stringify(json));
}

/** The JSON form as a value (for embedding in a message). */
export function opToJson(op: Op): unknown { return JSON.parse(op.to_string()); }

/** compose that throws on a length mismatch (which would be a bug in this client). */
export function mustCompose(a: Op, b: Op): Op {
  const r = a.compose(b);
  if (!r) throw new Error(`compose failed: ${a.to_string()} then ${b.to_string()}`);
  return r;
}

/** transform that throws on a length mismatch (which would be a bug in this client). */
export function mustTransform(a: Op, b: Op): [Op, Op] {
  const r = a.transform(b);
  if (!r) throw new Error(`transform failed: ${a.to_string()} vs ${b.to_string()}`);
  const out: [Op, Op] = [r.first(), r.second()];
  return out;
}

/** An operation that keeps `len` characters (an identity on a text of that length). */
export function identityOp(len: number): Op {
  const op = Ops.new();
  op.retain(len);
  return op;
}
