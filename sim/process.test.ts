import { describe, expect, it } from "vitest";
import { World } from "./world.ts";

describe("SimProcess", () => {
  it("never returns a pending call to a killed process, and its timers die", async () => {
    const world = new World({ seed: 1 });
    const victim = world.spawn("victim");
    const steps: string[] = [];
    let releaseCall: (value: string) => void = () => undefined;
    const slowCall = new Promise<string>((resolve) => {
      releaseCall = resolve;
    });
    void victim.start(async (self) => {
      steps.push("start");
      self.setTimer(50, "tick", () => steps.push("timer fired"));
      steps.push(await self.guard(slowCall));
    });
    world.scheduler.at(10, "world", "kill", () => victim.kill());
    world.scheduler.at(20, "world", "release", () => releaseCall("call returned"));
    await world.run();
    expect(steps).toEqual(["start"]);
    expect(victim.alive).toBe(false);
  });

  it("holds a paused process's timers and settlements until it resumes, in order", async () => {
    const world = new World({ seed: 1 });
    const zombie = world.spawn("zombie");
    const seen: Array<[string, number]> = [];
    void zombie.start(async (self) => {
      self.setTimer(10, "a", () => seen.push(["a", world.nowMs]));
      self.setTimer(20, "b", () => seen.push(["b", world.nowMs]));
      await self.sleep(30);
      seen.push(["woke", world.nowMs]);
    });
    world.scheduler.at(5, "world", "pause", () => zombie.pause());
    world.scheduler.at(100, "world", "resume", () => zombie.resume());
    await world.run();
    expect(seen).toEqual([
      ["a", 100],
      ["b", 100],
      ["woke", 100],
    ]);
  });

  it("reads a skewed clock and aborts a sleep through its signal", async () => {
    const world = new World({ seed: 1 });
    const skewed = world.spawn("skewed", { clockOffsetMs: -1500 });
    let outcome = "";
    let readMs = 0;
    void skewed.start(async (self) => {
      const controller = new AbortController();
      self.setTimer(5, "abort", () => controller.abort(new Error("timed out")));
      outcome = await self.clock.sleepMs(1000, controller.signal).then(
        () => "slept",
        (error: Error) => error.message,
      );
      readMs = self.clock.nowMs();
    });
    await world.run();
    expect(outcome).toBe("timed out");
    expect(readMs).toBe(world.epochMs + 5 - 1500);
  });
});
