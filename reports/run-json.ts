/**
 * The `blobsim run --json` file: its schema (zod), and reading several of them (shards) back
 * for `report --from-json`. A file that is not a run output at all is a problem with that file;
 * a row that fails the schema (`ok: true` with a violation, a negative seed, a missing field) is
 * dropped and named. Neither is fatal here: the report turns them into an INCOMPLETE gate, so
 * partial evidence is never read as a pass. Only a path that cannot be read is a usage error.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { SeedResult } from "../harness/result.ts";
import { decisionSchema } from "../sim/decisions.ts";
import { SEED_MAX, type SeedSelection, selectSeeds, UsageError } from "../harness/seeds.ts";
import { ADAPTER_SHARE, STORE_MODES, type StoreMode } from "../harness/store-mode.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { seedRanges } from "./seed-ranges.ts";

const seedNumber = z.number().int().min(0).max(SEED_MAX);
const count = z.number().int().min(0);

const violationSchema = z.object({
  invariant: z.string().min(1),
  message: z.string(),
  atMs: z.number().min(0),
});

/** One seed's row. The refinements reject rows whose fields contradict each other. */
export const seedResultSchema = z
  .object({
    scenario: z.string().min(1),
    seed: seedNumber,
    variant: z.string().min(1).nullable().default(null),
    ok: z.boolean(),
    status: z.enum(["pass", "violation", "liveness", "crash"]),
    violation: violationSchema.nullable(),
    violations: count,
    events: count,
    simMs: z.number().min(0),
    traceHash: z.string().regex(/^[0-9a-f]{16}$/, "expected 16 hex digits"),
    // JSON writes NaN and Infinity as null: such a figure is simply absent.
    metrics: z
      .record(z.string(), z.union([z.number(), z.string(), z.null()]))
      .default({})
      .transform((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null))),
    swarm: z
      .record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])))
      .default({}),
    // The run's fault decisions (sim/decisions.ts); rows written before they existed have none.
    decisions: z.array(decisionSchema).default([]),
    reach: z.record(z.string(), z.number().int().min(0)).default({}),
    wallMs: z.number().min(0),
    /** Present when the seed ran through the GCS adapter (its replay line says --store adapter). */
    store: z.literal("adapter").optional(),
  })
  .check((ctx) => {
    const row = ctx.value;
    const issue = (message: string, path: string) =>
      ctx.issues.push({ code: "custom", message, path: [path], input: row });
    if (row.ok !== (row.status === "pass")) issue(`ok is ${row.ok} but status is ${row.status}`, "ok");
    if (row.ok && row.violation !== null) issue("ok is true but a violation is recorded", "violation");
    if (!row.ok && row.violation === null) issue(`status ${row.status} without a violation`, "violation");
    if (row.ok && row.violations > 0) issue(`ok is true but violations is ${row.violations}`, "violations");
  });

/** What a run declared it would run, before sharding: lets a merge tell what is missing. */
export const runPlanSchema = z.object({
  /** The lane in force (`--lane`, default sim): every scenario of it is evidence the gate needs. */
  lane: z.enum(["sim", "pglite", "all"]),
  /** `--criteria` as given, or null. */
  criteria: z.string().nullable(),
  variant: z.string().nullable(),
  /**
   * `--store` in force: sim, adapter, or swarm (the adapter on `adapterShare` of seeds, drawn
   * from each seed). Files written before it was recorded read as sim.
   */
  store: z.enum(STORE_MODES).default("sim"),
  /** The swarm's adapter share (ADAPTER_SHARE) when store is swarm, else null. */
  adapterShare: z.number().min(0).max(1).nullable().default(null),
  /** Each scenario the run selected with its seeds before sharding, as ranges ("0-1999"). */
  scenarios: z.array(z.object({ id: z.string().min(1), seeds: z.string() })),
});
export type RunPlan = z.infer<typeof runPlanSchema>;

/** The plan of a run: its scenarios with the seeds the whole run (every shard) covers. */
export function runPlanOf(
  lane: RunPlan["lane"],
  criteria: string | null,
  variant: string | null,
  scenarios: readonly Scenario[],
  selection: SeedSelection,
  store: StoreMode = "sim",
): RunPlan {
  return {
    lane,
    criteria,
    variant,
    store,
    adapterShare: store === "swarm" ? ADAPTER_SHARE : null,
    scenarios: scenarios.map((scenario) => ({
      id: scenario.id,
      seeds: seedRanges(selectSeeds(scenario.defaultSeeds, { ...selection, shard: undefined })),
    })),
  };
}

const shardText = z.string().regex(/^\d+\/\d+$/, 'expected "i/n"');

/** The file's frame; rows are checked one by one so one bad row does not hide the others. */
const runFileSchema = z.object({
  tool: z.literal("blobsim"),
  formatVersion: z.literal(1),
  command: z.literal("run"),
  shard: shardText.nullable().default(null),
  variant: z.string().nullable().default(null),
  plan: runPlanSchema.optional(),
  interrupted: z.boolean().optional(),
  /** A `blobsim sweep` task: its tasks belong together by run id (their plans differ). */
  sweep: z
    .object({
      runId: z.string().min(1),
      budgetS: z.number().min(0),
      blockSeeds: z.number().int().min(1),
      blocks: z.number().int().min(0),
    })
    .optional(),
  results: z.array(z.unknown()),
});

/** zod's first issue as "field: message" (the field path joined with dots, rows by index). */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

export interface RunFileInput {
  path: string;
  shard: string | null;
  plan: RunPlan | null;
  /** The run id of a `blobsim sweep` task, else null. */
  sweepRunId: string | null;
}

export interface RunJsonInput {
  results: SeedResult[];
  files: RunFileInput[];
  shards: string[];
  /** Files or rows that could not be used: each makes the evidence incomplete. */
  problems: string[];
  warnings: string[];
}

const ROW_PROBLEMS_NAMED_MAX = 5;

/** Reads `blobsim run --json` outputs. An unreadable path is a UsageError naming it. */
export function readRunJson(paths: readonly string[]): RunJsonInput {
  return readRunJsonTexts(
    paths.map((path) => {
      try {
        return { path, text: readFileSync(path, "utf8") };
      } catch (error) {
        throw new UsageError(
          `--from-json ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`,
        );
      }
    }),
  );
}

/** Validates and merges `run --json` texts already read (from files, a bucket, a folder). */
export function readRunJsonTexts(entries: readonly { path: string; text: string }[]): RunJsonInput {
  const input: RunJsonInput = { results: [], files: [], shards: [], problems: [], warnings: [] };
  for (const { path, text } of entries) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      input.problems.push(`${path}: not JSON (its results are missing)`);
      continue;
    }
    const frame = runFileSchema.safeParse(data);
    if (!frame.success) {
      input.problems.push(`${path}: not a \`blobsim run --json\` file (${firstIssue(frame.error)})`);
      continue;
    }
    const file = frame.data;
    if (file.interrupted) input.problems.push(`${path}: the run was interrupted before it finished`);
    const bad: string[] = [];
    for (const [index, row] of file.results.entries()) {
      const parsed = seedResultSchema.safeParse(row);
      if (parsed.success) input.results.push(parsed.data as SeedResult);
      else bad.push(`result ${index}: ${firstIssue(parsed.error)}`);
    }
    if (bad.length > 0) {
      const more =
        bad.length > ROW_PROBLEMS_NAMED_MAX ? `, and ${bad.length - ROW_PROBLEMS_NAMED_MAX} more` : "";
      input.problems.push(
        `${path}: ${bad.length} malformed result rows dropped (${bad.slice(0, ROW_PROBLEMS_NAMED_MAX).join("; ")}${more})`,
      );
    }
    input.files.push({
      path,
      shard: file.shard,
      plan: file.plan ?? null,
      sweepRunId: file.sweep?.runId ?? null,
    });
    if (file.shard !== null) input.shards.push(file.shard);
  }
  return input;
}
