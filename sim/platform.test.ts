import { describe, expect, it } from "vitest";
import { type Instance, Platform, type PlatformApp, PlatformRejectedError } from "./platform.ts";
import { World } from "./world.ts";

/** A tiny app: boots in `bootMs`, answers at once, runs a background timer every `tickMs`. */
function toyApp(options: { bootMs?: number; tickMs?: number; sigtermMs?: number; bootFails?: boolean } = {}) {
  const ticks: number[] = [];
  const terminated: string[] = [];
  const app: PlatformApp<string, string> = {
    async boot(instance: Instance) {
      await instance.clock.sleepMs(options.bootMs ?? 100);
      if (options.bootFails) throw new Error("boot failed");
      if (options.tickMs)
        void (async () => {
          for (;;) {
            await instance.clock.sleepMs(options.tickMs!);
            ticks.push(instance.process.clock.nowMs() - instance.process.epochMs);
          }
        })();
    },
    async handle(_instance, request) {
      return `echo ${request}`;
    },
    async sigterm(instance) {
      await instance.clock.sleepMs(options.sigtermMs ?? 0);
      terminated.push(instance.name);
    },
  };
  return { app, ticks, terminated };
}

describe("Platform", () => {
  it("throttles an idle instance: its timers fire only when the next request wakes it", async () => {
    const world = new World({ seed: 1 });
    const toy = toyApp({ tickMs: 1_000 });
    const platform = new Platform(world, toy.app, { containerStartMs: 500, containerStartSigma: 0 });
    const answers: string[] = [];
    world.scheduler.at(0, "test", "request", () => void platform.request("a").then((a) => answers.push(a)));
    world.scheduler.at(
      60_000,
      "test",
      "request",
      () => void platform.request("b").then((a) => answers.push(a)),
    );
    await world.run({ untilMs: 70_000 });
    expect(answers).toEqual(["echo a", "echo b"]);
    // Idle from ~600 ms to 60 s: no tick fired in between; the held one fired at the wake.
    expect(toy.ticks.filter((t) => t > 1_000 && t < 60_000)).toEqual([]);
    expect(toy.ticks).toContain(60_000);
  });

  it("scales to zero after the idle timeout with SIGTERM, and a later request cold-starts a new instance", async () => {
    const world = new World({ seed: 2 });
    const toy = toyApp();
    const platform = new Platform(world, toy.app, {
      idleShutdownMs: 10_000,
      containerStartMs: 500,
      containerStartSigma: 0,
    });
    world.scheduler.at(0, "test", "request", () => void platform.request("a"));
    world.scheduler.at(30_000, "test", "request", () => void platform.request("b"));
    await world.run();
    expect(platform.counters.coldStarts).toBe(2);
    expect(toy.terminated).toEqual(["svc.r1.i1", "svc.r1.i2"]);
    expect(platform.counters.graceKills).toBe(0);
  });

  it("kills an instance whose SIGTERM handler outlives the grace period", async () => {
    const world = new World({ seed: 3 });
    const toy = toyApp({ sigtermMs: 60_000 });
    const platform = new Platform(world, toy.app, { idleShutdownMs: 1_000, sigtermGraceMs: 10_000 });
    world.scheduler.at(0, "test", "request", () => void platform.request("a"));
    await world.run();
    expect(toy.terminated).toEqual([]);
    expect(platform.counters.graceKills).toBe(1);
  });

  it("overlaps two revisions, then SIGTERMs the old one after the switch window", async () => {
    const world = new World({ seed: 4 });
    const toy = toyApp({ bootMs: 5_000 });
    const platform = new Platform(world, toy.app, {
      switchOverlapMs: 3_000,
      containerStartMs: 500,
      containerStartSigma: 0,
    });
    world.scheduler.at(0, "test", "request", () => void platform.request("a"));
    world.scheduler.at(10_000, "test", "deploy", () => void platform.deploy());
    const liveAt: Record<number, number> = {};
    for (const t of [12_000, 17_000, 25_000])
      world.scheduler.at(t, "test", "count", () => {
        liveAt[t] = platform.live().length;
      });
    await world.run({ untilMs: 30_000 });
    expect(liveAt).toEqual({ 12000: 2, 17000: 2, 25000: 1 });
    expect(toy.terminated).toEqual(["svc.r1.i1"]);
  });

  it("throttles restarts after repeated abnormal exits and answers 429 meanwhile", async () => {
    const world = new World({ seed: 5 });
    const toy = toyApp({ bootFails: true });
    const platform = new Platform(world, toy.app, { abnormalExitsFree: 1, restartBackoffBaseMs: 30_000 });
    const outcomes: string[] = [];
    const send = () =>
      platform.request("x").then(
        () => outcomes.push("ok"),
        (error: unknown) =>
          outcomes.push(error instanceof PlatformRejectedError ? String(error.status) : "?"),
      );
    for (const t of [0, 10_000, 20_000]) world.scheduler.at(t, "test", "request", () => void send());
    await world.run({ untilMs: 40_000 });
    expect(outcomes).toEqual(["503", "503", "429"]);
    expect(platform.counters.abnormalExits).toBe(2);
  });

  it("rejects bad options with a message naming the option", () => {
    const world = new World({ seed: 6 });
    expect(() => new Platform(world, toyApp().app, { sigtermGraceMs: -1 })).toThrow(/sigtermGraceMs/);
  });
});
