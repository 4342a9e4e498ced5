// Builds the launchpad bundle into dist/ (or the folder given as the first argument):
// launchpad.js, launchpad.css, index.html and the third-party licence notices. The output is
// reproducible (no timestamps, no absolute paths), committed, and embedded in `wt` at compile
// time; `tests/launchpad.rs` rebuilds it and fails when the committed files differ.

import { build } from "esbuild";
import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";

const out = process.argv[2] || "dist";
await mkdir(out, { recursive: true });
await build({
  entryPoints: { launchpad: "src/main.jsx" },
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  jsx: "automatic",
  define: { "process.env.NODE_ENV": '"production"' },
  legalComments: "external",
  charset: "utf8",
  outdir: out,
  logLevel: "warning",
});
await copyFile("index.html", join(out, "index.html"));
