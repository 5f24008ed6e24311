import { describe, expect, it } from "vitest";
import { workerRunner } from "./pool.ts";
import { runSeed } from "./run-seed.ts";
import { ddmin, faultsOf, shrinkSeed } from "./shrink.ts";

describe("ddmin", () => {
  it("finds the 1-minimal failing subset of a predicate that needs two items", async () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    let tests = 0;
    const fails = async (subset: readonly number[]) => {
      tests++;
      return subset.includes(3) && subset.includes(17);
    };
    expect(await ddmin(items, fails)).toEqual([3, 17]);
    expect(tests).toBeLessThan(60);
  });
});

// Recorded seeds of forensic variants (fixtures/forensic/recorded.json): V02's needs one of its
// 27 faults; B04's fails with none of its 5.
const CASES = [
  { variant: "V02", scenario: "replication.rebuild", seed: 3 },
  { variant: "B04", scenario: "lease.zombie", seed: 1 },
];

describe("shrink", () => {
  it.each(CASES)(
    "shrinks $variant's recorded seed to a plan failing the same invariant, which replays identically in a worker",
    async ({ variant, scenario, seed }) => {
      const shrunk = await shrinkSeed(scenario, seed, { variant, budgetS: 60 });
      const left = faultsOf(shrunk.plan.decisions);
      expect(shrunk.result.ok).toBe(false);
      expect(shrunk.result.violation?.invariant).toBe(shrunk.target.invariant);
      expect(left.length).toBeLessThanOrEqual(shrunk.faultsAtStart);
      expect(shrunk.minimal).toBe(true);
      expect(shrunk.plan.others).toBe("neutral");

      // 1-minimal: without any one remaining fault the failure goes away.
      for (const dropped of left) {
        const plan = { ...shrunk.plan, decisions: shrunk.plan.decisions.filter((d) => d !== dropped) };
        const { result } = await runSeed(scenario, seed, { variant, plan });
        expect(result.violation?.invariant).not.toBe(shrunk.target.invariant);
      }

      const here = await runSeed(scenario, seed, { variant, plan: shrunk.plan });
      const workers = workerRunner(1);
      try {
        const there = await workers.run({ scenario, seed, variant, sanitize: false, plan: shrunk.plan });
        expect(there.traceHash).toBe(here.result.traceHash);
        expect(there.traceHash).toBe(shrunk.result.traceHash);
        expect(there.decisions).toEqual(shrunk.result.decisions);
      } finally {
        await workers.close();
      }
    },
    120_000,
  );

  it("V02's last fault is what fails it: the same plan with no faults passes", async () => {
    const shrunk = await shrinkSeed("replication.rebuild", 3, { variant: "V02", budgetS: 60 });
    expect(faultsOf(shrunk.plan.decisions).length).toBeGreaterThanOrEqual(1);
    expect(shrunk.faultsAtStart).toBeGreaterThan(faultsOf(shrunk.plan.decisions).length);
  }, 120_000);
});
