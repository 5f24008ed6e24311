/**
 * `--shard auto`: the shard comes from the environment of the batch engine that started this
 * task, so one container command serves every task of a fan-out. Each engine names its task
 * index (0-based on all four) and, where it can, the task count:
 * - Cloud Run Jobs: CLOUD_RUN_TASK_INDEX, CLOUD_RUN_TASK_COUNT (both set by Cloud Run)
 * - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX; the count from --shard-count, else
 *   BLOBSIM_SHARD_COUNT (the manifest sets it beside `completions`)
 * - AWS Batch array jobs: AWS_BATCH_JOB_ARRAY_INDEX; the count from AWS_BATCH_JOB_ARRAY_SIZE
 *   (the job definition sets it: Batch itself does not), else --shard-count
 * - GitHub Actions matrix: GITHUB_ACTIONS=true with BLOBSIM_SHARD_INDEX (1-based, as the matrix
 *   lists it) and BLOBSIM_SHARD_COUNT, which the workflow passes through `env:`
 * No recognised environment is a usage error: a silent full run on every task would run the
 * whole sweep K times and look like success.
 */
import { type Shard, UsageError } from "../harness/seeds.ts";

export interface ResolvedShard extends Shard {
  /** "2/4", the form `--shard` takes and run --json records. */
  text: string;
  /** Which engine it came from and the variables read, for the SHARD line and the JSON. */
  source: string;
}

type Env = Readonly<Record<string, string | undefined>>;

interface EngineRule {
  name: string;
  indexVar: string;
  /** 0 when the engine counts tasks from 0, 1 when from 1. */
  indexBase: 0 | 1;
  countVars: string[];
  /** Only when this holds (GitHub's variables are the workflow's own names). */
  when?: (env: Env) => boolean;
}

export const SHARD_ENGINES: readonly EngineRule[] = [
  {
    name: "Cloud Run Jobs",
    indexVar: "CLOUD_RUN_TASK_INDEX",
    indexBase: 0,
    countVars: ["CLOUD_RUN_TASK_COUNT"],
  },
  {
    name: "Kubernetes Indexed Job",
    indexVar: "JOB_COMPLETION_INDEX",
    indexBase: 0,
    countVars: ["BLOBSIM_SHARD_COUNT"],
  },
  {
    name: "AWS Batch array job",
    indexVar: "AWS_BATCH_JOB_ARRAY_INDEX",
    indexBase: 0,
    countVars: ["AWS_BATCH_JOB_ARRAY_SIZE", "BLOBSIM_SHARD_COUNT"],
  },
  {
    name: "GitHub Actions matrix",
    indexVar: "BLOBSIM_SHARD_INDEX",
    indexBase: 1,
    countVars: ["BLOBSIM_SHARD_COUNT"],
    when: (env) => env.GITHUB_ACTIONS === "true",
  },
];

const COUNT_MAX = 999_999;

function integer(text: string, what: string): number {
  if (!/^\d{1,6}$/.test(text.trim()))
    throw new UsageError(`--shard auto: ${what} must be an integer, got "${text}"`);
  return Number(text.trim());
}

/**
 * The shard of this task from `env`. `shardCount` is --shard-count (it wins over an env count,
 * so a manifest can say it once on the command line).
 */
export function resolveAutoShard(env: Env, shardCount?: string): ResolvedShard {
  const engine = SHARD_ENGINES.find((rule) => env[rule.indexVar] !== undefined && (rule.when?.(env) ?? true));
  if (!engine)
    throw new UsageError(
      `--shard auto: no batch engine found in the environment (looked for ${SHARD_ENGINES.map((r) => r.indexVar).join(", ")}); use --shard i/n`,
    );
  const rawIndex = integer(env[engine.indexVar]!, engine.indexVar);
  const countVar = engine.countVars.find((name) => env[name] !== undefined);
  const count =
    shardCount !== undefined
      ? integer(shardCount, "--shard-count")
      : countVar !== undefined
        ? integer(env[countVar]!, countVar)
        : undefined;
  if (count === undefined)
    throw new UsageError(
      `--shard auto: ${engine.name} gives the task index (${engine.indexVar}) but not the count; pass --shard-count N or set ${engine.countVars.join(" or ")}`,
    );
  const index = rawIndex - engine.indexBase + 1;
  if (count < 1 || count > COUNT_MAX || index < 1 || index > count)
    throw new UsageError(
      `--shard auto: ${engine.name} task ${engine.indexVar}=${rawIndex} does not fit ${count} tasks`,
    );
  const countFrom = shardCount !== undefined ? "--shard-count" : `${countVar}`;
  return {
    index,
    count,
    text: `${index}/${count}`,
    source: `${engine.name} (${engine.indexVar}=${rawIndex}, count from ${countFrom}=${count})`,
  };
}

export const shardCountFlag = {
  "shard-count": {
    type: "string",
    value: "N",
    description: "with --shard auto: the number of tasks, when the engine does not say (Kubernetes)",
  },
} as const;

/**
 * Resolves `--shard auto` in place (the rest of the command then reads an ordinary `i/n`) and
 * prints the shard used; null when --shard is not auto. --shard-count needs --shard auto.
 */
export function applyAutoShard(
  values: Record<string, string | boolean | string[] | undefined>,
  env: Env = process.env,
): ResolvedShard | null {
  const countText = typeof values["shard-count"] === "string" ? values["shard-count"] : undefined;
  if (values.shard !== "auto") {
    if (countText !== undefined) throw new UsageError("--shard-count goes with --shard auto");
    return null;
  }
  const shard = resolveAutoShard(env, countText);
  values.shard = shard.text;
  console.log(`SHARD ${shard.text} from ${shard.source}`);
  return shard;
}
