import { describe, expect, it } from "vitest";
import type { Scenario } from "../scenarios/scenario.ts";
import type { SimProcess } from "../sim/process.ts";
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

describe("an exception escaping simulated code", () => {
  /** A user's scenario whose one process runs `body`; nothing registered. */
  const scenarioWith = (body: (self: SimProcess) => Promise<void>, handle = false): Scenario => ({
    id: "user.thrower",
    title: "a process that throws",
    criteria: [],
    lane: "sim",
    defaultSeeds: 1,
    async run({ world }) {
      const started = world.spawn("p").start(body);
      if (handle) started.catch(() => undefined);
      await world.run();
      return undefined;
    },
  });

  it.each([
    [
      "a process body's unhandled rejection",
      async () => {
        throw new Error("body");
      },
      "process p",
    ],
    [
      "a timer callback",
      async (self: SimProcess) => {
        self.setTimer(3, "t", () => {
          throw new Error("timer");
        });
      },
      "timer p/t",
    ],
    [
      "a microtask",
      async (self: SimProcess) => {
        await self.sleep(2);
        queueMicrotask(() => {
          throw new Error("microtask");
        });
      },
      "uncaught exception",
    ],
    [
      "a stray promise in the process",
      async (self: SimProcess) => {
        await self.sleep(2);
        void Promise.reject(new Error("stray"));
      },
      "unhandled rejection",
    ],
  ])("ends the seed as a crash with its stack: %s", async (_name, body, where) => {
    const run = await runSeed(scenarioWith(body), 1);
    expect(run.result.status).toBe("crash");
    expect(run.result.error?.where).toBe(where);
    expect(run.result.error?.stack).toMatch(/run-seed\.test\.ts/);
    expect(run.trace.some((event) => event.k === "crash")).toBe(true);
  });

  it("leaves a rejection the scenario handles alone", async () => {
    const run = await runSeed(
      scenarioWith(async () => {
        throw new Error("expected");
      }, true),
      1,
    );
    expect(run.result.status).toBe("pass");
  });

  it("stops a seed whose events never end once its wall budget is spent (a timeout)", async () => {
    const spinner: Scenario = {
      ...scenarioWith(async () => undefined),
      async run({ world }) {
        void world.spawn("spinner").start(async (self) => {
          for (;;) await self.sleep(1);
        });
        await world.run({ maxEvents: Number.POSITIVE_INFINITY, maxSimMs: Number.POSITIVE_INFINITY });
        return undefined;
      },
    };
    const run = await runSeed(spinner, 1, { wallBudgetS: 0.3 });
    expect(run.result.status).toBe("timeout");
    expect(run.result.violation?.invariant).toBe("liveness");
    expect(run.result.violation?.message).toMatch(/wall budget ran out: budget 0.3 s \(wall_ms=\d+\)/);
  });
});
