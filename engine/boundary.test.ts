/**
 * engine/ is production code: it must stand alone. It may import node built-ins, npm packages
 * and other engine/ files, never the simulation, scenarios, fixtures, invariants, reports or CLI.
 * Imports are read with the TypeScript compiler API (scripts/import-graph.ts): static, type-only,
 * side-effect, re-export, dynamic `import()`, `import("…")` types and `require` all count.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importsOf as importSites } from "../scripts/import-graph.ts";

const engineDir = dirname(fileURLToPath(import.meta.url));
const FORBIDDEN_DIRECT =
  /\b(Math\.random|Date\.now|performance\.now|setTimeout|setInterval|setImmediate|randomUUID)\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  return importSites("engine-file.ts", source).map((site) => site.specifier);
}

describe("engine boundary", () => {
  const files = sourceFiles(engineDir);

  it("has production files to check", () => {
    expect(files.length).toBeGreaterThan(2);
  });

  it("imports nothing from outside engine/ but packages and node built-ins", () => {
    const offences: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(readFileSync(file, "utf8"))) {
        if (!specifier.startsWith(".")) continue;
        const target = relative(engineDir, resolve(dirname(file), specifier));
        if (target.startsWith("..")) offences.push(`${relative(engineDir, file)} imports ${specifier}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it("reaches time and randomness only through the injected interfaces", () => {
    const offences = files
      .filter((file) => !file.endsWith("runtime-real.ts"))
      .filter((file) =>
        FORBIDDEN_DIRECT.test(readFileSync(file, "utf8").replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, "")),
      )
      .map((file) => relative(engineDir, file));
    expect(offences).toEqual([]);
  });

  it("the checker catches an offending import of every kind", () => {
    expect(importsOf('import { World } from "../sim/world.ts";')).toEqual(["../sim/world.ts"]);
    expect(importsOf('const x = await import("../../scenarios/index.ts")')).toEqual([
      "../../scenarios/index.ts",
    ]);
    expect(importsOf('import "../sim/sanitizer.ts";')).toEqual(["../sim/sanitizer.ts"]);
    expect(importsOf('import type { Seams } from "../scenarios/seams.ts";')).toEqual([
      "../scenarios/seams.ts",
    ]);
    expect(importsOf('const fx = require("../fixtures/forensic/index.ts");')).toEqual([
      "../fixtures/forensic/index.ts",
    ]);
    expect(importsOf('type W = import("../sim/world.ts").World;')).toEqual(["../sim/world.ts"]);
    // A string that only looks like a path is no import.
    expect(importsOf('const note = "see ../sim/world.ts";')).toEqual([]);
  });
});
