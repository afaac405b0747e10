// @kolabpad/ot: Kolabpad's C++ OT library compiled to WebAssembly, with rustpad-wasm's API.
// Ready when the import resolves (the module is instantiated with a top-level await).
export { OpSeq, OpSeqPair } from "./js/opseq.js";
export { OpLog, TextBuffer } from "./js/oplog.js";
export { Attribution } from "./js/attribution.js";
export { OffsetConverter, codePointLength, codePointToUtf16, utf16ToCodePoint } from "./js/offsets.js";
export { limits, memoryBytes } from "./js/runtime.js";
