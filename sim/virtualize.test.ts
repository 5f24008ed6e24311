/** PGlite support in the kernel: virtualized (non-strict) runs, and scheduler holds. */
import * as nodeCrypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { DeterminismError, runSanitized, runVirtualized } from "./sanitizer.ts";
import { Scheduler } from "./scheduler.ts";
import { Trace } from "./trace.ts";
import { virtualize } from "./virtualize.ts";
import { World } from "./world.ts";

const served = { nowMs: () => 5_000, random: () => 0.25 };

describe("runVirtualized", () => {
  it("serves allowed callers simulated time and randomness, and parks their alarms", async () => {
    let fired = false;
    await runVirtualized({ ...served, allow: ["virtualize.test.ts"] }, async () => {
      expect(Date.now()).toBe(5_000);
      expect(new Date().getTime()).toBe(5_000);
      expect(nodeCrypto.randomFillSync(new Uint8Array(4))).toEqual(new Uint8Array([64, 64, 64, 64]));
      expect(crypto.getRandomValues(new Uint8Array(2))).toEqual(new Uint8Array([64, 64]));
      const timer = setTimeout(() => {
        fired = true;
      }, 1);
      clearTimeout(timer);
      setTimeout(() => {
        fired = true;
      }, 1);
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toBe(false);
  });

  it("leaves every other caller the real world, without failing it", async () => {
    await runVirtualized({ ...served, allow: ["no-such-file"] }, async () => {
      expect(Date.now()).toBeGreaterThan(1_700_000_000_000);
      await new Promise((resolve) => setTimeout(resolve, 1));
    });
  });

  it("inside a sanitized run, the strict run stays in charge", async () => {
    const offences: string[] = [];
    await runSanitized(
      { ...served, allow: ["no-such-file"], onViolation: (api) => offences.push(api) },
      async () =>
        runVirtualized({ ...served, allow: ["virtualize.test.ts"] }, async () => {
          expect(() => Date.now()).toThrow(DeterminismError);
        }),
    );
    expect(offences).toEqual(["Date.now"]);
  });
});

describe("Scheduler.hold", () => {
  it("fires no event while real work is held, so the work takes no simulated time", async () => {
    const scheduler = new Scheduler(new Trace({ keepAll: true }));
    const order: string[] = [];
    scheduler.at(0, "p", "start", () => {
      void scheduler
        .hold(new Promise<void>((resolve) => setTimeout(resolve, 30)))
        .then(() => order.push(`held work done at ${scheduler.nowMs}`));
    });
    scheduler.at(10, "p", "tick", () => order.push(`tick at ${scheduler.nowMs}`));
    await scheduler.run();
    expect(order).toEqual(["held work done at 0", "tick at 10"]);
  });
});

describe("virtualize: unmodified timer code in simulated time", () => {
  /** A process that sleeps, paces and reads the clock the way code never written for blobsim does. */
  async function sleeper(seed: number): Promise<{ hash: string; simMs: number; log: string[] }> {
    const world = new World({ seed });
    const log: string[] = [];
    const process = world.spawn("foreign");
    void process.start(() =>
      virtualize(process, async () => {
        const startedAt = Date.now();
        const perfAt = performance.now();
        for (let n = 0; n < 3; n++) await new Promise((resolve) => setTimeout(resolve, 5_000));
        await new Promise<void>((resolve) => {
          let ticks = 0;
          const interval = setInterval(() => {
            ticks++;
            log.push(`tick ${ticks} at ${Date.now() - startedAt}`);
            if (ticks === 10) {
              clearInterval(interval);
              resolve();
            }
          }, 2_000);
        });
        const cancelled = setTimeout(() => log.push("cancelled timer fired"), 100);
        clearTimeout(cancelled);
        await new Promise((resolve) => setImmediate(resolve));
        const random = crypto.getRandomValues(new Uint8Array(4));
        log.push(
          `elapsed ${Date.now() - startedAt} perf ${performance.now() - perfAt} random ${random.join(",")}`,
        );
        log.push(`math ${Math.random()}`);
      }),
    );
    await world.run();
    return { hash: world.trace.hash(), simMs: world.nowMs, log };
  }

  it("serves setTimeout/setInterval sleeps of seconds from the scheduler, deterministically", async () => {
    const wallStart = Date.now();
    const first = await sleeper(7);
    const wallMs = Date.now() - wallStart;
    expect(first.simMs).toBe(35_000);
    expect(first.log.slice(0, 2)).toEqual(["tick 1 at 17000", "tick 2 at 19000"]);
    expect(first.log).toContain("tick 10 at 35000");
    expect(first.log).not.toContain("cancelled timer fired");
    expect(first.log.find((line) => line.startsWith("elapsed"))).toMatch(/^elapsed 35000 perf 35000 random /);
    expect(wallMs).toBeLessThan(first.simMs / 10);
    const again = await sleeper(7);
    expect(again).toEqual(first);
    const other = await sleeper(8);
    expect(other.log.at(-2)).not.toEqual(first.log.at(-2)); // randomness comes from the seed
  });

  it("drops a killed process's timers and leaves code outside the process the real world", async () => {
    const world = new World({ seed: 1 });
    const process = world.spawn("foreign");
    let fired = 0;
    void process.start(() =>
      virtualize(process, async () => {
        setInterval(() => fired++, 1_000);
        await new Promise(() => undefined);
      }),
    );
    world.scheduler.after(3_500, "test", "kill", () => process.kill());
    await world.run();
    expect(fired).toBe(3);
    expect(Date.now()).toBeGreaterThan(1_700_000_000_000);
  });
});
