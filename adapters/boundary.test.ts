/**
 * adapters/ connect the engine to real stores: their production and test-support files may
 * import engine/, other adapters/ files, node built-ins and packages — never the simulation or
 * the harness around it (sim/, scenarios/, fixtures/, invariants/, reports/, cli/, harness/).
 * Test files may use fixtures (the conformance suite) and the CLI they exercise. bucket-model/
 * is not the simulation: it is the pure model of a bucket that the loopback fake serves and the
 * simulated store runs in-process (its own boundary test keeps it pure).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importsOf } from "../scripts/import-graph.ts";

const adaptersDir = dirname(fileURLToPath(import.meta.url));
const repositoryDir = resolve(adaptersDir, "..");
const ALLOWED_TOP_LEVEL = new Set(["engine", "adapters", "bucket-model"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") &&
      !entry.name.endsWith(".test.ts") &&
      !entry.name.endsWith(".config.ts")
      ? [path]
      : [];
  });
}

function offendingImports(file: string, source: string): string[] {
  const specifiers = importsOf(file, source).map((site) => site.specifier);
  return specifiers
    .filter((specifier) => specifier.startsWith("."))
    .filter((specifier) => {
      const target = relative(repositoryDir, resolve(dirname(file), specifier));
      return !ALLOWED_TOP_LEVEL.has(target.split(/[/\\]/)[0]!);
    })
    .map((specifier) => `${relative(repositoryDir, file)} imports ${specifier}`);
}

describe("adapters boundary", () => {
  it("imports only engine/ and adapters/ (plus packages and node built-ins)", () => {
    const files = sourceFiles(adaptersDir);
    expect(files.length).toBeGreaterThan(5);
    expect(files.flatMap((file) => offendingImports(file, readFileSync(file, "utf8")))).toEqual([]);
  });

  it("the checker catches an import from the simulation", () => {
    const file = join(adaptersDir, "gcs", "example.ts");
    expect(offendingImports(file, 'import { Rng } from "../../sim/rng.ts";')).toEqual([
      "adapters/gcs/example.ts imports ../../sim/rng.ts",
    ]);
    expect(
      offendingImports(file, 'import type { BlobStore } from "../../engine/blobstore/blob-store.ts";'),
    ).toEqual([]);
  });
});
