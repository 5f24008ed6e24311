import { describe, expect, it } from "vitest";
import { LivenessError, Scheduler } from "./scheduler.ts";
import { Trace } from "./trace.ts";

describe("Scheduler", () => {
  it("fires events by time, then by scheduling order", async () => {
    const scheduler = new Scheduler(new Trace());
    const fired: string[] = [];
    scheduler.at(20, "x", "e", () => fired.push("b@20"));
    scheduler.at(10, "x", "e", () => fired.push("a@10"));
    scheduler.at(20, "x", "e", () => fired.push("c@20"));
    scheduler.at(0, "x", "e", () => fired.push("z@0"));
    expect(await scheduler.run()).toBe("quiescent");
    expect(fired).toEqual(["z@0", "a@10", "b@20", "c@20"]);
    expect(scheduler.nowMs).toBe(20);
  });

  it("lets every microtask of an event settle before the next event fires", async () => {
    const scheduler = new Scheduler(new Trace());
    const seen: string[] = [];
    scheduler.at(5, "x", "e", () => {
      void Promise.resolve()
        .then(() => Promise.resolve())
        .then(() => seen.push("deep microtask of first"));
    });
    scheduler.at(5, "x", "e", () => seen.push("second event"));
    await scheduler.run();
    expect(seen).toEqual(["deep microtask of first", "second event"]);
  });

  it("drops cancelled events and events of dead owners, untraced", async () => {
    const trace = new Trace({ keepAll: true });
    const scheduler = new Scheduler(trace);
    const owner = { alive: true };
    const fired: number[] = [];
    const cancelled = scheduler.at(1, "x", "e", () => fired.push(1));
    scheduler.at(2, "x", "e", () => fired.push(2), undefined, owner);
    scheduler.at(3, "x", "e", () => fired.push(3));
    cancelled.cancelled = true;
    owner.alive = false;
    await scheduler.run();
    expect(fired).toEqual([3]);
    expect(trace.events().map((e) => e.t)).toEqual([3]);
  });

  it("reports a liveness failure instead of hanging on an endless event chain", async () => {
    const scheduler = new Scheduler(new Trace());
    const again = (): void => {
      scheduler.after(1, "loop", "tick", again);
    };
    again();
    await expect(scheduler.run({ maxEvents: 1000 })).rejects.toBeInstanceOf(LivenessError);
    const bySimTime = new Scheduler(new Trace());
    const again2 = (): void => {
      bySimTime.after(1000, "loop", "tick", again2);
    };
    again2();
    await expect(bySimTime.run({ maxSimMs: 60_000 })).rejects.toThrow(/simulated-time bound/);
  });

  it("stops at untilMs without firing later events, and resumes from there", async () => {
    const scheduler = new Scheduler(new Trace());
    const fired: number[] = [];
    for (const t of [5, 15, 25]) scheduler.at(t, "x", "e", () => fired.push(t));
    expect(await scheduler.run({ untilMs: 20 })).toBe("until");
    expect(fired).toEqual([5, 15]);
    expect(scheduler.nowMs).toBe(20);
    await scheduler.run();
    expect(fired).toEqual([5, 15, 25]);
  });

  it("refuses to schedule in the past or with a NaN delay", () => {
    const scheduler = new Scheduler(new Trace());
    scheduler.nowMs = 100;
    expect(() => scheduler.at(50, "x", "e", () => undefined)).toThrow(RangeError);
    expect(() => scheduler.after(Number.NaN, "x", "e", () => undefined)).toThrow(RangeError);
  });
});
