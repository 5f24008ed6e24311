/**
 * `--shard auto` on each batch engine's environment, 4 tasks each: every task finds its own
 * shard, and the union of the four shards' results is the unsharded run over the same seeds,
 * with no seed run twice. Seeds run in this thread (runSeed, what a worker runs) on a small
 * scenario; the worker pool is the same for sharded and unsharded runs.
 */
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../fixtures/registry.ts";
import { runSeed } from "../harness/run-seed.ts";
import { selectSeeds, UsageError } from "../harness/seeds.ts";
import { parse, seedSelection } from "./args.ts";
import { runFlags } from "./run.ts";
import { applyAutoShard, resolveAutoShard } from "./shard-auto.ts";

const SCENARIO = "store.cas";
const SEEDS = 10;

/** Each engine's variables for task `task` (0-based) of 4, as the engine (or manifest) sets them. */
const engines: Record<string, { env: (task: number) => Record<string, string>; args: string[] }> = {
  "Cloud Run Jobs": {
    env: (task) => ({ CLOUD_RUN_TASK_INDEX: `${task}`, CLOUD_RUN_TASK_COUNT: "4" }),
    args: [],
  },
  "Kubernetes Indexed Job": {
    env: (task) => ({ JOB_COMPLETION_INDEX: `${task}` }),
    args: ["--shard-count", "4"],
  },
  "AWS Batch array job": {
    env: (task) => ({ AWS_BATCH_JOB_ARRAY_INDEX: `${task}`, AWS_BATCH_JOB_ARRAY_SIZE: "4" }),
    args: [],
  },
  "GitHub Actions matrix": {
    env: (task) => ({ GITHUB_ACTIONS: "true", BLOBSIM_SHARD_INDEX: `${task + 1}`, BLOBSIM_SHARD_COUNT: "4" }),
    args: [],
  },
};

async function resultsOf(seeds: number[]) {
  const rows = [];
  for (const seed of seeds) {
    const { result } = await runSeed(SCENARIO, seed, { registry: builtinRegistry });
    rows.push(`${result.scenario}#${result.seed} ${result.status} ${result.traceHash}`);
  }
  return rows;
}

describe("--shard auto", () => {
  it("unions to the unsharded run on every engine, without overlap", async () => {
    const args = [SCENARIO, "--seeds", `${SEEDS}`, "--shard", "auto"];
    const unsharded = await resultsOf(
      selectSeeds(SEEDS, seedSelection(parse([SCENARIO, "--seeds", `${SEEDS}`], runFlags))),
    );
    const bySeed = new Map<number, string>();
    for (const [name, engine] of Object.entries(engines)) {
      const shardSeeds: number[][] = [];
      for (let task = 0; task < 4; task++) {
        const parsed = parse([...args, ...engine.args], runFlags);
        const shard = applyAutoShard(parsed.values, engine.env(task));
        expect(shard?.text, name).toBe(`${task + 1}/4`);
        expect(shard?.source).toContain(name);
        shardSeeds.push(selectSeeds(SEEDS, seedSelection(parsed)));
      }
      const all = shardSeeds.flat();
      expect(new Set(all).size, `${name}: a seed ran twice`).toBe(all.length);
      expect(all.length).toBe(SEEDS);
      // Results of the union (seeds run once, cached across engines: the simulation is the same).
      for (const seed of all) if (!bySeed.has(seed)) bySeed.set(seed, (await resultsOf([seed]))[0]!);
      const union = all.map((seed) => bySeed.get(seed)!).sort();
      expect(union, name).toEqual([...unsharded].sort());
    }
  });

  it("is a usage error without a recognised engine, or with an index the count cannot hold", () => {
    expect(() => resolveAutoShard({})).toThrow(UsageError);
    expect(() => resolveAutoShard({})).toThrow(/no batch engine found/);
    // BLOBSIM_SHARD_INDEX counts only under GitHub Actions (it is the workflow's own name).
    expect(() => resolveAutoShard({ BLOBSIM_SHARD_INDEX: "1", BLOBSIM_SHARD_COUNT: "4" })).toThrow(
      /no batch engine/,
    );
    expect(() => resolveAutoShard({ JOB_COMPLETION_INDEX: "0" })).toThrow(/--shard-count/);
    expect(() => resolveAutoShard({ CLOUD_RUN_TASK_INDEX: "4", CLOUD_RUN_TASK_COUNT: "4" })).toThrow(
      /does not fit/,
    );
    expect(() => resolveAutoShard({ CLOUD_RUN_TASK_INDEX: "x", CLOUD_RUN_TASK_COUNT: "4" })).toThrow(
      /integer/,
    );
    expect(() => applyAutoShard({ shard: "1/4", "shard-count": "4" }, {})).toThrow(/--shard-count goes with/);
    expect(applyAutoShard({ shard: "1/4" }, {})).toBeNull();
  });

  it("takes --shard-count over the engine's own count", () => {
    expect(
      resolveAutoShard({ AWS_BATCH_JOB_ARRAY_INDEX: "2", AWS_BATCH_JOB_ARRAY_SIZE: "8" }, "3").text,
    ).toBe("3/3");
  });
});
