import { replayCommand } from "../harness/result.ts";
import type { Registry } from "../harness/registry.ts";
import { parseCount, UsageError } from "../harness/seeds.ts";
import { faultsOf, ShrinkError, type ShrinkResult, shrinkSeed } from "../harness/shrink.ts";
import {
  buggifyOption,
  checkVariant,
  flag,
  type Options,
  parse,
  selectScenarios,
  seedSelection,
  str,
  variantOption,
} from "./args.ts";
import { checkOutputFile, writeOutputFile } from "./output-files.ts";
import { faultLines } from "./plan-file.ts";
import { commandRegistry, scenariosOption } from "./registry.ts";

export const shrinkHelp = `blobsim shrink SCENARIO --seed S [--variant V] [--out F.json] [--budget-s N] [--scenarios MODULE,...]
Shrinks a failing seed: delta debugging over its fault decisions (store faults, random kills,
network faults) down to a plan that still fails with the same invariant and from which no single
fault can be dropped (1-minimal), with the seed's swarm draws kept. Prints the plan's faults,
one line each, writes the plan file and the replay command that reruns it. Seeds run in this
thread. Exit 0 shrunk (or already fault-free), 1 the forced faults did not reproduce the failure.`;

export const shrinkFlags: Options = {
  seed: { type: "string", value: "S", description: "the failing seed to shrink (required)" },
  ...variantOption,
  out: {
    type: "string",
    value: "F.json",
    description: "where to write the shrunk plan (default SCENARIO.seed-S[.V].plan.json here)",
  },
  "budget-s": {
    type: "string",
    value: "N",
    description: "wall seconds for the whole shrink (default 60); past it the best plan so far",
  },
  ...buggifyOption,
  ...scenariosOption,
};

export const DEFAULT_SHRINK_BUDGET_S = 60;

/** The default plan file of a shrink: named after what it replays. */
export function defaultPlanPath(scenario: string, seed: number, variant: string | null): string {
  return `${scenario}.seed-${seed}${variant ? `.${variant}` : ""}.plan.json`;
}

export async function shrinkCommand(args: string[]): Promise<number> {
  const parsed = parse(args, shrinkFlags);
  if (parsed.positionals.length !== 1) throw new UsageError("shrink takes exactly one scenario");
  const registry = await commandRegistry(parsed);
  const [scenario] = selectScenarios(parsed.positionals, undefined, "all", registry);
  const { seed } = seedSelection(parsed);
  if (seed === undefined) throw new UsageError("shrink needs --seed S");
  const variant = checkVariant(str(parsed, "variant"), registry) ?? null;
  const budgetText = str(parsed, "budget-s");
  const budgetS = budgetText === undefined ? DEFAULT_SHRINK_BUDGET_S : parseCount(budgetText, "--budget-s");
  const outPath = checkOutputFile(
    "--out",
    str(parsed, "out") ?? defaultPlanPath(scenario!.id, seed, variant),
  );
  let shrunk: ShrinkResult;
  try {
    shrunk = await shrinkSeed(scenario!.id, seed, {
      variant,
      registry,
      budgetS,
      buggify: flag(parsed, "buggify"),
    });
  } catch (error) {
    if (error instanceof ShrinkError) throw new UsageError(error.message);
    throw error;
  }
  writeOutputFile(outPath!, `${JSON.stringify(shrunk.plan, null, 2)}\n`);
  for (const line of shrinkLines(shrunk, outPath!)) console.log(line);
  return shrunk.result.ok ? 1 : 0;
}

/** What a shrink prints: the summary line, one line per remaining fault, the replay command. */
export function shrinkLines(shrunk: ShrinkResult, planPath: string): string[] {
  const left = faultsOf(shrunk.plan.decisions).length;
  const reproduced = shrunk.plan.others === "neutral";
  return [
    `SHRINK ${shrunk.scenario} seed=${shrunk.seed}${shrunk.variant ? ` variant=${shrunk.variant}` : ""} invariant=${shrunk.target.invariant} faults=${shrunk.faultsAtStart}->${left} runs=${shrunk.runs} wall_ms=${shrunk.wallMs} ${shrunk.minimal ? "1-minimal" : reproduced ? "not-minimal (budget spent)" : "not-reproduced"}`,
    ...faultLines(shrunk.result.decisions),
    `plan: ${planPath}`,
    `replay: ${replayCommand({ ...shrunk.result }, planPath)}`,
  ];
}

/** `run --shrink` and `hunt --shrink` shrink at most this many failures (each its own budget). */
export const SHRINK_FAILURES_MAX = 5;

export const shrinkOption: Options = {
  shrink: {
    type: "boolean",
    description: `shrink each failing seed (the first ${SHRINK_FAILURES_MAX}) to a 1-minimal plan, written beside here`,
  },
};

/**
 * Shrinks the failures among `failures` (a timeout has no run to shrink), writes each plan to
 * its default path and prints what `shrink` prints, indented. Seeds run in this thread.
 */
export async function shrinkFailures(
  failures: ReadonlyArray<{ scenario: string; seed: number; variant: string | null; status: string }>,
  registry: Registry | undefined,
  print: (line: string) => void,
  buggify = false,
): Promise<void> {
  const shrinkable = failures.filter((f) => f.status !== "pass" && f.status !== "timeout");
  for (const failure of shrinkable.slice(0, SHRINK_FAILURES_MAX)) {
    const shrunk = await shrinkSeed(failure.scenario, failure.seed, {
      variant: failure.variant,
      ...(registry ? { registry } : {}),
      budgetS: DEFAULT_SHRINK_BUDGET_S,
      buggify,
    }).catch((error: unknown) => {
      if (error instanceof ShrinkError) return null;
      throw error;
    });
    if (!shrunk) continue;
    const path = defaultPlanPath(shrunk.scenario, shrunk.seed, shrunk.variant);
    writeOutputFile(path, `${JSON.stringify(shrunk.plan, null, 2)}\n`);
    for (const line of shrinkLines(shrunk, path)) print(`  ${line}`);
  }
  if (shrinkable.length > SHRINK_FAILURES_MAX)
    print(`  (shrank the first ${SHRINK_FAILURES_MAX} of ${shrinkable.length} failures)`);
}
