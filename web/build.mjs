// Bundles web/src into the assets the hub serves: node build.mjs OUT_DIR.
// NODE_PATH names the node_modules that npm ci filled (in the build tree, never here).
// Prints each asset's size, raw and gzip-compressed: the first load is to stay small.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { iconPng } from "./icon.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs OUT_DIR");
  process.exit(2);
}
// ES modules ignore NODE_PATH: ask for esbuild from the node_modules it names.
const nodePaths = (process.env.NODE_PATH || "").split(":").filter(Boolean);
const esbuild = createRequire(join(nodePaths[0] || here, "noop.js"))("esbuild");
const common = {
  bundle: true,
  minify: true,
  target: ["es2020"],
  outdir: out,
  nodePaths,
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
};
// The hub's own pages load modules; the embed script runs on other sites, as a classic script.
const builds = await Promise.all([
  esbuild.build({ ...common, format: "esm", splitting: true, chunkNames: "chunk-[hash]", entryPoints: ["dashboard", "login", "admin"].map((n) => join(here, "src", n + ".js")) }),
  esbuild.build({ ...common, format: "iife", entryPoints: [join(here, "src", "widget.js"), join(here, "src", "sw.js")] }),
  esbuild.build({ ...common, entryPoints: [join(here, "src", "style.css")] }),
]);
for (const b of builds)
  for (const file of Object.keys(b.metafile.outputs)) {
    const bytes = readFileSync(file);
    console.log(`web: ${file.split("/").pop()} ${bytes.length} bytes, ${gzipSync(bytes).length} gzipped`);
  }
for (const size of [192, 512]) writeFileSync(join(out, `icon-${size}.png`), iconPng(size));
