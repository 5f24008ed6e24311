import { describe, expect, it } from "vitest";
import type { SeedResult } from "../harness/result.ts";
import { metricsTables } from "./metrics-table.ts";

const result = (scenario: string, seed: number, metrics: SeedResult["metrics"]) =>
  ({ scenario, seed, metrics }) as SeedResult;

describe("metricsTables", () => {
  it("prints one aligned table per scenario with a row per seed and skips scenarios without metrics", () => {
    const lines = metricsTables([
      result("a", 0, { dumpMs: 5, gzBytes: 1200 }),
      result("b", 0, {}),
      result("a", 1, { dumpMs: 15, restoreMs: 7 }),
    ]);
    expect(lines).toEqual([
      "METRICS a",
      "  seed  dumpMs  gzBytes  restoreMs",
      "  0          5     1200          -",
      "  1         15        -          7",
    ]);
  });
});
