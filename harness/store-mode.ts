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
 * Share of swarm seeds run through the adapter: a quarter keeps the main job's added cost near
 * a tenth (an adapter seed costs about 1.4 in-process ones) while a bug that shows on 5% of
 * adapter seeds is still met within a scenario's default seeds.
 */
export const ADAPTER_SHARE = 0.25;

export function isStoreMode(value: unknown): value is StoreMode {
  return typeof value === "string" && (STORE_MODES as readonly string[]).includes(value);
}

/** The mode this seed runs in: swarm is resolved by a draw of the seed's own (recorded with it). */
export function resolveStoreMode(mode: StoreMode, world: World): "sim" | "adapter" {
  if (mode !== "swarm") return mode;
  return world.draw("store", (rng) => ({ adapter: rng.chance(ADAPTER_SHARE) })).adapter ? "adapter" : "sim";
}

export type StoreTransportFactory<S> = (world: World, seams: S) => StoreTransport;
