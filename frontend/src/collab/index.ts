// The framework-free collaboration client: no DOM and no Monaco, so it also runs in Node.
export * from "./protocol.js";
export * from "./ot.js";
export * from "./ot-client.js";
export * from "./session.js";
export * from "./pending-store.js";
export * from "./unicode.js";
export * from "./line-endings.js";
export * from "./composition.js";
export * from "./hues.js";
export * from "./undo.js";
export * from "./undo-grouping.js";
export * from "./save-status.js";
export * from "./access.js";
export * from "./history-api.js";
export * from "./authorship.js";
export * from "./timeline.js";
