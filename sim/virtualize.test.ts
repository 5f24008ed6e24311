/** PGlite support in the kernel: virtualized (non-strict) runs, and scheduler holds. */
import * as nodeCrypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { DeterminismError, runSanitized, runVirtualized } from "./sanitizer.ts";
import { Scheduler } from "./scheduler.ts";
import { Trace } from "./trace.ts";

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
