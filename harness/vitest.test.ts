import { describe, expect, it } from "vitest";
import { timersAndKills } from "../scenarios/builtin/timers-and-kills.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { runSeed, UnknownNameError } from "./run-seed.ts";
import { parseDecisionPlan } from "../sim/decisions.ts";
import { seedFailureMessage, seedFailureWithPlan, seedTestName, seedTests } from "./vitest.ts";

/** A user's scenario, not registered anywhere: a process ticks a few times on seeded sleeps. */
const ticker: Scenario = {
  id: "user.ticker",
  title: "A user's own scenario: one process ticks on seeded sleeps",
  criteria: [],
  lane: "sim",
  defaultSeeds: 5,
  async run({ world }) {
    let ticks = 0;
    const process = world.spawn("ticker");
    void process.start(async (self) => {
      for (let i = 0; i < 5; i++) {
        await self.sleep(self.rng.int(1, 50));
        ticks++;
      }
    });
    await world.run({ untilMs: 1_000 });
    if (ticks !== 5) world.violate("ticks", `ticked ${ticks} times, expected 5`);
    return { metrics: { ticks } };
  },
};

describe("seedTests on a scenario object", () => {
  seedTests(ticker, { from: 3, seeds: 3 });
});

describe("seedTests on a registered scenario ID", () => {
  seedTests("kernel.timers-and-kills", { seeds: 2 });
});

describe("runSeed with a Scenario object", () => {
  it("runs an unregistered scenario deterministically and still rejects unknown IDs", async () => {
    const first = await runSeed(ticker, 7);
    const again = await runSeed(ticker, 7);
    expect(first.result.ok).toBe(true);
    expect(first.result.scenario).toBe("user.ticker");
    expect(first.result.metrics.ticks).toBe(5);
    expect(again.result.traceHash).toBe(first.result.traceHash);
    await expect(runSeed("user.ticker", 7)).rejects.toThrow(UnknownNameError);
  });

  it("gives a registered scenario the same trace by object as by ID", async () => {
    const byId = await runSeed("kernel.timers-and-kills", 4);
    const byObject = await runSeed(timersAndKills, 4);
    expect(byObject.result.traceHash).toBe(byId.result.traceHash);
  });
});

describe("the failure message of a failing seed", () => {
  it("names the scenario, seed, variant, invariant, violation and the replay command", async () => {
    const run = await runSeed("kernel.timers-and-kills", 1, { variant: "K01" });
    expect(run.result.ok).toBe(false);
    const message = seedFailureMessage(run.result);
    expect(message).toContain("scenario kernel.timers-and-kills seed 1 variant K01 failed");
    expect(message).toContain(run.result.violation!.invariant);
    expect(message).toContain(run.result.violation!.message);
    expect(message).toContain("replay: npx blobsim replay kernel.timers-and-kills --seed 1 --variant K01");
    expect(message).toContain(`npx vitest run -t "${seedTestName("kernel.timers-and-kills", 1, "K01")}$"`);
  });

  it("offers only the vitest rerun for a scenario blobsim does not know", () => {
    const message = seedFailureMessage({
      scenario: "user.ticker",
      seed: 9,
      variant: null,
      status: "violation",
      violation: { invariant: "ticks", message: "ticked 4 times, expected 5", atMs: 1000 },
    });
    expect(message).toContain("scenario user.ticker seed 9 failed: violation of ticks at 1000 ms");
    expect(message).not.toContain("npx blobsim replay");
    expect(message).toContain('npx vitest run -t "user.ticker seed 9$"');
  });

  it("carries the seed's shrunk plan: the remaining faults, the plan JSON and its replay line", async () => {
    // H08's recorded seed fails only after a 503 pair on one key: the shrunk plan keeps faults.
    const run = await runSeed("store.create-if-absent", 393, { variant: "H08" });
    expect(run.result.ok).toBe(false);
    const message = await seedFailureWithPlan("store.create-if-absent", run.result, { shrinkBudgetS: 60 });
    expect(message).toContain("scenario store.create-if-absent seed 393 variant H08 failed");
    expect(message).toMatch(/shrunk plan: \d+ -> [1-9]\d* faults, 1-minimal/);
    expect(message).toMatch(/ {2}fault store:[^ ]+#\d+: /);
    const json = /plan \(save as [^)]+\): (\{.*\})$/m.exec(message)![1]!;
    const plan = parseDecisionPlan(JSON.parse(json));
    const again = await runSeed("store.create-if-absent", 393, { variant: "H08", plan });
    expect(again.result.violation?.invariant).toBe(run.result.violation!.invariant);
    expect(message).toContain(
      "replay it: npx blobsim replay store.create-if-absent --seed 393 --variant H08 --plan store.create-if-absent.seed-393.plan.json",
    );
  }, 120_000);
});
