/**
 * Property (DUR-1..DUR-3): over random workloads (the seed), kill schedules (kills pinned at
 * commit fault points and store boundaries) and store faults, every restore after every writer
 * life holds every acked write, shows no write that was never attempted, is never torn, and a
 * clean shutdown reopens byte-identically. The same property must fail once a WAL bug is back.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findVariant } from "../../fixtures/forensic/index.ts";
import { COMMIT_KILL_POINTS } from "../../engine/wal/fault-points.ts";
import { type KillRule, killAtPoint, killAtStore } from "../../sim/kill-plan.ts";
import { World } from "../../sim/world.ts";
import { defaultSeams, type Seams } from "../seams.ts";
import { runCrashRestart } from "./crash-restart.ts";

const killRule: fc.Arbitrary<KillRule> = fc.oneof(
  fc
    .record({ point: fc.constantFrom(...COMMIT_KILL_POINTS), visit: fc.integer({ min: 1, max: 12 }) })
    .map(({ point, visit }) => killAtPoint(point, visit, "writer.*")),
  fc
    .record({
      when: fc.constantFrom("before" as const, "after" as const),
      key: fc.constantFrom("*/data/*", "*/manifest.json"),
      visit: fc.integer({ min: 1, max: 12 }),
    })
    .map(({ when, key, visit }) => killAtStore(when, "put", key, visit, "writer.*")),
);

const rate = fc.constantFrom(0, 0, 0.01, 0.05);

const scheduleArbitrary = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  killRules: fc.array(killRule, { maxLength: 4 }),
  store: fc.record({
    transientErrorProbability: rate,
    timeoutProbability: rate,
    ambiguousBeforeApplyProbability: rate,
    ambiguousAfterApplyProbability: rate,
  }),
  danglingHeaderProbability: fc.constantFrom(0, 0.5, 1),
  segmentBytes: fc.constantFrom(16 * 1024, 64 * 1024),
});

type Schedule = typeof scheduleArbitrary extends fc.Arbitrary<infer T> ? T : never;

async function violationsOf(schedule: Schedule, seams: Seams): Promise<string[]> {
  const world = new World({ seed: schedule.seed });
  await runCrashRestart(
    { world, seed: schedule.seed, seams, variant: undefined },
    {
      pinned: false,
      storeFaults: true,
      lives: 3,
      livesMax: 3,
      writesPerLife: 15,
      overrides: {
        killRules: schedule.killRules,
        store: schedule.store,
        config: {
          danglingHeaderProbability: schedule.danglingHeaderProbability,
          segmentBytes: schedule.segmentBytes,
        },
      },
    },
  );
  return world.violations.map((violation) => `${violation.invariant}: ${violation.message}`);
}

describe("WAL durability property", () => {
  it("holds DUR-1..DUR-3 over random workloads x kill schedules x store faults", async () => {
    await fc.assert(
      fc.asyncProperty(scheduleArbitrary, async (schedule) => {
        expect(await violationsOf(schedule, defaultSeams())).toEqual([]);
      }),
      { numRuns: 12, seed: 5 },
    );
  }, 120_000);

  it("fails, with a shrunk schedule, once restore leaves WAL files short (B12)", async () => {
    const variant = findVariant("B12")!;
    const result = await fc.check(
      fc.asyncProperty(scheduleArbitrary, async (schedule) => {
        expect(await violationsOf(schedule, variant.apply(defaultSeams()))).toEqual([]);
      }),
      { numRuns: 30, seed: 5, endOnFailure: true },
    );
    expect(result.failed).toBe(true);
  }, 120_000);
});
