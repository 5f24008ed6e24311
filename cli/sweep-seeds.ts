/**
 * Where a sweep task's seeds come from: blocks of `blockSeeds` consecutive seeds, dealt round
 * robin to the run's tasks from a starting block derived from the run id. Task i of n takes
 * blocks base+i-1, base+n+i-1, base+2n+i-1, … (modulo the blocks the 32-bit seed space holds),
 * so no two tasks of a run ever share a seed however long each runs, and another night's run
 * id starts somewhere else in the seed space instead of re-running last night's seeds.
 */
import { SEED_MAX, type Shard, UsageError } from "../harness/seeds.ts";

export const BLOCK_SEEDS_DEFAULT = 20;

/** FNV-1a, 32 bits: a run id's starting block, the same on every machine. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export interface SeedSource {
  /** The k-th block (0-based) of this task: its first seed; the block holds blockSeeds seeds. */
  blockStart(k: number): number;
  blockSeeds: number;
}

export function sweepSeedSource(runId: string, shard: Shard, blockSeeds = BLOCK_SEEDS_DEFAULT): SeedSource {
  const blocksTotal = Math.floor((SEED_MAX + 1) / blockSeeds);
  const base = fnv1a32(runId) % blocksTotal;
  return {
    blockSeeds,
    blockStart(k) {
      const dealt = k * shard.count + (shard.index - 1);
      if (dealt >= blocksTotal) throw new Error(`sweep ${runId}: the seed space is used up`);
      return ((base + dealt) % blocksTotal) * blockSeeds;
    },
  };
}

/** The run id that keeps one night's tasks together: --run-id, else the engine's own. */
export function sweepRunId(
  given: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): { runId: string; source: string } {
  const candidates: [string, string | undefined][] = [
    ["--run-id", given],
    ["BLOBSIM_RUN_ID", env.BLOBSIM_RUN_ID],
    ["CLOUD_RUN_EXECUTION", env.CLOUD_RUN_EXECUTION],
    ["GITHUB_RUN_ID", env.GITHUB_RUN_ID],
    // A child of an array job is "PARENT:INDEX"; the run is the parent.
    ["AWS_BATCH_JOB_ID", env.AWS_BATCH_JOB_ID?.replace(/:\d+$/, "")],
  ];
  const found = candidates.find(([, value]) => value !== undefined && value !== "");
  if (!found)
    throw new UsageError(
      "sweep needs a run id shared by its tasks: --run-id ID (or BLOBSIM_RUN_ID; Cloud Run, Actions and Batch set their own)",
    );
  const [source, runId] = found as [string, string];
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(runId))
    throw new UsageError(`${source}: a run id is 1-100 of A-Z a-z 0-9 . _ -, got "${runId}"`);
  return { runId, source };
}
