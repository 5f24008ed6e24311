/**
 * The traceability report as data: criteria → scenarios that ran → seeds → pass/fail, the
 * forensic variants that show each checker can fail, a status per criterion, the risk register
 * with a residual rating derived from those statuses, and the sign-off summary. Pure: it takes
 * the seed results (real engine only) and the variant checks, and runs nothing itself.
 *
 * Status of a criterion:
 * - failing: a seed of a scenario declaring it failed on the real engine (in this report), or
 *   the real engine fails a variant's recorded seed on such a scenario;
 * - proven: scenarios declaring it ran and passed, and a forensic variant shows the checker
 *   catches its bug (recorded seed fails with the invariant, the real engine passes it);
 * - passing: scenarios ran and passed, but no variant shows yet that the checker can fail;
 * - incomplete: the report knows what evidence the criterion needs (every scenario declaring it
 *   in the judged lanes, at the seeds the run's plan declared or the lane's default) and some of
 *   it is absent: a scenario not run, a shard's seeds missing. Never proven on part of the evidence.
 * - no-evidence: no scenario declaring it ran for this report. Never hidden.
 * SIGN-1 is the report itself: passing when the gate is green and every risk is rated.
 */
import { type ReachCoverage, reachCoverage } from "./coverage.ts";
import type { SeedResult } from "../harness/result.ts";
import { replayCommand } from "../harness/result.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { detectionPower } from "./detection-power.ts";
import { CRITERIA, type Criterion, RISKS, type Risk } from "./criteria.ts";
import { seedRanges } from "./seed-ranges.ts";
import type { EvidencePlan } from "./completeness.ts";
import type { VariantCheck } from "./forensic.ts";
import { type PlacementRow, placementRows } from "./placement.ts";

export type CriterionStatus = "proven" | "passing" | "failing" | "incomplete" | "no-evidence";
export type Residual = "Low" | "Med" | "High" | "Critical";

export interface SeedFailure {
  seed: number;
  status: string;
  invariant: string;
  message: string;
  replay: string;
}

export interface ScenarioEvidence {
  id: string;
  title: string;
  lane: string;
  criteria: string[];
  seeds: number;
  failed: number;
  /** Seeds the report needs of it (the plan's or the lane default), or null when it needs none. */
  seedsNeeded: number | null;
  /** Of those, how many are absent from the results. */
  seedsMissing: number;
  /** The seeds run, as compact ranges: "0-39" or "0-19,40-59". */
  seedRanges: string;
  /** The main job's seeds of it, and the chance those find a bug failing 5% of its seeds. */
  defaultSeeds: number;
  detectionPower: number;
  /** The first few failures, each with its replay command. */
  failures: SeedFailure[];
  /** Numeric metrics over the seeds: min / median / max. */
  metrics: Record<string, { min: number; median: number; max: number }>;
  /** Text metrics (a placement's quadrant): every distinct value over the seeds, " / "-joined. */
  labels: Record<string, string>;
}

export interface CriterionEvidence {
  id: string;
  level: string;
  area: string;
  source: string;
  title: string;
  status: CriterionStatus;
  /** Scenarios declaring it that ran for this report. */
  scenarios: string[];
  /** Scenarios declaring it that did not run (filtered out or absent from the inputs). */
  notRun: string[];
  seeds: number;
  failedSeeds: number;
  /** Variants on scenarios declaring it: whether each shows the checker can fail. */
  variants: Array<{ variant: string; scenario: string | null; proves: boolean; note: string }>;
  firstFailure: (SeedFailure & { scenario: string }) | null;
  /** Evidence it needs that the report lacks ("wal.crash-restart: 13 of 50 seeds"); empty if none. */
  missing: string[];
  note: string;
}

export interface RiskEvidence {
  id: string;
  title: string;
  criteria: Array<{ id: string; status: CriterionStatus }>;
  scenarios: string[];
  variants: string[];
  /** The residual the spec's register expects once the mitigation is shown to work. */
  target: Residual;
  residual: Residual;
  basis: string;
}

export interface SignOff {
  gateGreen: boolean;
  /** False when shards or rows are missing or a gate criterion lacks evidence: never GREEN then. */
  complete: boolean;
  /** What is missing, for the INCOMPLETE verdict. */
  missing: string[];
  gate: Array<{ id: string; status: CriterionStatus }>;
  blocking: string[];
  placement: CriterionStatus;
  risksRated: boolean;
  verdict: string;
}

export interface ReportData {
  tool: "blobsim";
  formatVersion: 1;
  command: "report";
  generatedAt: string;
  mode: "run" | "merged";
  inputs: string[];
  shards: string[];
  summary: {
    criteria: number;
    proven: number;
    passing: number;
    failing: number;
    incomplete: number;
    noEvidence: number;
    scenariosRun: number;
    seeds: number;
    failedSeeds: number;
    variants: number;
    variantsHolding: number;
    wallS: number;
  };
  signOff: SignOff;
  criteria: CriterionEvidence[];
  risks: RiskEvidence[];
  scenarios: ScenarioEvidence[];
  variants: VariantCheck[];
  warnings: string[];
  /** Per workload profile: the decision boundary's figures and choice (PLC-1). */
  placement: PlacementRow[];
  /** Reach points with their hits over the real-engine seeds (reports/coverage.ts). */
  coverage: ReachCoverage;
}

/** Residual ratings of the spec's risk register (source 002) once mitigations are demonstrated. */
export const TARGET_RESIDUAL: Record<string, Residual> = {
  "R-01": "Med",
  "R-02": "Low",
  "R-03": "Low",
  "R-04": "Med",
  "R-05": "Low",
  "R-06": "Med",
  "R-07": "Med",
  "R-08": "Med",
  "R-09": "Low",
  "R-10": "Med",
};

const GATE = /^(DUR|FEN)-/;
const RESIDUAL_ORDER: Residual[] = ["Low", "Med", "High", "Critical"];
const worse = (a: Residual, b: Residual): Residual =>
  RESIDUAL_ORDER.indexOf(a) >= RESIDUAL_ORDER.indexOf(b) ? a : b;

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function scenarioEvidence(
  scenario: Scenario,
  results: readonly SeedResult[],
  seedsNeeded: readonly number[] | undefined,
): ScenarioEvidence {
  const failed = results.filter((r) => !r.ok);
  const ran = new Set(results.map((r) => r.seed));
  const metricNames = new Set(results.flatMap((r) => Object.keys(r.metrics)));
  const metrics: ScenarioEvidence["metrics"] = {};
  for (const name of [...metricNames].sort()) {
    const values = results
      .map((r) => r.metrics[name])
      .filter((v): v is number => typeof v === "number" && Number.isFinite(v))
      .sort((a, b) => a - b);
    if (values.length > 0)
      metrics[name] = { min: values[0]!, median: median(values), max: values[values.length - 1]! };
  }
  const labels: ScenarioEvidence["labels"] = {};
  for (const name of [...metricNames].sort()) {
    const texts = [...new Set(results.map((r) => r.metrics[name]).filter((v) => typeof v === "string"))];
    if (texts.length > 0) labels[name] = texts.sort().join(" / ");
  }
  return {
    id: scenario.id,
    title: scenario.title,
    lane: scenario.lane,
    criteria: [...scenario.criteria],
    seeds: results.length,
    failed: failed.length,
    seedsNeeded: seedsNeeded?.length ?? null,
    seedsMissing: seedsNeeded?.filter((seed) => !ran.has(seed)).length ?? 0,
    seedRanges: seedRanges(results.map((r) => r.seed)),
    defaultSeeds: scenario.defaultSeeds,
    detectionPower: detectionPower(scenario.defaultSeeds),
    failures: failed.slice(0, 5).map((r) => ({
      seed: r.seed,
      status: r.status,
      invariant: r.violation?.invariant ?? r.status,
      message: r.violation?.message ?? "",
      replay: replayCommand(r),
    })),
    metrics,
    labels,
  };
}

/**
 * The evidence a criterion lacks: each scenario declaring it in the judged lanes (or, when none
 * is, in the lanes where some of them ran) that did not run, or ran short of its needed seeds.
 */
function missingEvidence(
  declaring: readonly Scenario[],
  scenarios: readonly ScenarioEvidence[],
  plan: EvidencePlan | undefined,
): string[] {
  if (!plan) return [];
  const evidenceOf = (id: string) => scenarios.find((s) => s.id === id);
  let required = declaring.filter((s) => plan.judgedLanes.includes(s.lane));
  if (required.length === 0) {
    const ranLanes = new Set(declaring.filter((s) => (evidenceOf(s.id)?.seeds ?? 0) > 0).map((s) => s.lane));
    required = declaring.filter((s) => ranLanes.has(s.lane));
  }
  const missing: string[] = [];
  for (const scenario of required) {
    const evidence = evidenceOf(scenario.id);
    if (!evidence || evidence.seeds === 0) missing.push(`${scenario.id} not run`);
    else if (evidence.seedsMissing > 0 && evidence.seedsNeeded !== null)
      missing.push(
        `${scenario.id}: ${evidence.seedsNeeded - evidence.seedsMissing} of ${evidence.seedsNeeded} seeds`,
      );
  }
  return missing;
}

function criterionEvidence(
  criterion: Criterion,
  scenarios: readonly ScenarioEvidence[],
  declaredBy: readonly string[],
  variants: readonly VariantCheck[],
  missing: string[],
): CriterionEvidence {
  const ran = scenarios.filter((s) => s.seeds > 0 && s.criteria.includes(criterion.id));
  const ranIds = ran.map((s) => s.id);
  const relevant = variants.filter((v) =>
    (v.recorded ? [v.recorded.scenario] : v.scenarios).some((s) => declaredBy.includes(s)),
  );
  const variantRows = relevant.map((v) => {
    const proves = v.proves.includes(criterion.id);
    const note = proves
      ? `seed ${v.recorded!.seed} fails with ${v.invariant}; the real engine passes it`
      : (v.problems[0] ?? "does not bear on this criterion");
    return { variant: v.variant, scenario: v.recorded?.scenario ?? null, proves, note };
  });
  const failingScenario = ran.find((s) => s.failed > 0);
  const realFailsRecorded = relevant.find(
    (v) => v.real !== null && !v.realPasses && declaredBy.includes(v.recorded!.scenario),
  );
  const provers = variantRows.filter((v) => v.proves && v.scenario !== null);
  let status: CriterionStatus;
  let note: string;
  if (failingScenario || realFailsRecorded) {
    status = "failing";
    note = failingScenario
      ? `${failingScenario.id}: ${failingScenario.failed} of ${failingScenario.seeds} seeds failed`
      : `the real engine fails ${realFailsRecorded!.variant}'s recorded seed`;
  } else if (missing.length > 0) {
    status = "incomplete";
    note = `evidence missing: ${missing.slice(0, 3).join("; ")}${missing.length > 3 ? `; and ${missing.length - 3} more` : ""}`;
  } else if (ran.length === 0) {
    status = "no-evidence";
    note =
      declaredBy.length > 0
        ? `declared by ${declaredBy.join(", ")}, not run for this report`
        : "no scenario gives evidence for it yet";
  } else if (provers.length > 0) {
    status = "proven";
    note = `passed ${ran.reduce((n, s) => n + s.seeds, 0)} seeds; ${provers.map((v) => v.variant).join(", ")} shows the checker catches its bug`;
  } else {
    status = "passing";
    note = "passed, but no forensic variant shows yet that its checker can fail";
  }
  const failure = ran.flatMap((s) => s.failures.map((f) => ({ ...f, scenario: s.id })))[0] ?? null;
  return {
    id: criterion.id,
    level: criterion.level,
    area: criterion.area,
    source: criterion.source,
    title: criterion.title,
    status,
    scenarios: ranIds,
    notRun: declaredBy.filter((id) => !ranIds.includes(id)),
    seeds: ran.reduce((n, s) => n + s.seeds, 0),
    failedSeeds: ran.reduce((n, s) => n + s.failed, 0),
    variants: variantRows,
    firstFailure: failure,
    missing,
    note,
  };
}

function riskEvidence(risk: Risk, criteria: readonly CriterionEvidence[]): RiskEvidence {
  const mine = risk.criteria.map((id) => criteria.find((c) => c.id === id)!).filter(Boolean);
  const target = TARGET_RESIDUAL[risk.id] ?? "Med";
  const statuses = mine.map((c) => ({ id: c.id, status: c.status }));
  const failing = mine.filter((c) => c.status === "failing");
  const proven = mine.filter((c) => c.status === "proven");
  const evidenced = mine.filter((c) => c.status === "proven" || c.status === "passing");
  let residual: Residual;
  let basis: string;
  if (failing.length > 0) {
    residual = risk.id === "R-02" ? "Critical" : "High";
    basis = `failing evidence: ${failing.map((c) => c.id).join(", ")}`;
  } else if (mine.length > 0 && proven.length === mine.length) {
    residual = target;
    basis = `every criterion proven (${proven.map((c) => c.id).join(", ")}): the register's residual holds`;
  } else if (evidenced.length > 0) {
    residual = worse(target, "Med");
    const missing = mine
      .filter((c) => c.status === "no-evidence" || c.status === "incomplete")
      .map((c) => c.id);
    const unproven = evidenced.filter((c) => c.status === "passing").map((c) => c.id);
    basis = `partial evidence: ${evidenced.map((c) => `${c.id} ${c.status}`).join(", ")}; ${
      missing.length > 0
        ? `no evidence yet for ${missing.join(", ")}`
        : `no forensic variant yet proves the checker of ${unproven.join(", ")}`
    }`;
  } else {
    residual = "High";
    basis = `no evidence yet for ${mine.map((c) => c.id).join(", ")}: the mitigation is not demonstrated`;
  }
  return {
    id: risk.id,
    title: risk.title,
    criteria: statuses,
    scenarios: [...new Set(mine.flatMap((c) => c.scenarios))],
    variants: [...new Set(mine.flatMap((c) => c.variants.filter((v) => v.proves).map((v) => v.variant)))],
    target,
    residual,
    basis,
  };
}

export interface EvidenceInput {
  scenarios: readonly Scenario[];
  /** Real-engine seed results (variant results are ignored with a warning). */
  results: readonly SeedResult[];
  variants: readonly VariantCheck[];
  mode: "run" | "merged";
  inputs?: string[];
  shards?: string[];
  generatedAt: string;
  wallS: number;
  warnings?: string[];
  /** What the evidence must hold; without it, completeness is not judged (hand-built reports). */
  plan?: EvidencePlan;
}

export function buildReport(input: EvidenceInput): ReportData {
  const warnings = [...(input.warnings ?? [])];
  const known = new Map(input.scenarios.map((s) => [s.id, s]));
  const bySeed = new Map<string, SeedResult>();
  let variantResults = 0;
  for (const result of input.results) {
    if (result.variant !== null) {
      variantResults++;
      continue;
    }
    if (!known.has(result.scenario)) {
      warnings.push(`results for unknown scenario ${result.scenario} ignored`);
      continue;
    }
    const key = `${result.scenario}#${result.seed}`;
    const before = bySeed.get(key);
    if (before && before.traceHash !== result.traceHash)
      warnings.push(
        `${result.scenario} seed ${result.seed} appears twice with different trace hashes (${before.traceHash}, ${result.traceHash}): not deterministic across shards`,
      );
    if (!before || !result.ok) bySeed.set(key, result);
  }
  if (variantResults > 0)
    warnings.push(
      `${variantResults} results ran with a forensic variant and are not evidence about the real engine`,
    );
  const unique = [...new Set(warnings)];
  const scenarios = input.scenarios.map((scenario) =>
    scenarioEvidence(
      scenario,
      [...bySeed.values()].filter((r) => r.scenario === scenario.id),
      input.plan?.seedsNeeded.get(scenario.id),
    ),
  );
  const criteria = CRITERIA.map((criterion) => {
    const declaring = input.scenarios.filter((s) => s.criteria.includes(criterion.id));
    return criterionEvidence(
      criterion,
      scenarios,
      declaring.map((s) => s.id),
      input.variants,
      missingEvidence(declaring, scenarios, input.plan),
    );
  });
  const risks = RISKS.map((risk) => riskEvidence(risk, criteria));
  const signOff = signOffOf(criteria, risks, input.plan?.inputProblems ?? []);
  const sign = criteria.find((c) => c.id === "SIGN-1");
  if (sign) {
    const gateFailing = signOff.gate.some((g) => g.status === "failing");
    sign.status =
      signOff.gateGreen && signOff.risksRated
        ? "passing"
        : gateFailing
          ? "failing"
          : signOff.complete
            ? "no-evidence"
            : "incomplete";
    sign.note = signOff.verdict;
  }
  const count = (status: CriterionStatus) => criteria.filter((c) => c.status === status).length;
  return {
    tool: "blobsim",
    formatVersion: 1,
    command: "report",
    generatedAt: input.generatedAt,
    mode: input.mode,
    inputs: input.inputs ?? [],
    shards: input.shards ?? [],
    summary: {
      criteria: criteria.length,
      proven: count("proven"),
      passing: count("passing"),
      failing: count("failing"),
      incomplete: count("incomplete"),
      noEvidence: count("no-evidence"),
      scenariosRun: scenarios.filter((s) => s.seeds > 0).length,
      seeds: scenarios.reduce((n, s) => n + s.seeds, 0),
      failedSeeds: scenarios.reduce((n, s) => n + s.failed, 0),
      variants: input.variants.length,
      variantsHolding: input.variants.filter((v) => v.problems.length === 0).length,
      wallS: input.wallS,
    },
    signOff,
    coverage: reachCoverage([...bySeed.values()]),
    criteria,
    risks,
    scenarios,
    variants: [...input.variants],
    warnings: unique,
    placement: placementRows(scenarios),
  };
}

function signOffOf(
  criteria: readonly CriterionEvidence[],
  risks: readonly RiskEvidence[],
  inputProblems: readonly string[],
): SignOff {
  const gate = criteria.filter((c) => GATE.test(c.id)).map((c) => ({ id: c.id, status: c.status }));
  const blocking = gate.filter((g) => g.status !== "proven").map((g) => `${g.id} ${g.status}`);
  const missing = [
    ...inputProblems,
    ...criteria
      .filter((c) => GATE.test(c.id) && c.status === "incomplete")
      .map((c) => `${c.id} lacks ${c.missing.join(", ")}`),
  ];
  const complete = missing.length === 0;
  const lacking = gate.filter((g) => g.status === "incomplete").map((g) => g.id);
  const gateGreen = gate.length > 0 && blocking.length === 0 && complete;
  const placement = criteria.find((c) => c.id === "PLC-1")?.status ?? "no-evidence";
  const risksRated = risks.length === RISKS.length;
  const failing = gate.filter((g) => g.status === "failing").map((g) => g.id);
  const incompleteWhy = [
    ...inputProblems,
    ...(lacking.length > 0 ? [`gate criteria lacking evidence: ${lacking.join(", ")}`] : []),
  ].join("; ");
  const verdict = gateGreen
    ? `Durability gate GREEN: ${gate.map((g) => g.id).join(", ")} proven.`
    : failing.length > 0
      ? `Durability gate RED: ${failing.join(", ")} failing. No real data.`
      : !complete
        ? `Durability gate INCOMPLETE: ${incompleteWhy}. Partial evidence is never GREEN.`
        : `Durability gate NOT GREEN: ${blocking.length} of ${gate.length} gate criteria not proven (${blocking.join("; ")}).`;
  return { gateGreen, complete, missing, gate, blocking, placement, risksRated, verdict };
}
