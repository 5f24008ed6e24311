import { describe, expect, it } from "vitest";
import { Rng } from "./rng.ts";

const draws = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.next());

describe("Rng", () => {
  it("gives the same sequence for the same seed and a different one for another seed", () => {
    expect(draws(Rng.root(7), 5)).toEqual(draws(Rng.root(7), 5));
    expect(draws(Rng.root(7), 5)).not.toEqual(draws(Rng.root(8), 5));
  });

  it("forks independent named streams: drawing from one never shifts another", () => {
    const quiet = Rng.root(42);
    const busy = Rng.root(42);
    draws(busy.fork("store"), 1000);
    expect(draws(quiet.fork("network"), 5)).toEqual(draws(busy.fork("network"), 5));
    expect(draws(Rng.root(42).fork("a"), 5)).not.toEqual(draws(Rng.root(42).fork("b"), 5));
  });

  it("keeps draws inside their documented ranges", () => {
    const rng = Rng.root(1);
    for (let i = 0; i < 10_000; i++) {
      const value = rng.int(3, 9);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(9);
      expect(rng.exponential(10)).toBeGreaterThanOrEqual(0);
    }
    const medians = Array.from({ length: 20_001 }, () => rng.logNormal(44, 0.5)).sort((a, b) => a - b);
    expect(medians[10_000]).toBeGreaterThan(40);
    expect(medians[10_000]).toBeLessThan(48);
  });
});
