import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = dirname(fileURLToPath(import.meta.url));
// npm workspaces hoist packages to the repo root; look in both places.
const monacoDir = [join(here, "node_modules/monaco-editor"), join(here, "../node_modules/monaco-editor")]
  .find((d) => existsSync(d)) ?? join(here, "../node_modules/monaco-editor");

// The server serves dist/ (STATIC_DIR); `vite dev` proxies the API to a local server.
// `base: "./"`: asset URLs relative to index.html, so the app also runs under a sub-path
// (a reverse proxy's /pad/, docs/distributed.md).
export default defineConfig({
  base: "./",
  resolve: {
    alias: [
      // monaco-vim imports Monaco's deep ESM paths, which monaco-editor's exports map hides.
      { find: /^monaco-editor\/esm\/vs\/(.*?)(\.js)?$/, replacement: resolve(monacoDir, "esm/vs/$1.js") },
      // monaco-vim's "browser" build is a UMD file; use its ES module build.
      { find: /^monaco-vim$/, replacement: resolve(monacoDir, "../monaco-vim/dist/index.mjs") },
    ],
  },
  build: { target: "es2022", outDir: "dist", chunkSizeWarningLimit: 8000 },
  worker: { format: "es" },
  server: {
    proxy: {
      "/api": { target: process.env.KOLABPAD_SERVER ?? "http://127.0.0.1:3030", ws: true },
    },
  },
});
