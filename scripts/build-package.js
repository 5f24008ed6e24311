// Builds what the package's `exports` point at: JavaScript and .d.ts for the public API
// (api/index.ts and what it imports) into dist/, so plain `node` can import blobsim and a
// consumer's `tsc --strict` reads declarations instead of blobsim's sources. Run by `prepack`.
// tsc rewrites relative `.ts` imports to `.js` in the JavaScript but keeps them in the
// declarations; a consumer without allowImportingTsExtensions would reject those, so they are
// rewritten here too.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });

for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
  const file = join(entry.parentPath, entry.name);
  const text = readFileSync(file, "utf8");
  const rewritten = text.replace(/(from\s+|import\()(["'])(\.{1,2}\/[^"']+)\.ts\2/g, "$1$2$3.js$2");
  if (rewritten !== text) writeFileSync(file, rewritten);
}
