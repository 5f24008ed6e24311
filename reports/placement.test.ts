/** The report's Placement section on hand-made placement results (no simulation runs). */
import { describe, expect, it } from "vitest";
import type { SeedResult } from "../harness/result.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { buildReport } from "./evidence.ts";
import { reportMarkdown } from "./markdown.ts";
import { LATENCY_FLOOR_SCENARIO, PLACEMENT_SCENARIO } from "./placement.ts";

const placement = {
  id: PLACEMENT_SCENARIO,
  title: "placement",
  criteria: ["PLC-1"],
  lane: "sim",
  defaultSeeds: 2,
  run: async () => ({}),
} as unknown as Scenario;

function result(seed: number, metrics: SeedResult["metrics"]): SeedResult {
  return {
    scenario: PLACEMENT_SCENARIO,
    seed,
    variant: null,
    ok: true,
    status: "pass",
    violation: null,
    violations: 0,
    events: 1,
    simMs: 1,
    traceHash: `h${seed}`,
    metrics,
    swarm: {},
    wallMs: 1,
  } as SeedResult;
}

const seedMetrics = (p99Ms: number, quadrant: string) => ({
  "hot.p50Ms": 90,
  "hot.p99Ms": p99Ms,
  "hot.p999Ms": 200,
  "hot.commitsPerS": 14.7,
  "hot.contendedPerS": 0.92,
  "hot.quadrant": quadrant,
  "hot.backend": "coupled-postgres",
  "dash.p50Ms": 88,
  "dash.p99Ms": 120,
  "dash.p999Ms": 120,
  "dash.commitsPerS": 3.7,
  "dash.quadrant": "green",
  "dash.backend": "this-engine",
});

describe("report placement section", () => {
  const report = buildReport({
    scenarios: [placement],
    results: [result(0, seedMetrics(110, "red")), result(1, seedMetrics(130, "red"))],
    variants: [],
    mode: "run",
    generatedAt: "t",
    wallS: 1,
  });

  it("gives one row per profile with medians and the quadrant and backend chosen", () => {
    expect(report.placement).toEqual([
      {
        profile: "dash",
        p50Ms: 88,
        p99Ms: 120,
        p999Ms: 120,
        commitsPerS: 3.7,
        contendedPerS: null,
        quadrant: "green",
        backend: "this-engine",
      },
      {
        profile: "hot",
        p50Ms: 90,
        p99Ms: 120,
        p999Ms: 200,
        commitsPerS: 14.7,
        contendedPerS: 0.92,
        quadrant: "red",
        backend: "coupled-postgres",
      },
    ]);
  });

  it("shows every quadrant seen when the seeds disagree, and renders the section in report.md", () => {
    const split = buildReport({
      scenarios: [placement],
      results: [result(0, seedMetrics(110, "red")), result(1, seedMetrics(110, "amber"))],
      variants: [],
      mode: "run",
      generatedAt: "t",
      wallS: 1,
    });
    expect(split.placement.find((row) => row.profile === "hot")?.quadrant).toBe("amber / red");
    const markdown = reportMarkdown(report);
    expect(markdown).toContain("## Placement (PLC-1)");
    expect(markdown).toContain("| hot | 90 / 120 / 200 | 14.7 | 0.92 | red | coupled-postgres |");
  });

  it("takes the latency percentiles from the Exp 1 scenario's thousand commits when it ran", () => {
    const floor = { ...placement, id: LATENCY_FLOOR_SCENARIO, criteria: ["EXP-1"] } as Scenario;
    const withFloor = buildReport({
      scenarios: [placement, floor],
      results: [
        result(0, seedMetrics(110, "red")),
        {
          ...result(0, { "hot.p50Ms": 91, "hot.p99Ms": 136, "hot.p999Ms": 221 }),
          scenario: LATENCY_FLOOR_SCENARIO,
        },
      ],
      variants: [],
      mode: "run",
      generatedAt: "t",
      wallS: 1,
    });
    const hot = withFloor.placement.find((row) => row.profile === "hot")!;
    expect([hot.p50Ms, hot.p99Ms, hot.p999Ms]).toEqual([91, 136, 221]);
    // A profile the floor scenario did not measure keeps the placement scenario's own figures.
    expect(withFloor.placement.find((row) => row.profile === "dash")!.p99Ms).toBe(120);
  });

  it("has no section when the placement scenario did not run", () => {
    const none = buildReport({
      scenarios: [placement],
      results: [],
      variants: [],
      mode: "run",
      generatedAt: "t",
      wallS: 1,
    });
    expect(none.placement).toEqual([]);
    expect(reportMarkdown(none)).not.toContain("## Placement");
  });
});
