import { describe, expect, it } from "vitest";
import { SimBlobStore } from "./blob-store.ts";
import {
  drawKillPlanOptions,
  KillPlan,
  killAtPoint,
  killAtStore,
  matches,
  STORE_KILL_POINTS,
  unvisitedAcross,
} from "./kill-plan.ts";
import { World } from "./world.ts";

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

/** A toy commit: segment put, named points around it, manifest put. */
async function commitLoop(world: World, plan: KillPlan, sim: SimBlobStore, rounds: number, done: string[]) {
  const process = world.spawn("writer");
  const store = sim.client(process);
  const faults = plan.faultsFor(process);
  void process.start(async () => {
    for (let i = 0; i < rounds; i++) {
      await faults.hit("commit.before-segment-put");
      await store.put(`wal/${i}`, text(`segment ${i}`));
      await faults.hit("commit.after-segment-put");
      await store.put(`manifest`, text(`manifest ${i}`));
      done.push(`commit ${i}`);
    }
  });
  await world.run();
  return process;
}

describe("KillPlan", () => {
  it("a 'before' store kill stops the k-th matching request from ever being issued", async () => {
    const world = new World({ seed: 1 });
    const sim = new SimBlobStore(world, { rateLimitEnabled: false });
    const plan = new KillPlan(world, { rules: [killAtStore("before", "put", "wal/*", 2)] }).watch(sim);
    const done: string[] = [];
    const writer = await commitLoop(world, plan, sim, 5, done);
    expect(writer.alive).toBe(false);
    expect(done).toEqual(["commit 0"]);
    expect(sim.history.map((m) => m.key)).toEqual(["wal/0", "manifest"]);
    expect(plan.kills).toEqual([
      expect.objectContaining({ point: "store.before-put", key: "wal/1", cause: "rule", visit: 3 }),
    ]);
  });

  it("an 'after' store kill lets the request apply but the caller never hears back", async () => {
    const world = new World({ seed: 1 });
    const sim = new SimBlobStore(world, { rateLimitEnabled: false });
    const plan = new KillPlan(world, { rules: [killAtStore("after", "put", "manifest", 1)] }).watch(sim);
    const done: string[] = [];
    await commitLoop(world, plan, sim, 5, done);
    expect(done).toEqual([]);
    expect(sim.history.map((m) => m.key)).toEqual(["wal/0", "manifest"]);
  });

  it("a named point kills on its k-th visit and never returns; every visit is counted", async () => {
    const world = new World({ seed: 1 });
    const sim = new SimBlobStore(world, { rateLimitEnabled: false });
    const plan = new KillPlan(world, { rules: [killAtPoint("commit.after-segment-put", 3)] }).watch(sim);
    const done: string[] = [];
    await commitLoop(world, plan, sim, 5, done);
    expect(done).toEqual(["commit 0", "commit 1"]);
    // The third segment landed, its manifest never did.
    expect(sim.history.map((m) => m.key)).toEqual(["wal/0", "manifest", "wal/1", "manifest", "wal/2"]);
    expect(plan.visits.get("commit.after-segment-put")).toBe(3);
    expect(plan.visits.get("commit.before-segment-put")).toBe(3);
    expect(plan.unvisited(["commit.after-segment-put", "commit.after-ack"])).toEqual(["commit.after-ack"]);
  });

  it("random kills follow the swarm probability, bounded per run, and replay from the seed", async () => {
    const run = async (seed: number) => {
      const world = new World({ seed });
      const sim = new SimBlobStore(world, { rateLimitEnabled: false });
      const plan = new KillPlan(world, { randomPointKillProbability: 0.3, randomKillsMax: 1 }).watch(sim);
      await commitLoop(world, plan, sim, 20, []);
      return { kills: plan.kills, hash: world.trace.hash() };
    };
    const first = await run(4);
    expect(first.kills).toHaveLength(1);
    expect(first.kills[0]?.cause).toBe("random");
    expect(await run(4)).toEqual(first);
  });

  it("across seeds, the swarm's random kills reach every named point and visits cover them all", async () => {
    const points = ["commit.before-segment-put", "commit.after-segment-put"];
    const visits: Array<ReadonlyMap<string, number>> = [];
    const killedAt = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) {
      const world = new World({ seed });
      const sim = new SimBlobStore(world, { rateLimitEnabled: false });
      const plan = new KillPlan(world, drawKillPlanOptions(world)).watch(sim);
      await commitLoop(world, plan, sim, 5, []);
      visits.push(plan.visits);
      for (const kill of plan.kills) killedAt.add(kill.point);
    }
    expect(unvisitedAcross(points, visits)).toEqual([]);
    for (const point of points) expect(killedAt).toContain(point);
    expect(unvisitedAcross([...points, "commit.never-reached"], visits)).toEqual(["commit.never-reached"]);
  });

  it("rejects a visit number below 1 and matches globs", () => {
    expect(() => killAtPoint("x", 0)).toThrow(RangeError);
    expect(matches("wal/*", "wal/0001")).toBe(true);
    expect(matches("wal/*", "manifest")).toBe(false);
    expect(matches("seg-?.bin", "seg-1.bin")).toBe(true);
    expect(matches(/^manifest$/, "manifest")).toBe(true);
    expect(STORE_KILL_POINTS.map((p) => p.name)).toContain("store.after-put");
    expect(unvisitedAcross(["a", "b"], [new Map([["a", 1]]), new Map()])).toEqual(["b"]);
  });
});
