import { describe, expect, it } from "vitest";
import { coverageHtml, coverageMarkdown, reachCoverage } from "./coverage.ts";

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

  it("the HTML section lists reach points and BUGGIFY sites with hits, flagging the unreached", () => {
    const sites = [
      { name: "s1", description: "site one" },
      { name: "s2", description: "site two" },
    ];
    const coverage = reachCoverage([{ reach: { a: 2, "buggify:s1": 5 } }], declared, sites);
    const html = coverageHtml(coverage);
    expect(html).toMatch(
      /<tr data-reach="a"><td><code>a<\/code><\/td><td>2<\/td><td>1<\/td><td><span class="ok">yes/,
    );
    expect(html).toMatch(/<tr data-reach="b">.*NEVER/);
    expect(html).toMatch(/<tr data-reach="s1"><td><code>s1<\/code><\/td><td>5<\/td>/);
    expect(html).toContain("1 of 2 BUGGIFY sites fired");
  });
});
