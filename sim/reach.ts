/**
 * Reach points of the simulated world: rare situations the fault model should produce (a
 * mutation applied whose answer was lost, a kill between a data PUT and its manifest CAS, ...).
 * The engine's own points are in engine/reach-points.ts; both are counted by `World.reach` and
 * carried by the seed's result (`reach`), outside the trace hash.
 */
import type { FaultPointInfo } from "../engine/fault-points.ts";
import { type FaultPoints, noFaults } from "../engine/runtime.ts";
import type { World } from "./world.ts";
import { ENGINE_REACH_POINTS } from "../engine/reach-points.ts";

export const SIM_REACH_POINTS: readonly FaultPointInfo[] = [
  {
    name: "store.answer-lost-after-apply",
    description: "a mutation applied but its caller was told it was ambiguous",
  },
  {
    name: "store.late-apply-after-timeout",
    description: "a timed-out mutation applied after its caller gave up",
  },
  { name: "store.rate-limited", description: "a mutation was refused 429 by the per-object rate limit" },
  { name: "store.precondition-failed", description: "a conditional write was refused 412" },
  {
    name: "kill.between-data-put-and-cas",
    description: "a writer died after its data PUT, before the manifest CAS",
  },
  { name: "kill.after-cas-before-ack", description: "a writer died after its manifest CAS, before acking" },
  { name: "net.partition", description: "two nodes were cut off from each other" },
];

/** Every declared reach point: the engine's and the simulated world's. */
export const ALL_REACH_POINTS: readonly FaultPointInfo[] = [...ENGINE_REACH_POINTS, ...SIM_REACH_POINTS];

/**
 * `faults` (noFaults if absent) with the world's reach counter and BUGGIFY decisions added, for
 * scenarios that hand the engine fault points of their own: their engine's reach points count.
 */
export function withReach(world: World, faults: FaultPoints = noFaults): FaultPoints {
  if (faults.reach && faults.buggify) return faults;
  return {
    hit: (point) => faults.hit(point),
    reach: faults.reach ? (name) => faults.reach!(name) : (name) => world.reach(name),
    buggify: faults.buggify ? (site) => faults.buggify!(site) : (site) => world.buggify(site),
  };
}
