import { performance } from "node:perf_hooks";
import { allVariants, findVariant } from "../fixtures/forensic/index.ts";
import type { Variant } from "../fixtures/forensic/variant.ts";
import { createRunner, runOrdered, type SeedRunner } from "../harness/pool.ts";
import { replayCommand } from "../harness/result.ts";
import { parseCount, parseSeed, UsageError } from "../harness/seeds.ts";
import type { SeedTask } from "../harness/worker.ts";
import { flag, jobs, parse, str } from "./args.ts";

export const huntHelp = `blobsim hunt --variant V [--max-seeds N] [--from S] [--jobs J]
blobsim hunt --all [--max-seeds N] [--jobs J]
Re-injects a forensic bug and searches seeds in order for one its invariant catches.
Prints FOUND ... or NOT FOUND ...; exit 0 when found (with --all: when every variant is found).`;

export interface HuntOutcome {
  variant: string;
  found: boolean;
  seed: number | null;
  scenario: string | null;
  invariant: string | null;
  seedsTried: number;
  wallS: number;
}

/** Searches seeds from..from+maxSeeds-1 (each over the variant's scenarios) for the first failure. */
export async function hunt(
  runner: SeedRunner,
  variant: Variant,
  from: number,
  maxSeeds: number,
  window: number,
): Promise<HuntOutcome> {
  const started = performance.now();
  const tasks: SeedTask[] = [];
  for (let i = 0; i < maxSeeds; i++) {
    for (const scenario of variant.scenarios)
      tasks.push({ scenario, seed: from + i, variant: variant.id, sanitize: false });
  }
  let hit: { seed: number; scenario: string; invariant: string; index: number } | null = null;
  await runOrdered(runner, tasks, window, (result, index) => {
    if (result.violation?.invariant === variant.invariant) {
      hit = { seed: result.seed, scenario: result.scenario, invariant: result.violation.invariant, index };
      return "stop";
    }
    return undefined;
  });
  const found = hit as { seed: number; scenario: string; invariant: string; index: number } | null;
  return {
    variant: variant.id,
    found: found !== null,
    seed: found?.seed ?? null,
    scenario: found?.scenario ?? null,
    invariant: found?.invariant ?? null,
    seedsTried: found ? found.seed - from + 1 : maxSeeds,
    wallS: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
}

export async function huntCommand(args: string[]): Promise<number> {
  const parsed = parse(
    args,
    {
      variant: { type: "string" },
      all: { type: "boolean" },
      "max-seeds": { type: "string" },
      from: { type: "string" },
      jobs: { type: "string" },
    },
    false,
  );
  const all = flag(parsed, "all");
  const id = str(parsed, "variant");
  if (all === (id !== undefined)) throw new UsageError("hunt needs exactly one of --variant V or --all");
  const variants = all ? [...allVariants] : [findVariant(id!) ?? badVariant(id!)];
  const maxText = str(parsed, "max-seeds");
  const maxSeeds = maxText === undefined ? 2000 : parseCount(maxText, "--max-seeds");
  const fromText = str(parsed, "from");
  const from = fromText === undefined ? 0 : parseSeed(fromText, "--from");
  const threads = jobs(parsed, 1);
  const runner = createRunner(threads);
  const outcomes: HuntOutcome[] = [];
  try {
    for (const variant of variants) {
      const outcome = await hunt(runner, variant, from, maxSeeds, Math.max(1, threads * 2));
      outcomes.push(outcome);
      if (outcome.found) {
        console.log(
          `FOUND variant=${outcome.variant} seed=${outcome.seed} invariant=${outcome.invariant} after=${outcome.seedsTried} seeds wall_s=${outcome.wallS} scenario=${outcome.scenario}`,
        );
        console.log(
          `  replay: ${replayCommand({ scenario: outcome.scenario!, seed: outcome.seed!, variant: outcome.variant })}`,
        );
      } else {
        console.log(`NOT FOUND variant=${outcome.variant} seeds=${outcome.seedsTried}`);
      }
    }
  } finally {
    await runner.close();
  }
  if (all) {
    console.log("variant  found  seeds-to-find  wall_s");
    for (const o of outcomes) {
      console.log(
        `${o.variant.padEnd(8)} ${(o.found ? "yes" : "NO").padEnd(6)} ${String(o.found ? o.seedsTried : "-").padEnd(14)} ${o.wallS}`,
      );
    }
  }
  return outcomes.every((o) => o.found) ? 0 : 1;
}

function badVariant(id: string): never {
  throw new UsageError(`unknown variant: ${id} (see blobsim list)`);
}
