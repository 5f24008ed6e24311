/**
 * What evidence a report needs before its gate may read anything but INCOMPLETE: which lanes it
 * judges, which seeds of which scenario must be present, and what is wrong with the inputs
 * (missing shards, unusable files and rows). A report built from `run` knows this by
 * construction; one merged from `run --json` shards learns it from the plan each shard declares
 * (`plan`, `shard: "i/n"`), so that 1 of 4 shards, or a run of 1 of a criterion's 12 scenarios,
 * cannot pass for the whole.
 */
import type { Scenario } from "../scenarios/scenario.ts";
import type { RunFileInput, RunPlan } from "./run-json.ts";

export interface EvidencePlan {
  /** Lanes whose every scenario a criterion declared in them needs. */
  judgedLanes: string[];
  /** The seeds each scenario needs: the declared plans' seeds, else the lane's report default. */
  seedsNeeded: Map<string, number[]>;
  /** Problems with the inputs themselves (missing shards, malformed files and rows). */
  inputProblems: string[];
}

/** Parses "0-19,40,50-59" (the form `seedRanges` writes) into seeds; null when malformed. */
export function parseSeedRanges(text: string): number[] | null {
  if (text === "") return [];
  const seeds: number[] = [];
  for (const part of text.split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) return null;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) return null;
    for (let seed = first; seed <= last; seed++) seeds.push(seed);
  }
  return seeds;
}

const lanesOf = (lane: RunPlan["lane"]): string[] => (lane === "all" ? ["sim", "pglite"] : [lane]);

/** The plan of a report that runs its own evidence: every scenario of the lane, n seeds each. */
export function runEvidencePlan(
  lane: RunPlan["lane"],
  scenarios: readonly Scenario[],
  seedCount: (scenario: Scenario) => number,
): EvidencePlan {
  const judgedLanes = lanesOf(lane);
  const seedsNeeded = new Map<string, number[]>();
  for (const scenario of scenarios.filter((s) => judgedLanes.includes(s.lane)))
    seedsNeeded.set(
      scenario.id,
      Array.from({ length: seedCount(scenario) }, (_, seed) => seed),
    );
  return { judgedLanes, seedsNeeded, inputProblems: [] };
}

/** A plan's identity without its shard: shards of one run share it. */
const planKey = (plan: RunPlan | null): string => JSON.stringify(plan);

function missingShards(files: readonly RunFileInput[]): string[] {
  const problems: string[] = [];
  const groups = new Map<
    string,
    { count: number; indices: Set<number>; plan: RunPlan | null; sweepRunId: string | null }
  >();
  for (const file of files) {
    if (file.shard === null) continue;
    const [index, count] = file.shard.split("/").map(Number) as [number, number];
    // A sweep's tasks each declare the seeds they ran: they belong together by run id.
    const key =
      file.sweepRunId !== null ? `sweep ${file.sweepRunId}#${count}` : `${planKey(file.plan)}#${count}`;
    const group = groups.get(key) ?? {
      count,
      indices: new Set<number>(),
      plan: file.plan,
      sweepRunId: file.sweepRunId,
    };
    group.indices.add(index);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    const missing = Array.from({ length: group.count }, (_, i) => i + 1).filter((i) => !group.indices.has(i));
    if (missing.length === 0) continue;
    const what =
      group.sweepRunId !== null
        ? ` of sweep ${group.sweepRunId}`
        : group.plan
          ? ` of the run of ${group.plan.scenarios.length} scenarios (lane ${group.plan.lane})`
          : "";
    problems.push(`missing shards ${missing.map((i) => `${i}/${group.count}`).join(", ")}${what}`);
  }
  return problems;
}

/**
 * The plan of a report merged from `run --json` files. Judged lanes: those the plans declare
 * (a file without a plan, from an older blobsim, counts as the default sim lane). Seeds needed:
 * the union of what the plans declare per scenario; a judged scenario no plan names needs the
 * lane's report default (`defaultSeedCount`), so leaving it out shows as missing.
 */
export function mergedEvidencePlan(
  files: readonly RunFileInput[],
  scenarios: readonly Scenario[],
  defaultSeedCount: (scenario: Scenario) => number,
  problems: readonly string[],
): EvidencePlan {
  const inputProblems = [...problems, ...missingShards(files)];
  const lanes = new Set<string>();
  const declared = new Map<string, Set<number>>();
  for (const file of files) {
    if (!file.plan) {
      lanes.add("sim");
      continue;
    }
    // A run with a forensic variant is not evidence about the real engine: it declares nothing.
    if (file.plan.variant !== null) continue;
    for (const lane of lanesOf(file.plan.lane)) lanes.add(lane);
    for (const entry of file.plan.scenarios) {
      const seeds = parseSeedRanges(entry.seeds);
      if (seeds === null) {
        inputProblems.push(`${file.path}: plan seeds of ${entry.id} unreadable ("${entry.seeds}")`);
        continue;
      }
      const set = declared.get(entry.id) ?? new Set<number>();
      for (const seed of seeds) set.add(seed);
      declared.set(entry.id, set);
    }
  }
  const judgedLanes = [...lanes].sort();
  const seedsNeeded = new Map<string, number[]>();
  for (const scenario of scenarios) {
    const planned = declared.get(scenario.id);
    if (planned)
      seedsNeeded.set(
        scenario.id,
        [...planned].sort((a, b) => a - b),
      );
    else if (judgedLanes.includes(scenario.lane))
      seedsNeeded.set(
        scenario.id,
        Array.from({ length: defaultSeedCount(scenario) }, (_, seed) => seed),
      );
  }
  return { judgedLanes, seedsNeeded, inputProblems };
}
