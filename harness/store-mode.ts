/**
 * Which way a seed's processes reach the simulated bucket: `sim` (the in-process client),
 * `adapter` (through the GCS adapter over a kernel-served HTTP exchange) or `swarm` (adapter for
 * a share of seeds, drawn from the seed, so the main job covers both without doubling its cost).
 * The transport itself comes from the registry (fixtures/registry.ts builds it from the seams),
 * so the harness never imports the adapter.
 */
import type { StoreTransport } from "../sim/blobstore/transport.ts";
import type { World } from "../sim/world.ts";

export const STORE_MODES = ["sim", "adapter", "swarm"] as const;
export type StoreMode = (typeof STORE_MODES)[number];

/**
 * Share of swarm seeds run through the adapter. Measured on the main job (4,550 seeds, 2 cores):
 * an adapter seed costs 2.6 in-process ones on average (store.race and the lease scenarios 4-5x:
 * URL, header and JSON work plus a deadline timer per request), so a quarter of seeds added 26%
 * to the job's wall time; 15% adds about 16% and still puts about fifteen adapter seeds into a
 * scenario of 100 default seeds.
 */
export const ADAPTER_SHARE = 0.15;

export function isStoreMode(value: unknown): value is StoreMode {
  return typeof value === "string" && (STORE_MODES as readonly string[]).includes(value);
}

/**
 * The mode this seed runs in: swarm is resolved by a draw from the seed's own stream (the one
 * `world.draw("store")` would use). It is not noted as a swarm draw here: runSeed records
 * `swarm.store` only for a seed whose processes did reach a store through the adapter.
 */
export function resolveStoreMode(mode: StoreMode, world: World): "sim" | "adapter" {
  if (mode !== "swarm") return mode;
  return world.rng.fork("swarm:store").chance(ADAPTER_SHARE) ? "adapter" : "sim";
}

export type StoreTransportFactory<S> = (world: World, seams: S) => StoreTransport;
