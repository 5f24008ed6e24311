/**
 * The example engine through blobsim's own lease scenarios, plugged in only by its config: the
 * fixed engine passes, each recorded variant seed fails with its invariant while the fixed
 * engine passes that same seed, and nothing under scenarios/ or invariants/ names the example.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../fixtures/registry.ts";
import { applyConfig } from "../../harness/config.ts";
import { runSeed } from "../../harness/run-seed.ts";
import config from "./blobsim.config.ts";

const configPath = fileURLToPath(new URL("./blobsim.config.ts", import.meta.url));
const registry = applyConfig(builtinRegistry, config, configPath);
const recorded = JSON.parse(
  readFileSync(new URL("./blobsim.recorded.json", import.meta.url), "utf8"),
) as Record<string, { scenario: string; seed: number; traceHash: string }>;

describe("examples/etag-lease under the lease scenarios", () => {
  it("runs every lease.* scenario on the example's binding, and only those", () => {
    const ids = registry.scenarios.map((scenario) => scenario.id);
    expect(ids.length).toBeGreaterThanOrEqual(6);
    expect(ids.every((id) => id.startsWith("lease."))).toBe(true);
    expect(registry.defaultSeams().binding?.name).toBe("etag-lease");
  });

  it("passes with its fixed code", async () => {
    for (const scenario of registry.scenarios)
      for (const seed of [0, 1, 2]) {
        const { result } = await runSeed(scenario.id, seed, { registry });
        expect(result.violation?.message ?? "pass", `${scenario.id} seed ${seed}`).toBe("pass");
      }
  });

  for (const variant of config.variants ?? [])
    it(`${variant.id} fails its recorded seed with ${variant.invariant}; the fixed engine passes it`, async () => {
      const record = recorded[variant.id]!;
      const buggy = await runSeed(record.scenario, record.seed, { registry, variant: variant.id });
      expect(buggy.result.violation?.invariant).toBe(variant.invariant);
      expect(buggy.result.traceHash).toBe(record.traceHash);
      const fixed = await runSeed(record.scenario, record.seed, { registry });
      expect(fixed.result.ok).toBe(true);
    });

  it("is named by no file under scenarios/ or invariants/", () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/etag-lease|EtagWriter|etagBinding|examples\//.test(readFileSync(path, "utf8")))
          offenders.push(path);
      }
    };
    walk(join(root, "scenarios"));
    walk(join(root, "invariants"));
    expect(offenders).toEqual([]);
  });
});
