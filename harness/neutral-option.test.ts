/**
 * The trace hash covers behaviour only: a swarm option that no component reads changes no hash,
 * though it is stored with the result (and printed by replay). The neutral option is appended to
 * every component's draw, so it takes a fresh value from each component's stream without shifting
 * the values drawn before it.
 */
import { describe, expect, it } from "vitest";
import { findScenario } from "../scenarios/index.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import type { Rng } from "../sim/rng.ts";
import type { TraceValue } from "../sim/trace.ts";
import { runSeed } from "./run-seed.ts";

function withNeutralOption(base: Scenario): Scenario {
  return {
    ...base,
    run(context) {
      const world = context.world;
      const draw = world.draw.bind(world);
      world.draw = <T extends Record<string, TraceValue>>(component: string, drawOptions: (rng: Rng) => T) =>
        draw(component, (rng) => ({ ...drawOptions(rng), neutralProbeMs: rng.int(0, 1_000) }));
      return base.run(context);
    },
  };
}

const cases: Array<{ scenario: string; seeds: number[]; variant: string | null }> = [
  { scenario: "kernel.timers-and-kills", seeds: [0, 1, 2], variant: null },
  { scenario: "wal.crash-restart", seeds: [0, 1, 2], variant: null },
  { scenario: "retention.peer-cursors", seeds: [0, 1], variant: null },
  { scenario: "backup.kill-mid-backup", seeds: [0, 1], variant: null },
  { scenario: "lease.renew-jitter", seeds: [0, 1], variant: null },
  { scenario: "platform.e4-4-two-services", seeds: [0, 1], variant: null },
  { scenario: "platform.e4-4-two-services", seeds: [0], variant: "S01-zombie" },
];

describe("a neutral swarm option", () => {
  it.each(cases)("changes no trace hash: $scenario $variant", async ({ scenario, seeds, variant }) => {
    const base = findScenario(scenario)!;
    for (const seed of seeds) {
      const plain = await runSeed(base, seed, { variant });
      const neutral = await runSeed(withNeutralOption(base), seed, { variant });
      const drawn = Object.values(neutral.result.swarm);
      expect(drawn.length).toBeGreaterThan(0);
      expect(drawn.every((options) => typeof options.neutralProbeMs === "number")).toBe(true);
      expect(neutral.result.status).toBe(plain.result.status);
      expect(neutral.result.traceHash, `${scenario} seed ${seed}`).toBe(plain.result.traceHash);
    }
  });
});
