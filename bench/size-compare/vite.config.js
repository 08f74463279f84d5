// One bundle, relative URLs (any sub-path, like the Rust app), production React, the same
// CSS as the Rust app (style/main.css) so that the comparison is about code, not styling.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic" },
  build: {
    target: "es2020",
    sourcemap: false,
    modulePreload: false,
    rollupOptions: { output: { inlineDynamicImports: true } },
  },
});
