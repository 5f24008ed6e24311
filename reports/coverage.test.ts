import { describe, expect, it } from "vitest";
import { coverageMarkdown, reachCoverage } from "./coverage.ts";

const declared = [
  { name: "a", description: "state a" },
  { name: "b", description: "state b" },
];

describe("reach coverage", () => {
  it("sums hits over seeds, flags the points never reached and names undeclared ones", () => {
    const coverage = reachCoverage(
      [{ reach: { a: 2 } }, { reach: { a: 1, typo: 1 } }, { reach: {} }],
      declared,
    );
    expect(coverage.points).toEqual([
      { name: "a", description: "state a", hits: 3, seeds: 2 },
      { name: "b", description: "state b", hits: 0, seeds: 0 },
    ]);
    expect(coverage.fraction).toBe(0.5);
    expect(coverage.unreached).toEqual(["b"]);
    expect(coverage.undeclared).toEqual(["typo"]);
    expect(coverageMarkdown(coverage).join("\n")).toMatch(/`b` \| 0 \| 0 \| \*\*NEVER\*\*/);
  });
});
