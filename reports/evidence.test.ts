/**
 * The report's status rules on hand-made evidence (no simulation runs): proven / passing /
 * failing / no evidence yet, the durability gate, the residual ratings, and the merge rules.
 */
import { describe, expect, it } from "vitest";
import type { SeedResult } from "../harness/result.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { CRITERIA } from "./criteria.ts";
import { buildReport, type CriterionEvidence, type ReportData } from "./evidence.ts";
import { seedRanges } from "./seed-ranges.ts";
import type { VariantCheck } from "./forensic.ts";

const GATE_IDS = CRITERIA.map((c) => c.id).filter((id) => /^(DUR|FEN)-/.test(id));

function scenario(id: string, criteria: string[], lane: "sim" | "pglite" = "sim"): Scenario {
  return {
    id,
    title: `scenario ${id}`,
    criteria,
    lane,
    defaultSeeds: 10,
    run: async () => ({}),
  } as unknown as Scenario;
}

function result(scenarioId: string, seed: number, ok = true, extra: Partial<SeedResult> = {}): SeedResult {
  return {
    scenario: scenarioId,
    seed,
    variant: null,
    ok,
    status: ok ? "pass" : "violation",
    violation: ok ? null : { invariant: "acked-write-durability", message: "lost w1", atMs: 12 },
    violations: ok ? 0 : 1,
    events: 10,
    simMs: 100,
    traceHash: `h${scenarioId}${seed}`,
    metrics: { commitMs: seed },
    swarm: {},
    wallMs: 1,
    ...extra,
  } as SeedResult;
}

/** A variant whose recorded seed on `scenarioId` holds (or, with realPasses false, the real engine fails it). */
function variant(id: string, scenarioId: string, proves: string[], realPasses = true): VariantCheck {
  const run = {
    status: "violation" as const,
    invariant: "acked-write-durability",
    message: "lost",
    atMs: 5,
    traceHash: "abc",
    events: 9,
  };
  return {
    variant: id,
    title: `variant ${id}`,
    invariant: "acked-write-durability",
    scenarios: [scenarioId],
    recorded: { scenario: scenarioId, seed: 3, traceHash: "abc" },
    buggy: run,
    real: realPasses
      ? { ...run, status: "pass", invariant: null, message: "" }
      : { ...run, traceHash: "def" },
    reproduces: true,
    sameHash: true,
    realPasses,
    proves: realPasses ? proves : [],
    problems: realPasses ? [] : ["the real engine fails seed 3 too"],
    replay: `npx blobsim replay ${scenarioId} --seed 3 --variant ${id}`,
  };
}

function build(scenarios: Scenario[], results: SeedResult[], variants: VariantCheck[] = []): ReportData {
  return buildReport({ scenarios, results, variants, mode: "run", generatedAt: "t", wallS: 1 });
}

const crit = (report: ReportData, id: string): CriterionEvidence => {
  const found = report.criteria.find((c) => c.id === id);
  if (!found) throw new Error(`criterion ${id} missing from the report`);
  return found;
};

describe("criterion status", () => {
  const dur = scenario("a.dur", ["DUR-1"]);
  const seeds = (ok = true) => [0, 1, 2].map((s) => result("a.dur", s, ok || s !== 1));

  it("lists every catalog criterion, and no evidence yet when nothing declaring it ran", () => {
    const report = build([dur], []);
    expect(report.criteria.map((c) => c.id)).toEqual(CRITERIA.map((c) => c.id));
    const c = crit(report, "DUR-1");
    expect(c.status).toBe("no-evidence");
    expect(c.scenarios).toEqual([]);
    expect(c.notRun).toEqual(["a.dur"]);
    expect(c.note).toContain("not run");
    expect(crit(report, "FEN-1").status).toBe("no-evidence");
    expect(crit(report, "FEN-1").note).toContain("no scenario");
  });

  it("passing when its scenarios ran and passed but no variant shows the checker can fail", () => {
    const c = crit(build([dur], seeds()), "DUR-1");
    expect(c.status).toBe("passing");
    expect(c.scenarios).toEqual(["a.dur"]);
    expect(c.seeds).toBe(3);
    expect(c.failedSeeds).toBe(0);
  });

  it("proven when it also has a variant on a declaring scenario whose real run passes", () => {
    const report = build([dur], seeds(), [variant("V1", "a.dur", ["DUR-1"])]);
    const c = crit(report, "DUR-1");
    expect(c.status).toBe("proven");
    expect(c.variants).toEqual([expect.objectContaining({ variant: "V1", scenario: "a.dur", proves: true })]);
    expect(c.note).toContain("V1");
  });

  it("a variant alone does not prove a criterion whose scenarios did not run", () => {
    const c = crit(build([dur], [], [variant("V1", "a.dur", ["DUR-1"])]), "DUR-1");
    expect(c.status).toBe("no-evidence");
  });

  it("failing when one seed of a declaring scenario fails, with its replay command", () => {
    const c = crit(build([dur], seeds(false), [variant("V1", "a.dur", ["DUR-1"])]), "DUR-1");
    expect(c.status).toBe("failing");
    expect(c.failedSeeds).toBe(1);
    expect(c.firstFailure).toMatchObject({ scenario: "a.dur", seed: 1, invariant: "acked-write-durability" });
    expect(c.firstFailure?.replay).toContain("a.dur --seed 1");
  });

  it("failing when the real engine fails a variant's recorded seed, even if every run seed passed", () => {
    const c = crit(build([dur], seeds(), [variant("V1", "a.dur", ["DUR-1"], false)]), "DUR-1");
    expect(c.status).toBe("failing");
    expect(c.note).toContain("V1");
  });

  it("ignores variant results as evidence about the real engine, with a warning", () => {
    const report = build([dur], [result("a.dur", 0, false, { variant: "V1" }), result("a.dur", 1)]);
    expect(crit(report, "DUR-1").status).toBe("passing");
    expect(report.warnings.join(" ")).toContain("forensic variant");
  });

  it("a seed seen twice keeps its failure and warns when the trace hashes differ", () => {
    const report = build([dur], [result("a.dur", 0), result("a.dur", 0, false, { traceHash: "other" })]);
    expect(crit(report, "DUR-1").status).toBe("failing");
    expect(report.scenarios[0]!.seeds).toBe(1);
    expect(report.warnings.join(" ")).toContain("not deterministic");
  });
});

describe("durability gate and sign-off", () => {
  const gate = scenario("g.all", GATE_IDS);
  const passes = [0, 1].map((s) => result("g.all", s));

  it("is GREEN only when every DUR/FEN criterion is proven", () => {
    expect(GATE_IDS.length).toBeGreaterThan(1);
    const report = build([gate], passes, [variant("V", "g.all", GATE_IDS)]);
    expect(report.signOff.gateGreen).toBe(true);
    expect(report.signOff.blocking).toEqual([]);
    expect(report.signOff.verdict).toContain("GREEN");
    expect(crit(report, "SIGN-1").status).toBe("passing");
  });

  it("is not green when gate criteria are only passing", () => {
    const report = build([gate], passes);
    expect(report.signOff.gateGreen).toBe(false);
    expect(report.signOff.blocking).toHaveLength(GATE_IDS.length);
    expect(report.signOff.verdict).toContain("NOT GREEN");
    expect(crit(report, "SIGN-1").status).toBe("no-evidence");
  });

  it("is RED when a gate criterion fails, and SIGN-1 fails with it", () => {
    const report = build([gate], [...passes, result("g.all", 2, false)], [variant("V", "g.all", GATE_IDS)]);
    expect(report.signOff.gateGreen).toBe(false);
    expect(report.signOff.verdict).toContain("RED");
    for (const id of GATE_IDS) expect(report.signOff.verdict).toContain(id);
    expect(crit(report, "SIGN-1").status).toBe("failing");
    expect(report.summary.failing).toBe(GATE_IDS.length + 1);
    expect(report.summary.failedSeeds).toBe(1);
  });

  it("summary counts add up to the catalog", () => {
    const s = build([gate], passes).summary;
    expect(s.proven + s.passing + s.failing + s.noEvidence).toBe(CRITERIA.length);
    expect(s.seeds).toBe(2);
    expect(s.scenariosRun).toBe(1);
  });
});

describe("risk residuals", () => {
  it("follow the evidence: failing → High (R-02 Critical), all proven → target, none → High", () => {
    const ids = [...GATE_IDS, "E2B-1"]; // every criterion of R-02
    const gate = scenario("g.all", ids);
    const green = build([gate], [result("g.all", 0)], [variant("V", "g.all", ids)]);
    const partial = build(
      [scenario("g.dur1", ["DUR-1"])],
      [result("g.dur1", 0)],
      [variant("V", "g.dur1", ["DUR-1"])],
    );
    const red = build([gate], [result("g.all", 0, false)]);
    const none = build([gate], []);
    for (const risk of none.risks) expect(risk.residual).toBe("High");
    const r02 = (report: ReportData) => report.risks.find((r) => r.id === "R-02")!;
    expect(r02(red).residual).toBe("Critical");
    expect(r02(green).residual).toBe("Low");
    expect(r02(green).residual).toBe(r02(green).target);
    expect(r02(partial).residual).toBe("Med");
    expect(r02(partial).basis).toContain("partial");
    expect(r02(partial).basis).toContain("no evidence yet for DUR-2, DUR-3, E2B-1");
    // Everything evidenced, one criterion passing without a variant: the basis names it.
    const unproven = build([gate], [result("g.all", 0)], [variant("V", "g.all", GATE_IDS)]);
    expect(r02(unproven).residual).toBe("Med");
    expect(r02(unproven).basis).toContain("no forensic variant yet proves the checker of E2B-1");
  });
});

describe("seedRanges", () => {
  it("compacts seeds into ranges", () => {
    expect(seedRanges([3, 0, 1, 2, 7, 9, 8, 12])).toBe("0-3,7-9,12");
    expect(seedRanges([])).toBe("");
    expect(seedRanges([5])).toBe("5");
  });
});
