import { describe, expect, it } from "vitest";
import { BACKUP_GC_KILL_POINTS, BACKUP_KILL_POINTS } from "../../engine/backup/fault-points.ts";
import { runSeed } from "../../harness/run-seed.ts";
import { backupScenarios } from "./index.ts";

describe("cold-backup scenarios", () => {
  it("cover E6-A..E6-G", () => {
    const tagged = new Set(backupScenarios.flatMap((scenario) => scenario.criteria));
    for (const id of ["E6-A", "E6-B", "E6-C", "E6-D", "E6-E", "E6-F", "E6-G"]) expect(tagged).toContain(id);
  });

  for (const scenario of backupScenarios.filter((s) => s.id !== "backup.auto-roundtrip")) {
    it(`${scenario.id} passes a few seeds with the real engine`, async () => {
      for (const seed of [1, 2, 3]) {
        const run = await runSeed(scenario.id, seed);
        expect(run.result.violation).toBeNull();
        expect(run.result.ok).toBe(true);
      }
    }, 60_000);
  }

  it("kill-mid-backup kills at every backup fault point across seeds (seed mod 4)", async () => {
    for (const [index, point] of BACKUP_KILL_POINTS.entries()) {
      const run = await runSeed("backup.kill-mid-backup", 4 + index);
      expect(run.result.ok).toBe(true);
      expect(Number(run.result.metrics[`killpoint.${point}.visits`])).toBeGreaterThan(0);
      expect(Number(run.result.metrics.killed)).toBeGreaterThan(0);
    }
  }, 60_000);

  it("retention reaches both GC delete points and really retires backups", async () => {
    const runs = await Promise.all([10, 11].map((seed) => runSeed("backup.retention", seed)));
    for (const run of runs) expect(run.result.ok).toBe(true);
    for (const point of BACKUP_GC_KILL_POINTS)
      expect(runs.some((run) => Number(run.result.metrics[`killpoint.${point}.visits`]) > 0)).toBe(true);
    expect(runs.reduce((sum, run) => sum + Number(run.result.metrics.retiredTotal), 0)).toBeGreaterThan(0);
  }, 60_000);

  it("auto-roundtrip passes at 256 KB and 1 MB", async () => {
    for (const seed of [1, 2]) expect((await runSeed("backup.auto-roundtrip", seed)).result.ok).toBe(true);
  }, 60_000);
});
