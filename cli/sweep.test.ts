/**
 * `blobsim sweep`: seed blocks unique per task however long tasks run, a run id from the
 * engine, and two real tasks into a folder that merge with no overlap; without one of them the
 * merge names the missing task.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { UsageError } from "../harness/seeds.ts";
import { mergedEvidencePlan } from "../reports/completeness.ts";
import { readRunJson } from "../reports/run-json.ts";
import { allScenarios } from "../scenarios/index.ts";
import { sweepRunId, sweepSeedSource } from "./sweep-seeds.ts";

const bin = fileURLToPath(new URL("../bin/blobsim.js", import.meta.url));

describe("sweep seed source", () => {
  it("deals blocks that no two tasks of a run share, and moves with the run id", () => {
    const seen = new Set<number>();
    for (let index = 1; index <= 4; index++) {
      const source = sweepSeedSource("night-1", { index, count: 4 }, 7);
      for (let k = 0; k < 50; k++) {
        const first = source.blockStart(k);
        expect(first + 6).toBeLessThanOrEqual(0xffff_ffff);
        for (let i = 0; i < 7; i++) {
          expect(seen.has(first + i)).toBe(false);
          seen.add(first + i);
        }
      }
    }
    const other = sweepSeedSource("night-2", { index: 1, count: 4 }, 7);
    expect(other.blockStart(0)).not.toBe(sweepSeedSource("night-1", { index: 1, count: 4 }, 7).blockStart(0));
  });

  it("takes the run id from the flag or the engine, and refuses to guess", () => {
    expect(sweepRunId("n1", { GITHUB_RUN_ID: "9" })).toEqual({ runId: "n1", source: "--run-id" });
    expect(sweepRunId(undefined, { CLOUD_RUN_EXECUTION: "job-abc" }).runId).toBe("job-abc");
    expect(sweepRunId(undefined, { AWS_BATCH_JOB_ID: "e1f2:3" }).runId).toBe("e1f2");
    expect(() => sweepRunId(undefined, {})).toThrow(UsageError);
    expect(() => sweepRunId("a/b", {})).toThrow(/run id/);
  });
});

describe("blobsim sweep", () => {
  it("two tasks store disjoint seeds that merge complete; a missing task is named", async () => {
    const dir = mkdtempSync(join(tmpdir(), "blobsim-sweep-"));
    const task = (index: number) =>
      promisify(execFile)(
        process.execPath,
        [
          bin,
          "sweep",
          "store.cas",
          "--budget-s",
          "1",
          "--block-seeds",
          "3",
          "--results",
          dir,
          "--shard",
          "auto",
          "--jobs",
          "1",
        ],
        {
          env: {
            ...process.env,
            CI: "true",
            GITHUB_ACTIONS: "true",
            BLOBSIM_SHARD_INDEX: `${index}`,
            BLOBSIM_SHARD_COUNT: "2",
            GITHUB_RUN_ID: "777",
          },
        },
      );
    const runs = await Promise.all([task(1), task(2)]);
    for (const run of runs) expect(run.stdout).toMatch(/^SWEEP run=777 \(from GITHUB_RUN_ID\) task=[12]\/2/m);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(["sweep-777-task-1-of-2.json", "sweep-777-task-2-of-2.json"]);
    const input = readRunJson(files.map((f) => join(dir, f)));
    const seeds = input.results.map((r) => r.seed);
    expect(seeds.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seeds).size).toBe(seeds.length);
    const plan = mergedEvidencePlan(input.files, allScenarios, () => 1, input.problems);
    expect(plan.inputProblems).toEqual([]);
    expect(plan.seedsNeeded.get("store.cas")).toEqual([...seeds].sort((a, b) => a - b));

    rmSync(join(dir, files[1]!));
    const short = readRunJson([join(dir, files[0]!)]);
    expect(mergedEvidencePlan(short.files, allScenarios, () => 1, short.problems).inputProblems).toEqual([
      "missing shards 2/2 of sweep 777",
    ]);
  }, 120_000);
});
