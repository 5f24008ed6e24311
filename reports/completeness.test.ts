/**
 * The gate never reads GREEN on partial evidence: shards, plans and rows read back from
 * `run --json` files, on hand-made scenarios (no simulation runs).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SeedResult } from "../harness/result.ts";
import { CRITERIA } from "./criteria.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { mergedEvidencePlan, parseSeedRanges, runEvidencePlan } from "./completeness.ts";
import { buildReport, type ReportData } from "./evidence.ts";
import { seedRanges } from "./seed-ranges.ts";
import type { VariantCheck } from "./forensic.ts";
import { readRunJson, type RunPlan } from "./run-json.ts";

function scenario(id: string, criteria: string[], lane: "sim" | "pglite" = "sim"): Scenario {
  return { id, title: id, criteria, lane, defaultSeeds: 8, run: async () => ({}) } as unknown as Scenario;
}

const GATE_IDS = CRITERIA.map((c) => c.id).filter((id) => /^(DUR|FEN)-/.test(id));

// Two scenarios give evidence for DUR-1, b for the whole gate; a pglite one for DUR-1 too.
const scenarios = [scenario("a", ["DUR-1"]), scenario("b", GATE_IDS), scenario("p", ["DUR-1"], "pglite")];

function row(scenarioId: string, seed: number): SeedResult {
  return {
    scenario: scenarioId,
    seed,
    variant: null,
    ok: true,
    status: "pass",
    violation: null,
    violations: 0,
    events: 10,
    simMs: 100,
    traceHash: (seed + 0x1000).toString(16).padStart(16, "0"),
    metrics: {},
    swarm: {},
    decisions: [],
    reach: {},
    wallMs: 1,
  };
}

/** A variant proving every gate criterion, so that a complete report can read GREEN. */
const prover: VariantCheck = {
  variant: "X1",
  title: "x",
  invariant: "acked-write-durability",
  scenarios: ["b"],
  recorded: { scenario: "b", seed: 1, traceHash: "abc" },
  buggy: {
    status: "violation",
    invariant: "acked-write-durability",
    message: "",
    atMs: 1,
    traceHash: "abc",
    events: 1,
  },
  real: { status: "pass", invariant: null, message: "", atMs: 1, traceHash: "def", events: 1 },
  reproduces: true,
  sameHash: true,
  realPasses: true,
  proves: GATE_IDS,
  problems: [],
  replay: "",
};

const plan = (ids: string[], seeds = 8, lane: RunPlan["lane"] = "sim"): RunPlan => ({
  lane,
  criteria: null,
  variant: null,
  store: "sim",
  adapterShare: null,
  scenarios: ids.map((id) => ({ id, seeds: seedRanges(Array.from({ length: seeds }, (_, s) => s)) })),
});

/** Writes the shards of a run the way `run --shard i/n --json` does; returns their paths. */
function shardFiles(runPlan: RunPlan, count: number, keep: number[], rows = (i: number) => [] as unknown[]) {
  const dir = mkdtempSync(join(tmpdir(), "blobsim-gate-"));
  return keep.map((index) => {
    const results: unknown[] = runPlan.scenarios.flatMap((s) =>
      parseSeedRanges(s.seeds)!
        .filter((_, i) => i % count === index - 1)
        .map((seed) => row(s.id, seed)),
    );
    const path = join(dir, `run-${index}.json`);
    const file = {
      tool: "blobsim",
      formatVersion: 1,
      command: "run",
      shard: count > 1 ? `${index}/${count}` : null,
      variant: null,
      plan: runPlan,
      results: [...results, ...rows(index)],
    };
    writeFileSync(path, JSON.stringify(file));
    return path;
  });
}

function merged(paths: string[], variants: VariantCheck[] = [prover]): ReportData {
  const input = readRunJson(paths);
  const evidencePlan = mergedEvidencePlan(input.files, scenarios, () => 8, input.problems);
  return buildReport({
    scenarios,
    results: input.results,
    variants,
    mode: "merged",
    generatedAt: "t",
    wallS: 0,
    plan: evidencePlan,
  });
}

describe("the gate on merged shards", () => {
  it("all 4 shards of a complete sim-lane run: complete, and GREEN once variants prove the gate", () => {
    const report = merged(shardFiles(plan(["a", "b"]), 4, [1, 2, 3, 4]));
    expect(report.signOff.complete).toBe(true);
    expect(report.signOff.missing).toEqual([]);
    expect(report.signOff.verdict).toMatch(/^Durability gate GREEN/);
    expect(report.criteria.find((c) => c.id === "DUR-1")!.status).toBe("proven");
    // The pglite lane was not judged (no plan declared it), so p is not needed.
    expect(report.criteria.find((c) => c.id === "DUR-1")!.missing).toEqual([]);
  });

  it("1 of 4 shards: INCOMPLETE naming the missing shards, never GREEN", () => {
    const report = merged(shardFiles(plan(["a", "b"]), 4, [1]));
    expect(report.signOff.complete).toBe(false);
    expect(report.signOff.gateGreen).toBe(false);
    expect(report.signOff.verdict).toMatch(/^Durability gate INCOMPLETE: missing shards 2\/4, 3\/4, 4\/4\b/);
    expect(report.signOff.verdict).not.toMatch(/GREEN:/);
    const dur = report.criteria.find((c) => c.id === "DUR-1")!;
    expect(dur.status).toBe("incomplete");
    expect(dur.missing).toEqual(["a: 2 of 8 seeds", "b: 2 of 8 seeds"]);
  });

  it("a criterion run on one of its scenarios is incomplete, even with every shard present", () => {
    const report = merged(shardFiles(plan(["a"]), 2, [1, 2]));
    const dur = report.criteria.find((c) => c.id === "DUR-1")!;
    expect(dur.status).toBe("incomplete");
    expect(dur.missing).toEqual(["b not run"]);
    expect(report.signOff.verdict).toMatch(/INCOMPLETE: gate criteria lacking evidence: DUR-1, /);
  });

  it("a plan on the pglite lane (or all) makes its scenarios needed too", () => {
    const report = merged(shardFiles(plan(["a", "b"], 8, "all"), 1, [1]));
    expect(report.criteria.find((c) => c.id === "DUR-1")!.missing).toEqual(["p not run"]);
  });

  it("malformed rows are dropped and named, and the gate reads INCOMPLETE", () => {
    const bad = (i: number) =>
      i === 1
        ? [
            { ...row("a", 99), violation: { invariant: "x", message: "m", atMs: 1 } },
            { ...row("a", 98), seed: -1 },
            { scenario: "a", seed: 97 },
          ]
        : [];
    const report = merged(shardFiles(plan(["a", "b"]), 1, [1], bad));
    expect(report.signOff.complete).toBe(false);
    const problem = report.signOff.missing[0]!;
    expect(problem).toMatch(/3 malformed result rows dropped/);
    expect(problem).toMatch(/result 16: violation: ok is true but a violation is recorded/);
    expect(problem).toMatch(/result 17: seed: /);
    expect(problem).toMatch(/result 18: ok: /);
  });

  it("a file that is not a run output, or not JSON, is a missing input, not a crash", () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-gate-"));
    writeFileSync(join(dir, "x.json"), JSON.stringify({ tool: "blobsim", command: "report" }));
    writeFileSync(join(dir, "y.json"), "{not json");
    const input = readRunJson([join(dir, "x.json"), join(dir, "y.json")]);
    expect(input.problems[0]).toMatch(/x\.json: not a `blobsim run --json` file \(formatVersion: /);
    expect(input.problems[1]).toMatch(/y\.json: not JSON/);
    expect(() => readRunJson([join(dir, "absent.json")])).toThrow(/cannot read \(ENOENT\)/);
  });

  it("an older file without a plan needs the lane's default seeds of every sim scenario", () => {
    const [path] = shardFiles(plan(["a"]), 1, [1]);
    const dir = mkdtempSync(join(tmpdir(), "blobsim-gate-"));
    const legacy = join(dir, "legacy.json");
    const data = JSON.parse(readFileSync(path!, "utf8"));
    delete data.plan;
    writeFileSync(legacy, JSON.stringify(data));
    const report = merged([legacy]);
    expect(report.criteria.find((c) => c.id === "DUR-1")!.missing).toEqual(["b not run"]);
  });

  it("a report that runs its own evidence is complete by construction", () => {
    const results = ["a", "b"].flatMap((id) => Array.from({ length: 3 }, (_, s) => row(id, s)));
    const report = buildReport({
      scenarios,
      results,
      variants: [prover],
      mode: "run",
      generatedAt: "t",
      wallS: 0,
      plan: runEvidencePlan("sim", scenarios, () => 3),
    });
    expect(report.signOff.complete).toBe(true);
    expect(report.signOff.verdict).toMatch(/^Durability gate GREEN/);
  });

  it("parses the seed ranges it writes", () => {
    expect(parseSeedRanges("0-3,7,9-10")).toEqual([0, 1, 2, 3, 7, 9, 10]);
    expect(parseSeedRanges(seedRanges([5, 1, 2, 3]))).toEqual([1, 2, 3, 5]);
    expect(parseSeedRanges("3-1")).toBeNull();
    expect(parseSeedRanges("x")).toBeNull();
  });
});
