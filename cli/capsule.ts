/**
 * Failure capsules: one JSON file per failing seed with everything needed to reproduce it on
 * another machine (scenario, seed, variant, the trace hash it must replay to) and to tell
 * whether that machine runs the same build (blobsim version, git commit, lockfile hash, Node
 * version, the engine binding's identity). `replay --capsule F` replays it and says whether it
 * reproduced; a build that differs is warned about, not refused: the seed may well still fail.
 * `decisionLog` is the seed's decision log as a plan (sim/decisions.ts: every fault it took and
 * its swarm draws, `others: "draw"`), so the failure can be read, shrunk or replayed with
 * `replay --plan` even where the build differs; null in capsules written before it existed.
 * `store` says the seed ran with the GCS adapter in the loop, which its replay needs again.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { replayCommand, type SeedResult } from "../harness/result.ts";
import { SEED_MAX, UsageError } from "../harness/seeds.ts";
import { firstIssue } from "../reports/run-json.ts";
import { decisionPlanSchema } from "../sim/decisions.ts";

const buildSchema = z.object({
  blobsimVersion: z.string(),
  /** null when neither git nor BLOBSIM_GIT_COMMIT (set in a container image) can say. */
  gitCommit: z.string().nullable(),
  /** sha256 of package-lock.json: the exact dependency tree. */
  lockfileHash: z.string().nullable(),
  nodeVersion: z.string(),
  /** The database engine the lanes drive: the PGlite package and version in the lockfile. */
  engineBinding: z.string(),
});
export type BuildIdentity = z.infer<typeof buildSchema>;

export const capsuleSchema = z.object({
  tool: z.literal("blobsim"),
  kind: z.literal("failure-capsule"),
  formatVersion: z.literal(1),
  scenario: z.string().min(1),
  seed: z.number().int().min(0).max(SEED_MAX),
  variant: z.string().min(1).nullable(),
  /** A `--scenarios` module the scenario came from, as the run saw it; null for built-ins. */
  scenarioModule: z.string().nullable(),
  status: z.enum(["violation", "liveness", "crash", "timeout"]),
  invariant: z.string().nullable(),
  message: z.string().nullable(),
  traceHash: z.string().regex(/^[0-9a-f]{16}$/, "expected 16 hex digits"),
  shard: z.string().nullable(),
  replay: z.string(),
  build: buildSchema,
  decisionLog: decisionPlanSchema.nullable(),
  /** "adapter" when the seed ran through the GCS adapter in the loop; absent: in-process. */
  store: z.literal("adapter").optional(),
});
export type Capsule = z.infer<typeof capsuleSchema>;

const root = new URL("../", import.meta.url);

function gitCommit(env: Readonly<Record<string, string | undefined>>): string | null {
  if (env.BLOBSIM_GIT_COMMIT) return env.BLOBSIM_GIT_COMMIT;
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null;
  }
}

function lockfile(): { hash: string | null; pglite: string } {
  try {
    const text = readFileSync(new URL("package-lock.json", root), "utf8");
    const lock = JSON.parse(text) as { packages?: Record<string, { version?: string }> };
    const pglite = lock.packages?.["node_modules/@electric-sql/pglite"]?.version ?? "unknown";
    return {
      hash: createHash("sha256").update(text).digest("hex"),
      pglite: `@electric-sql/pglite@${pglite}`,
    };
  } catch {
    return { hash: null, pglite: "@electric-sql/pglite@unknown" };
  }
}

let cachedBuild: BuildIdentity | undefined;

/** This build's identity (read once per process). */
export function buildIdentity(
  env: Readonly<Record<string, string | undefined>> = process.env,
): BuildIdentity {
  if (cachedBuild) return cachedBuild;
  const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { version: string };
  const lock = lockfile();
  cachedBuild = {
    blobsimVersion: pkg.version,
    gitCommit: gitCommit(env),
    lockfileHash: lock.hash,
    nodeVersion: process.version,
    engineBinding: lock.pglite,
  };
  return cachedBuild;
}

export function capsuleOf(result: SeedResult, shard: string | null, build = buildIdentity()): Capsule {
  if (result.ok) throw new Error(`capsuleOf: ${result.scenario} seed ${result.seed} passed`);
  return {
    tool: "blobsim",
    kind: "failure-capsule",
    formatVersion: 1,
    scenario: result.scenario,
    seed: result.seed,
    variant: result.variant,
    scenarioModule: result.scenarioModule ?? null,
    status: result.status as Capsule["status"],
    invariant: result.violation?.invariant ?? null,
    message: result.violation?.message ?? null,
    traceHash: result.traceHash,
    shard,
    replay: replayCommand(result),
    build,
    decisionLog: {
      version: 1,
      scenario: result.scenario,
      seed: result.seed,
      variant: result.variant,
      others: "draw",
      decisions: result.decisions,
    },
    ...(result.store === "adapter" ? { store: "adapter" as const } : {}),
  };
}

/** The capsule's name under the results prefix: unique per (scenario, seed, variant). */
export function capsuleFileName(capsule: Pick<Capsule, "scenario" | "seed" | "variant">): string {
  return `capsules/${capsule.scenario}-seed-${capsule.seed}${capsule.variant ? `-${capsule.variant}` : ""}.json`;
}

/** Parses a capsule file; a malformed one is a usage error naming the first bad field. */
export function parseCapsule(path: string, text: string): Capsule {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`--capsule ${path}: not JSON`);
  }
  const parsed = capsuleSchema.safeParse(data);
  if (!parsed.success)
    throw new UsageError(`--capsule ${path}: not a failure capsule (${firstIssue(parsed.error)})`);
  return parsed.data;
}

/** One line per build field that differs from the capsule's: why a replay might not match. */
export function buildDifferences(capsule: BuildIdentity, here: BuildIdentity): string[] {
  return (Object.keys(capsule) as (keyof BuildIdentity)[])
    .filter((key) => capsule[key] !== here[key])
    .map(
      (key) =>
        `capsule built with ${key}=${capsule[key] ?? "unknown"}, this build has ${here[key] ?? "unknown"}`,
    );
}
