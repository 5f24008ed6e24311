/**
 * Keeps docs/replication-checklist.md true: every file, checker and variant a row names exists,
 * and every variant has a recorded seed in the row's scenario with the row's invariant.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findVariant } from "../fixtures/forensic/index.ts";
import { allScenarios } from "../scenarios/index.ts";

const root = join(import.meta.dirname, "..");
const rows = readFileSync(join(root, "docs/replication-checklist.md"), "utf8")
  .split("\n")
  .filter((line) => /^\| .* \| R\d\d \|$/.test(line))
  .map((line) => line.split("|").map((cell) => cell.trim()));

describe("docs/replication-checklist.md", () => {
  it("has a row per gap", () => {
    expect(rows.length).toBeGreaterThanOrEqual(7);
  });
  it.each(rows.map((row) => [row[5], row] as const))("row %s names what exists", (_id, row) => {
    const [, , scenario, checker, where, variantId] = row;
    expect(allScenarios.map((s) => s.id)).toContain(scenario);
    const file = /`([^`]+)`/.exec(where!)?.[1];
    expect(file && existsSync(join(root, file))).toBe(true);
    const invariant = checker!.split(" ")[0]!;
    const variant = findVariant(variantId!);
    expect(variant?.invariant).toBe(invariant);
    expect(variant?.recorded?.scenario).toBe(scenario);
  });
});
