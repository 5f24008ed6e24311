import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSeed, parseShard, selectSeeds, UsageError } from "./seeds.ts";

describe("seed selection", () => {
  it("splits any seed range into shards that cover it exactly once", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 9 }),
        (from, seeds, count) => {
          const whole = selectSeeds(10, { from, seeds });
          const parts = Array.from({ length: count }, (_, i) =>
            selectSeeds(10, { from, seeds, shard: { index: i + 1, count } }),
          );
          expect(parts.flat().sort((a, b) => a - b)).toEqual(whole);
          expect(new Set(parts.flat()).size).toBe(whole.length);
        },
      ),
    );
  });

  it("runs from..from+n-1, or the one seed given", () => {
    expect(selectSeeds(3, {})).toEqual([0, 1, 2]);
    expect(selectSeeds(3, { from: 10, seeds: 2 })).toEqual([10, 11]);
    expect(selectSeeds(3, { seed: 99 })).toEqual([99]);
  });

  it("rejects malformed seeds and shards with a usage error", () => {
    for (const bad of ["-1", "abc", "1.5", "4294967296", ""])
      expect(() => parseSeed(bad)).toThrow(UsageError);
    for (const bad of ["5/4", "0/4", "1/0", "a/b", "1-4"]) expect(() => parseShard(bad)).toThrow(UsageError);
    expect(parseSeed("4294967295")).toBe(4294967295);
  });
});
