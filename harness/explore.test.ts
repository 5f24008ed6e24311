import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Rng } from "../sim/rng.ts";
import { type CorpusEntry, explore, featuresOf, mutate } from "./explore.ts";
import { runSeed } from "./run-seed.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "blobsim-explore-"));
  dirs.push(dir);
  return dir;
}

describe("explore", () => {
  it("keeps a corpus of runs with new coverage and resumes from its folder", async () => {
    const corpusDir = tempDir();
    const first = await explore({ scenarios: ["store.cas"], budgetS: 60, maxRuns: 30, corpusDir });
    expect(first.runs).toBe(30);
    expect(first.failure).toBeNull();
    expect(first.corpusSize).toBeGreaterThan(1);
    expect(readdirSync(corpusDir).filter((n) => n.startsWith("entry-")).length).toBe(first.corpusSize);
    // Every corpus entry added something: the union of features equals the count.
    const second = await explore({ scenarios: ["store.cas"], budgetS: 60, maxRuns: 10, corpusDir });
    expect(second.runsBefore).toBe(30);
    expect(second.corpusSize).toBeGreaterThanOrEqual(first.corpusSize);
    expect(second.features).toBe(first.features + second.newFeatures);
  }, 120_000);

  it("stops at the first seed the variant's invariant catches, with the run that shows it", async () => {
    const outcome = await explore({
      scenarios: ["store.cas"],
      budgetS: 60,
      maxRuns: 200,
      variant: "S01-cas",
    });
    expect(outcome.failure?.result.violation?.invariant).toBe("store-compare-and-swap");
    const { entry } = outcome.failure!;
    const again = await runSeed(entry.scenario, entry.seed, {
      variant: "S01-cas",
      ...(entry.plan ? { plan: entry.plan } : {}),
    });
    expect(again.result.traceHash).toBe(outcome.failure!.result.traceHash);
  }, 120_000);

  it("an 'add' mutation makes the next request at a fault's site fail the same way", async () => {
    // A seed with at least one store fault to mutate.
    let parent: CorpusEntry | undefined;
    for (let seed = 0; seed < 40 && !parent; seed++) {
      const { result } = await runSeed("store.cas", seed);
      if (result.decisions.some((d) => d.site.endsWith(".fault")))
        parent = {
          scenario: "store.cas",
          seed,
          via: "fresh",
          decisions: result.decisions,
          features: featuresOf(result),
        };
    }
    expect(parent).toBeDefined();
    let added = false;
    for (let step = 0; step < 50 && !added; step++) {
      const { plan, via } = mutate(parent!, undefined, new Rng(`t${step}`), () => 1000, null, false);
      if (via !== "add") continue;
      added = true;
      const before = parent!.decisions.filter((d) => !d.site.startsWith("swarm:")).length;
      expect(plan.decisions.filter((d) => !d.site.startsWith("swarm:")).length).toBe(before + 1);
      expect(plan.others).toBe("neutral");
    }
    expect(added).toBe(true);
  }, 60_000);

  it("features name reach points, fault kinds and store-outcome sequences", () => {
    const features = featuresOf({
      status: "pass",
      violation: null,
      reach: { "lease.takeover": 3 },
      decisions: [
        { site: "store:x.fault", index: 0, value: "transient", atMs: 1, detail: { op: "put", key: "db1/m" } },
        { site: "store:x.fault", index: 1, value: "timeout", atMs: 2, detail: { op: "put", key: "db2/m" } },
      ],
    });
    expect(features).toContain("reach:lease.takeover");
    expect(features).toContain("reach:lease.takeover:2^1");
    expect(features).toContain("fault:store:x.fault=transient");
    expect(features).toContain("seq:put:db#/m:transient>timeout");
  });
});
