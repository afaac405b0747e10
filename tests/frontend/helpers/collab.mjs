// Loads the compiled collaboration module (frontend/dist-node, made by `npm run build`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const path = fileURLToPath(new URL("../../../frontend/dist-node/collab/index.js", import.meta.url));
if (!existsSync(path)) {
  throw new Error(`${path} is missing: run \`npm run build --workspace frontend\` first`);
}
/** The module's exports (Session, OtClient, Utf16Index, ...). */
export const collab = await import(path);
