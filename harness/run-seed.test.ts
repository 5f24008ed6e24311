import { describe, expect, it } from "vitest";
import { workerRunner } from "./pool.ts";
import { runSeed } from "./run-seed.ts";

describe("runSeed", () => {
  it("gives the same trace hash for the same seed, here and in a worker thread", async () => {
    const here = await runSeed("kernel.timers-and-kills", 17, { sanitize: true });
    const again = await runSeed("kernel.timers-and-kills", 17);
    const workers = workerRunner(1);
    try {
      const there = await workers.run({
        scenario: "kernel.timers-and-kills",
        seed: 17,
        variant: null,
        sanitize: true,
      });
      expect(there.traceHash).toBe(here.result.traceHash);
      expect(there.events).toBe(here.result.events);
    } finally {
      await workers.close();
    }
    expect(again.result.traceHash).toBe(here.result.traceHash);
    const other = await runSeed("kernel.timers-and-kills", 18);
    expect(other.result.traceHash).not.toBe(here.result.traceHash);
  });

  it("turns a direct Math.random inside a scenario into a determinism violation", async () => {
    const { findScenario } = await import("../scenarios/index.ts");
    const scenario = findScenario("kernel.timers-and-kills")!;
    const original = scenario.run;
    scenario.run = async (ctx) => {
      ctx.world
        .spawn("rogue")
        .start(async () => {
          Math.random();
        })
        .catch(() => undefined);
      return original(ctx);
    };
    try {
      const run = await runSeed("kernel.timers-and-kills", 1, { sanitize: true });
      expect(run.result.violation?.invariant).toBe("determinism");
      expect(run.result.violation?.message).toMatch(
        /Math\.random used inside the run at .*run-seed\.test\.ts/,
      );
    } finally {
      scenario.run = original;
    }
  });

  it("fails a run that hits its liveness bound with status liveness", async () => {
    const { findScenario } = await import("../scenarios/index.ts");
    const scenario = findScenario("kernel.zombie-timers")!;
    const original = scenario.run;
    scenario.run = async ({ world }) => {
      const spinner = world.spawn("spinner");
      void spinner.start(async (self) => {
        for (;;) await self.sleep(1);
      });
      await world.run({ maxEvents: 500 });
      return undefined;
    };
    try {
      const run = await runSeed("kernel.zombie-timers", 1);
      expect(run.result.status).toBe("liveness");
      expect(run.result.ok).toBe(false);
    } finally {
      scenario.run = original;
    }
  });
});
