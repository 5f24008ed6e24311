/**
 * Keeps docs/replication-checklist.md true:
 * - every gap row names a scenario, a file, a checker and a variant that exist, and the variant
 *   has a recorded seed in that scenario with that invariant;
 * - every upstream-test row is strong (its scenario exists and its checker is exported by the
 *   file it names), model (the model test file exists) or out of scope with a reason blobsim
 *   does not model; the stated counts and strong share match the rows, the share is ≥ 90 % of
 *   the in-scope tests and none is checked by nothing;
 * - every divergence row names a test that exists in the engine's tests.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findVariant } from "../fixtures/forensic/index.ts";
import { allScenarios } from "../scenarios/index.ts";

const root = join(import.meta.dirname, "..");
const doc = readFileSync(join(root, "docs/replication-checklist.md"), "utf8");
const cells = (line: string) => line.split("|").map((cell) => cell.trim());
const lines = doc.split("\n");
const rows = lines.filter((line) => /^\| .* \| R\d\d \|$/.test(line)).map(cells);
const upstream = lines.filter((line) => /^\| `[^`]+_test\.go` \|/.test(line)).map(cells);
const divergences = lines.filter((line) => /^\| .* \| (kept|aligned) \| /.test(line)).map(cells);
const scenarioIds = allScenarios.map((s) => s.id);
const fileOf = (where: string) => /`([^`]+)`/.exec(where)?.[1] ?? "";

describe("docs/replication-checklist.md", () => {
  it("has a row per gap", () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
  });
  it.each(rows.map((row) => [row[5], row] as const))("gap row %s names what exists", (_id, row) => {
    const [, , scenario, checker, where, variantId] = row;
    expect(scenarioIds).toContain(scenario);
    const file = fileOf(where!);
    expect(file && existsSync(join(root, file))).toBe(true);
    const invariant = checker!.split(" ")[0]!;
    const variant = findVariant(variantId!);
    expect(variant?.invariant).toBe(invariant);
    expect(variant?.recorded?.scenario).toBe(scenario);
  });

  it("maps every upstream test once, with the stated strong share (≥ 90 % of in scope)", () => {
    const names = upstream.map((row) => `${row[1]} ${row[2]}`);
    expect(new Set(names).size).toBe(names.length);
    const count = (strength: string) => upstream.filter((row) => row[3] === strength).length;
    const strong = count("strong");
    const model = count("model");
    const out = count("out of scope");
    expect(strong + model + out).toBe(upstream.length);
    const inScope = strong + model;
    const share = Math.round((1000 * strong) / inScope) / 10;
    const stated = `Strong: ${strong} of ${inScope} in scope (${share} %); model: ${model}; out of scope: ${out}; by nothing: 0.`;
    expect(doc).toContain(stated);
    expect(strong / inScope).toBeGreaterThanOrEqual(0.9);
    expect(upstream.length).toBeGreaterThanOrEqual(90);
  });

  it.each(upstream.map((row) => [row[2], row] as const))(
    "upstream row %s names what exists",
    (_name, row) => {
      const [, , , strength, scenario, checker, where] = row;
      if (strength === "out of scope") {
        expect(checker).toMatch(/commit mode|barrier|quorum|promotion/);
        return;
      }
      const file = fileOf(where!);
      expect(existsSync(join(root, file))).toBe(true);
      if (strength === "model") {
        expect(file).toMatch(/\.model\.test\.ts$/);
        return;
      }
      expect(strength).toBe("strong");
      expect(scenarioIds).toContain(scenario);
      // The checker is the invariant name the file exports (a constant), so renaming or removing
      // it fails this row.
      expect(readFileSync(join(root, file), "utf8")).toContain(`= "${checker}";`);
    },
  );

  it.each(divergences.map((row) => [row[1], row] as const))(
    "divergence %s is pinned by a test",
    (_what, row) => {
      const pinnedBy = row[4]!;
      const tests = readFileSync(join(root, "engine/replication/replication.test.ts"), "utf8");
      expect(tests).toContain(`it("${pinnedBy}"`);
    },
  );
});
