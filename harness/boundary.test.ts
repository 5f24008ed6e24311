/**
 * The harness is handed its catalogs (harness/registry.ts) and imports nothing from scenarios/
 * or fixtures/, which both import the harness: no folder cycles. Type-only, side-effect and
 * dynamic imports count too. Tests may import anything.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const FORBIDDEN =
  /(?:from\s+|import\s*\(\s*|import\s+|require\s*\(\s*)["'](?:\.\.\/)+(scenarios|fixtures)\//g;

function forbiddenImports(source: string): string[] {
  return [...source.matchAll(FORBIDDEN)].map((match) => match[0]);
}

describe("the harness boundary", () => {
  it("finds the kinds of import it forbids", () => {
    expect(forbiddenImports(`import type { Scenario } from "../scenarios/scenario.ts";`)).toHaveLength(1);
    expect(forbiddenImports(`import "../fixtures/forensic/index.ts";`)).toHaveLength(1);
    expect(forbiddenImports(`await import("../scenarios/index.ts")`)).toHaveLength(1);
    expect(forbiddenImports(`import { x } from "../sim/world.ts";`)).toHaveLength(0);
  });

  it("has no harness file outside tests import scenarios/ or fixtures/", () => {
    const dir = new URL("./", import.meta.url);
    const offenders = readdirSync(dir)
      .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
      .flatMap((name) =>
        forbiddenImports(readFileSync(new URL(name, dir), "utf8")).map((hit) => `${name}: ${hit}`),
      );
    expect(offenders).toEqual([]);
  });
});
