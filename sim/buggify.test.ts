import { describe, expect, it } from "vitest";
import { buggify } from "../engine/runtime.ts";
import { withReach } from "./reach.ts";
import { World } from "./world.ts";

/** 200 visits of each of 40 sites; which sites were enabled, how often enabled ones fired. */
function visit(world: World) {
  const faults = withReach(world);
  let enabled = 0;
  let fires = 0;
  let enabledVisits = 0;
  for (let site = 0; site < 40; site++) {
    let fired = 0;
    for (let n = 0; n < 200; n++) if (buggify(faults, `site-${site}`)) fired++;
    if (world.decisions.entries.some((d) => d.site === `buggify.enable:site-${site}`)) {
      enabled++;
      enabledVisits += 200;
      fires += fired;
    } else expect(fired).toBe(0);
  }
  return { enabled, fireRate: fires / Math.max(1, enabledVisits) };
}

describe("BUGGIFY", () => {
  it("is off unless the world turns it on: nothing fires, nothing is drawn", () => {
    const world = new World({ seed: 1 });
    expect(visit(world)).toEqual({ enabled: 0, fireRate: 0 });
    expect(world.decisions.entries).toEqual([]);
  });

  it("enables about a quarter of sites per run and fires an enabled one about a quarter of its visits", () => {
    const { enabled, fireRate } = visit(new World({ seed: 1, buggify: true }));
    expect(enabled).toBeGreaterThan(3);
    expect(enabled).toBeLessThan(20);
    expect(fireRate).toBeGreaterThan(0.15);
    expect(fireRate).toBeLessThan(0.35);
  });

  it("a neutral plan without buggify decisions fires nothing, even with BUGGIFY on", () => {
    const world = new World({
      seed: 1,
      plan: { version: 1, others: "neutral", buggify: true, decisions: [] },
    });
    expect(world.buggifyOn).toBe(true);
    expect(visit(world).enabled).toBe(0);
    expect(world.decisions.entries).toEqual([]);
  });
});
