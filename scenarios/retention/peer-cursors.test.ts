import { describe, expect, it } from "vitest";
import { runSeed } from "../../harness/run-seed.ts";

describe("retention.peer-cursors", () => {
  it("passes with the real engine, deterministically, under the sanitizer", async () => {
    for (const seed of [1, 2, 5]) {
      const first = await runSeed("retention.peer-cursors", seed, { sanitize: true });
      const again = await runSeed("retention.peer-cursors", seed);
      expect(first.result.violation).toBeNull();
      expect(again.result.traceHash).toBe(first.result.traceHash);
    }
  });

  it("exercises pruning, gaps, hostile cursors and prune races across a few seeds", async () => {
    const kinds = new Map<string, number>();
    for (let seed = 0; seed < 8; seed++) {
      const run = await runSeed("retention.peer-cursors", seed, { keepFullTrace: true });
      for (const event of run.trace) kinds.set(event.k, (kinds.get(event.k) ?? 0) + 1);
    }
    for (const kind of [
      "retention.prune",
      "sweep.gap-honoured",
      "sweep.gap-ignored",
      "rogue.refused",
      "race.prune-after-read",
      "sweep.cursor-missing",
    ]) {
      expect({ kind, seen: (kinds.get(kind) ?? 0) > 0 }).toEqual({ kind, seen: true });
    }
  });
});
