/**
 * The catalogs the harness runs from, handed to it rather than imported: the scenarios, the
 * forensic variants and the engine's default seams. The CLI builds one from the built-in
 * catalogs (fixtures/registry.ts) plus any `--scenarios` modules; a test may build its own. The
 * harness knows these shapes only structurally, so it imports nothing from scenarios/ or
 * fixtures/ (no folder cycles).
 *
 * A registry also says how to build itself again (`source`): a worker thread cannot receive
 * objects with functions, so it imports the same base module and scenario modules by path.
 */
import type { World } from "../sim/world.ts";
import type { Metrics } from "./result.ts";
import type { StoreTransport } from "../sim/blobstore/transport.ts";
import type { StoreMode, StoreTransportFactory } from "./store-mode.ts";

/** What the harness needs of a scenario (scenarios/scenario.ts is the full, typed shape). */
export interface RegistryScenario<S = unknown> {
  id: string;
  title: string;
  criteria: readonly string[];
  lane: "sim" | "pglite";
  defaultSeeds: number;
  /** Wall-time budget of one seed in a worker, in seconds; the lane's default when absent. */
  seedTimeoutS?: number;
  killPoints?: readonly string[];
  run(ctx: {
    world: World;
    seed: number;
    seams: S;
    variant: string | undefined;
  }): Promise<{ metrics?: Metrics } | undefined>;
}

/** What the harness needs of a forensic variant (fixtures/forensic/variant.ts is the full shape). */
export interface RegistryVariant<S = unknown> {
  id: string;
  scenarios: readonly string[];
  invariant: string;
  /** The store mode the variant is hunted, recorded and checked in (`sim` when absent). */
  store?: StoreMode;
  /** The seed that catches it (fixtures/forensic/recorded.json), when one is recorded. */
  recorded?: { scenario: string; seed: number };
  apply(seams: S): S;
}

export interface RegistrySource {
  /** URL of a module whose export `exportName` is the base registry. */
  baseModule: string;
  exportName: string;
  /** Absolute paths of the scenario modules added on top, in order. */
  scenarioModules: readonly string[];
  /** Absolute path of the `blobsim.config.ts` applied last (harness/config.ts), if any. */
  configModule?: string;
  /** The config's binding by name, when not its first. */
  bindingName?: string;
}

export interface Registry<
  S = unknown,
  Sc extends RegistryScenario<S> = RegistryScenario<S>,
  V extends RegistryVariant<S> = RegistryVariant<S>,
> {
  readonly scenarios: readonly Sc[];
  readonly variants: readonly V[];
  defaultSeams(): S;
  /** Builds the adapter-in-the-loop transport (`--store adapter`); absent: that mode is unavailable. */
  storeTransport?(world: World, seams: S): StoreTransport;
  findScenario(id: string): Sc | undefined;
  findVariant(id: string): V | undefined;
  /** Where the scenario came from: "built-in" or the module path that added it. */
  origin(id: string): string | undefined;
  readonly source: RegistrySource;
}

/** A registry's catalogs are inconsistent (two scenarios with one ID, a variant naming none). */
export class RegistryError extends Error {
  override name = "RegistryError";
}

export function createRegistry<S, Sc extends RegistryScenario<S>, V extends RegistryVariant<S>>(parts: {
  scenarios: readonly Sc[];
  variants: readonly V[];
  defaultSeams: () => S;
  storeTransport?: StoreTransportFactory<S>;
  source: RegistrySource;
  origins?: ReadonlyMap<string, string>;
}): Registry<S, Sc, V> {
  const byId = new Map<string, Sc>();
  for (const scenario of parts.scenarios) {
    if (byId.has(scenario.id)) throw new RegistryError(`two scenarios have the id ${scenario.id}`);
    byId.set(scenario.id, scenario);
  }
  const variants = new Map<string, V>();
  for (const variant of parts.variants) {
    if (variants.has(variant.id)) throw new RegistryError(`two variants have the id ${variant.id}`);
    variants.set(variant.id, variant);
  }
  return {
    scenarios: parts.scenarios,
    variants: parts.variants,
    defaultSeams: parts.defaultSeams,
    ...(parts.storeTransport ? { storeTransport: parts.storeTransport } : {}),
    findScenario: (id) => byId.get(id),
    findVariant: (id) => variants.get(id),
    origin: (id) => (byId.has(id) ? (parts.origins?.get(id) ?? "built-in") : undefined),
    source: parts.source,
  };
}

/** The registry plus scenarios from one module (the module's path is their origin). */
export function withScenarios<S, Sc extends RegistryScenario<S>, V extends RegistryVariant<S>>(
  base: Registry<S, Sc, V>,
  modulePath: string,
  added: readonly Sc[],
): Registry<S, Sc, V> {
  const origins = new Map<string, string>();
  for (const scenario of base.scenarios) {
    const origin = base.origin(scenario.id);
    if (origin !== "built-in" && origin !== undefined) origins.set(scenario.id, origin);
  }
  for (const scenario of added) {
    const clash = base.origin(scenario.id);
    if (clash !== undefined)
      throw new RegistryError(`${modulePath}: scenario ${scenario.id} is already defined (${clash})`);
    origins.set(scenario.id, modulePath);
  }
  return createRegistry({
    scenarios: [...base.scenarios, ...added],
    variants: base.variants,
    defaultSeams: base.defaultSeams,
    ...(base.storeTransport ? { storeTransport: base.storeTransport } : {}),
    source: { ...base.source, scenarioModules: [...base.source.scenarioModules, modulePath] },
    origins,
  });
}
