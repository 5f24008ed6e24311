import { describe, expect, it } from "vitest";
import { Rng } from "../../sim/rng.ts";
import { checkZombiePlan, drawZombiePlan, ImpossiblePlanError } from "./zombie-timers.ts";

/** The stream World.draw("zombie", ...) hands the plan draw for a seed. */
const planStream = (seed: number) => Rng.root(seed).fork("swarm:zombie");

describe("kernel.zombie-timers plan draw", () => {
  it("draws a possible plan (the kill after the resume) for 100k seeds, without running the scenario", () => {
    const impossible: number[] = [];
    for (const from of [0, 1_000_000, 0xffff_ffff - 50_000]) {
      for (let seed = from; seed < from + 33_334; seed++) {
        const plan = drawZombiePlan(planStream(seed)); // throws ImpossiblePlanError on a bad plan
        if (!(plan.killAtMs > plan.pauseAtMs + plan.pauseForMs)) impossible.push(seed);
      }
    }
    expect(impossible).toEqual([]);
  });

  it("fixes seed 1000283, whose raw draw killed before the resume, and keeps possible draws as drawn", () => {
    const raw = planStream(1_000_283);
    const [pauseAtMs, pauseForMs, killAtMs] = [raw.int(50, 400), raw.int(1, 600), raw.int(900, 1500)];
    expect(killAtMs).toBeLessThanOrEqual(pauseAtMs + pauseForMs);
    expect(() => checkZombiePlan({ pauseAtMs, pauseForMs, killAtMs, clockOffsetMs: 0 })).toThrow(
      ImpossiblePlanError,
    );
    const fixed = drawZombiePlan(planStream(1_000_283));
    expect(fixed.killAtMs).toBeGreaterThan(fixed.pauseAtMs + fixed.pauseForMs);

    const possible = planStream(7);
    const drawn = [possible.int(50, 400), possible.int(1, 600), possible.int(900, 1500)];
    expect(drawn[2]!).toBeGreaterThan(drawn[0]! + drawn[1]!);
    expect(drawZombiePlan(planStream(7)).killAtMs).toBe(drawn[2]);
  });
});
