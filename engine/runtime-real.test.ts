import { describe, expect, it } from "vitest";
import { realRandom } from "./runtime-real.ts";

describe("realRandom", () => {
  it("draws in [0, 1) without tripping randomInt's 2^48 range limit", () => {
    const draws = Array.from({ length: 2_000 }, () => realRandom.next());
    expect(draws.every((draw) => draw >= 0 && draw < 1)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(1_990);
  });
});
