import { explore, ExploreCorpusError, type ExploreEvent } from "../harness/explore.ts";
import { replayCommand } from "../harness/result.ts";
import { seedTimeoutS } from "../harness/seed-budget.ts";
import { parseCount, parseSeed, UsageError } from "../harness/seeds.ts";
import {
  buggifyOption,
  checkVariant,
  flag,
  type Options,
  parse,
  seedTimeoutOption,
  selectScenarios,
  str,
  variantOption,
} from "./args.ts";
import { commandRegistry, scenariosOption, seedTimeoutFlag } from "./registry.ts";
import { writeOutputFile } from "./output-files.ts";
import { shrinkSeed } from "../harness/shrink.ts";
import { defaultPlanPath, shrinkFailures, shrinkLines } from "./shrink.ts";

export const exploreHelp = `blobsim explore [SCENARIO...] --budget-s N [--corpus DIR] [--variant V] [--seed S] [--buggify]
Coverage-guided search: keeps a corpus of decision logs whose runs reached new coverage (reach
points, fault kinds, kill point × store outcome, store-outcome sequences, BUGGIFY combinations),
mutates them (drop, add or move a fault, reseed the undecided draws) and splices them. Stops at
the first failure (with --variant: the first its invariant catches), shrinks it and prints its
replay line. With --corpus the search resumes from that folder. Scenarios default to the
variant's, else every sim scenario. Exit 0 nothing failed (with --variant: found), 1 otherwise.`;

export const exploreFlags: Options = {
  "budget-s": { type: "string", value: "N", description: "wall seconds to search (required)" },
  corpus: { type: "string", value: "DIR", description: "corpus folder: resumed if present, kept up to date" },
  ...variantOption,
  seed: {
    type: "string",
    value: "S",
    description: "the search's own seed: which mutations it tries (default 0)",
  },
  ...buggifyOption,
  ...scenariosOption,
  ...seedTimeoutFlag,
};

export async function exploreCommand(args: string[]): Promise<number> {
  const parsed = parse(args, exploreFlags);
  const registry = await commandRegistry(parsed);
  const budgetText = str(parsed, "budget-s");
  if (budgetText === undefined) throw new UsageError("explore needs --budget-s N");
  const budgetS = parseCount(budgetText, "--budget-s");
  const variant = checkVariant(str(parsed, "variant"), registry) ?? null;
  const seedText = str(parsed, "seed");
  const exploreSeed = seedText === undefined ? 0 : parseSeed(seedText, "--seed");
  const scenarios =
    parsed.positionals.length > 0 || !variant
      ? selectScenarios(parsed.positionals, undefined, "sim", registry).map((s) => s.id)
      : [...registry.findVariant(variant)!.scenarios];
  const timeoutOverrideS = seedTimeoutOption(parsed);
  const buggify = flag(parsed, "buggify");
  const corpusDir = str(parsed, "corpus");
  const print = (event: ExploreEvent) => {
    if (event.kind === "new")
      console.log(
        `NEW run=${event.run} ${event.entry.scenario} seed=${event.entry.seed} via=${event.entry.via} +${event.added.length}: ${event.added.slice(0, 6).join(" ")}${event.added.length > 6 ? " ..." : ""}`,
      );
  };
  let outcome;
  try {
    outcome = await explore({
      scenarios,
      budgetS,
      variant,
      registry,
      exploreSeed,
      buggify,
      seedTimeoutS: (id) => seedTimeoutS(registry.findScenario(id)!, timeoutOverrideS),
      onEvent: print,
      ...(corpusDir ? { corpusDir } : {}),
    });
  } catch (error) {
    if (error instanceof ExploreCorpusError) throw new UsageError(error.message);
    throw error;
  }
  console.log(
    `EXPLORE scenarios=${scenarios.length} runs=${outcome.runs} runs_before=${outcome.runsBefore} corpus=${outcome.corpusSize} features=${outcome.features} new_features=${outcome.newFeatures} wall_s=${outcome.wallS}`,
  );
  const failure = outcome.failure;
  if (!failure) {
    console.log(variant ? `NOT FOUND variant=${variant} after=${outcome.runs} runs` : "no failure");
    return variant ? 1 : 0;
  }
  const { result, entry } = failure;
  console.log(
    `FOUND${variant ? ` variant=${variant}` : ""} scenario=${result.scenario} seed=${result.seed} invariant=${result.violation?.invariant ?? result.status} after=${failure.run} runs via=${entry.via}`,
  );
  if (!entry.plan) {
    console.log(`  replay: ${replayCommand(result)}`);
    await shrinkFailures([result], registry, (line) => console.log(line), buggify);
  } else {
    const shrunk = await shrinkSeed(result.scenario, result.seed, {
      variant,
      registry,
      buggify,
      plan: entry.plan,
    });
    const path = defaultPlanPath(shrunk.scenario, shrunk.seed, shrunk.variant);
    writeOutputFile(path, `${JSON.stringify(shrunk.plan, null, 2)}\n`);
    for (const line of shrinkLines(shrunk, path)) console.log(`  ${line}`);
  }
  return variant ? 0 : 1;
}
