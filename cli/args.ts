/**
 * Flag parsing on node:util parseArgs; every malformed input becomes a one-line UsageError.
 * parseArgs rather than commander or cac: it already gives the exit-2 one-line errors, the
 * commands' own value checks (seeds, shards, lanes) stay as they are, and what it lacked (a
 * description per flag for --help, "did you mean" for a misspelt flag) is a few lines here.
 * Every flag carries a description; `--help` lists them (cli/help.ts), and a test holds every
 * command to it.
 */
import { availableParallelism } from "node:os";
import { isStoreMode, type StoreMode } from "../harness/store-mode.ts";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { builtinRegistry, type BuiltinRegistry } from "../fixtures/registry.ts";
import { parseCount, parseSeed, parseShard, type SeedSelection, UsageError } from "../harness/seeds.ts";
import { CRITERIA, isKnownCriterion } from "../reports/criteria.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { didYouMean } from "./did-you-mean.ts";

type ParseOptions = NonNullable<ParseArgsConfig["options"]>;

/** One flag: parseArgs' description of it, what its value is, and what it does (for --help). */
export interface FlagSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  /** The value's placeholder in --help: "N", "F.json", "i/n". */
  value?: string;
  description: string;
}

export type Options = Record<string, FlagSpec>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parse(rawArgs: string[], options: Options, allowPositionals = true): Parsed {
  // `--seeds -3` would otherwise read as two flags; bind such values so they are judged as values.
  const bound: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    const next = rawArgs[i + 1];
    if (arg.startsWith("--") && options[arg.slice(2)]?.type === "string" && next?.startsWith("-")) {
      bound.push(`${arg}=${next}`);
      i++;
    } else bound.push(arg);
  }
  const config: ParseOptions = {};
  for (const [name, spec] of Object.entries(options))
    config[name] = spec.multiple ? { type: spec.type, multiple: true } : { type: spec.type };
  try {
    const { values, positionals } = parseArgs({
      args: bound,
      options: config,
      allowPositionals,
      strict: true,
    });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
    const unknown = /^Unknown option '(--?[^'=]+)'/.exec(message)?.[1];
    if (unknown !== undefined) {
      const flags = Object.keys(options).map((name) => `--${name}`);
      throw new UsageError(`unknown option ${unknown}${didYouMean(unknown, flags)}`);
    }
    throw new UsageError(message);
  }
}

export function str(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === "string" ? value : undefined;
}

export function flag(parsed: Parsed, name: string): boolean {
  return parsed.values[name] === true;
}

export const seedOptions: Options = {
  seeds: {
    type: "string",
    value: "N",
    description: "seeds per scenario (default: each scenario's own count)",
  },
  seed: { type: "string", value: "S", description: "run this one seed" },
  from: {
    type: "string",
    value: "S",
    description: "first seed: --from S --seeds N runs S .. S+N-1 (default 0)",
  },
  shard: {
    type: "string",
    value: "i/n",
    description: "keep every n-th seed from the i-th; shards 1/n .. n/n cover the run once",
  },
};

export const criteriaOption: Options = {
  criteria: {
    type: "string",
    value: "ID,...",
    description: "only scenarios giving evidence for any of these criteria",
  },
};

export const variantOption: Options = {
  variant: { type: "string", value: "V", description: "re-inject forensic variant V (see blobsim list)" },
};

export const storeOption: Options = {
  store: {
    type: "string",
    value: "sim|adapter|swarm",
    description:
      "how the engine reaches the simulated bucket: in-process (sim), through the GCS adapter over simulated HTTP (adapter), or the adapter on a share of seeds drawn from each seed (swarm)",
  },
};

/** --store, or `fallback` (undefined: the variant's own mode, else sim). */
export function storeChoice(parsed: Parsed, fallback?: StoreMode): StoreMode | undefined {
  const store = str(parsed, "store");
  if (store === undefined) return fallback;
  if (!isStoreMode(store)) throw new UsageError(`--store must be sim, adapter or swarm, got "${store}"`);
  return store;
}

/** The `store` field of a seed task or runSeed options: absent when the flag was not given. */
export function storeTask(store: StoreMode | undefined): { store?: StoreMode } {
  return store === undefined ? {} : { store };
}

export const buggifyOption: Options = {
  buggify: {
    type: "boolean",
    description: "turn BUGGIFY sites on (each enabled per run with p=0.25, firing with p=0.25)",
  },
};

export const sanitizeOption: Options = {
  sanitize: {
    type: "boolean",
    description: "fail a seed that touches wall time, real timers or real randomness directly",
  },
};

export function seedSelection(parsed: Parsed): SeedSelection {
  const seeds = str(parsed, "seeds");
  const seed = str(parsed, "seed");
  const from = str(parsed, "from");
  const shard = str(parsed, "shard");
  if (seed !== undefined && (seeds !== undefined || from !== undefined)) {
    throw new UsageError("--seed runs one seed; it does not combine with --seeds or --from");
  }
  return {
    seeds: seeds === undefined ? undefined : parseCount(seeds, "--seeds"),
    seed: seed === undefined ? undefined : parseSeed(seed, "--seed"),
    from: from === undefined ? undefined : parseSeed(from, "--from"),
    shard: shard === undefined ? undefined : parseShard(shard),
  };
}

/**
 * Worker threads for a run of `taskCount` seeds when --jobs is not given: every core for a run
 * big enough to repay the workers' start-up (about a second each), else this thread alone.
 */
export function defaultJobs(taskCount: number): number {
  return taskCount >= 100 ? availableParallelism() : 1;
}

/**
 * Worker threads to use: --jobs J, capped at the cores of this machine (more threads than cores
 * only add start-up time and memory; `--jobs 999` once started 999 workers) with one warning
 * line. 0 and non-numbers stay usage errors.
 */
export function jobs(parsed: Parsed, fallback: number, cores = availableParallelism()): number {
  const text = str(parsed, "jobs");
  if (text === undefined) return Math.min(fallback, cores);
  const asked = parseCount(text, "--jobs");
  if (asked <= cores) return asked;
  console.error(`blobsim: --jobs ${asked} is more than the ${cores} cores here; using ${cores}`);
  return cores;
}

/** `--seed-timeout-s S`: a positive number of seconds, or undefined when not given. */
export function seedTimeoutOption(parsed: Parsed): number | undefined {
  const text = str(parsed, "seed-timeout-s");
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text) || !(Number(text) > 0))
    throw new UsageError(`--seed-timeout-s must be a positive number of seconds, got "${text}"`);
  return Number(text);
}

/** Scenarios named on the command line, filtered by --criteria; all of them if none named. */
export type LaneChoice = "sim" | "pglite" | "all";

export const laneOption: Options = {
  lane: {
    type: "string",
    value: "sim|pglite|all",
    description:
      "which scenarios by default: sim (the fast model lane, default), pglite (real Postgres), all",
  },
};

/** `--lane sim|pglite|all`; the fast "sim" lane unless asked otherwise. */
export function laneChoice(parsed: Parsed): LaneChoice {
  const lane = str(parsed, "lane") ?? "sim";
  if (lane !== "sim" && lane !== "pglite" && lane !== "all") {
    throw new UsageError(`--lane must be sim, pglite or all, got "${lane}"`);
  }
  return lane;
}

/**
 * Scenarios named on the command line (whatever their lane), or else every scenario of the
 * chosen lane; then filtered by --criteria. PGlite scenarios cost seconds and hundreds of MB
 * per seed, so `--criteria X --seeds 1000` stays on the sim lane unless `--lane` says otherwise.
 */
export function selectScenarios(
  names: string[],
  criteriaText: string | undefined,
  lane: LaneChoice = "sim",
  registry: BuiltinRegistry = builtinRegistry,
): Scenario[] {
  const unknown = names.filter((name) => !registry.findScenario(name));
  if (unknown.length > 0) {
    const ids = registry.scenarios.map((scenario) => scenario.id);
    const hints = unknown.map((name) => didYouMean(name, ids)).join("");
    throw new UsageError(`unknown scenario: ${unknown.join(", ")}${hints || " (see blobsim list)"}`);
  }
  // With --scenarios modules and no names, run the modules' scenarios (what the user brought).
  const fromModules = registry.scenarios.filter((scenario) => registry.origin(scenario.id) !== "built-in");
  let scenarios =
    names.length > 0
      ? names.map((name) => registry.findScenario(name)!)
      : fromModules.length > 0
        ? fromModules
        : registry.scenarios.filter((scenario) => lane === "all" || scenario.lane === lane);
  if (criteriaText !== undefined) {
    const ids = criteriaText
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean);
    const bad = ids.filter((id) => !isKnownCriterion(id));
    if (ids.length === 0 || bad.length > 0) {
      const known = CRITERIA.map((criterion) => criterion.id);
      const hints = bad.map((id) => didYouMean(id, known)).join("");
      throw new UsageError(`unknown criteria: ${bad.join(", ") || "(none given)"}${hints}`);
    }
    scenarios = scenarios.filter((scenario) => scenario.criteria.some((id) => ids.includes(id)));
    if (scenarios.length === 0) {
      throw new UsageError(
        `no ${lane === "all" ? "" : `${lane}-lane `}scenario gives evidence for ${ids.join(", ")}`,
      );
    }
  }
  return scenarios;
}

export function unknownVariant(id: string, registry: BuiltinRegistry = builtinRegistry): UsageError {
  const hint = didYouMean(
    id,
    registry.variants.map((variant) => variant.id),
  );
  return new UsageError(`unknown variant: ${id}${hint || " (see blobsim list)"}`);
}

export function checkVariant(
  id: string | undefined,
  registry: BuiltinRegistry = builtinRegistry,
): string | undefined {
  if (id !== undefined && !registry.findVariant(id)) throw unknownVariant(id, registry);
  return id;
}
