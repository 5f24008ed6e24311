/**
 * `blobsim.config.ts`: a team's own engine under blobsim's scenarios. The config names its
 * bindings (engine/node/roles.ts), the built-in scenarios that run on them, its own scenarios,
 * and its own forensic variants (a binding at a buggy commit is a variant), none of which need
 * registering in blobsim's catalog. `--config PATH` applies it to the registry a command runs
 * from; worker threads apply it again by path (RegistrySource.configModule).
 *
 *   export default defineConfig({ bindings: { mine: myBinding }, variants: [bindingVariant(…)] });
 */
import { dirname, resolve } from "node:path";
import type { EngineBinding } from "../engine/node/roles.ts";
import {
  createRegistry,
  type Registry,
  RegistryError,
  type RegistryScenario,
  type RegistryVariant,
} from "./registry.ts";

/** A config's forensic variant: the seams (with a buggy binding) it runs under. */
export interface ConfigVariant {
  id: string;
  title: string;
  /** Scenarios that can catch it; `hunt` searches these. */
  scenarios: readonly string[];
  invariant: string;
  apply<S extends object>(seams: S): S;
}

export interface BlobsimConfig {
  /** Bindings by name; the first is the default (`--binding NAME` picks another). */
  bindings: Readonly<Record<string, EngineBinding>>;
  /**
   * Built-in scenarios that run on the binding, by id or `prefix.*` (default: `lease.*`, the
   * scenarios that take their writers from a binding); the rest of blobsim's catalog is left out.
   */
  include?: readonly string[];
  /** The team's own scenarios (Scenario objects), run beside the included ones. */
  scenarios?: readonly RegistryScenario[];
  variants?: readonly ConfigVariant[];
  /** Where `record --config` keeps the variants' seeds (default: blobsim.recorded.json beside the config). */
  recordFile?: string;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Checks a config's shape at definition time, so a typo fails with its name, not mid-run. */
export function defineConfig(config: BlobsimConfig): BlobsimConfig {
  const names = Object.keys(config.bindings ?? {});
  if (names.length === 0) throw new ConfigError("defineConfig: bindings must name at least one binding");
  for (const [name, binding] of Object.entries(config.bindings))
    for (const method of ["keys", "openWriter", "readEarly", "decodeLease", "decodeManifest"] as const)
      if (typeof binding?.[method] !== "function")
        throw new ConfigError(`defineConfig: binding ${name} has no ${method} function`);
  return config;
}

/** A variant that swaps the binding for `binding` (the engine at its buggy commit). */
export function bindingVariant(
  parts: Omit<ConfigVariant, "apply"> & { binding: EngineBinding },
): ConfigVariant {
  const { binding, ...rest } = parts;
  return { ...rest, apply: (seams) => ({ ...seams, binding }) };
}

function matches(patterns: readonly string[], id: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith(".*") ? id.startsWith(pattern.slice(0, -1)) : pattern === id,
  );
}

/** The config's record file, absolute. */
export function recordFileOf(config: BlobsimConfig, configPath: string): string {
  return resolve(dirname(configPath), config.recordFile ?? "blobsim.recorded.json");
}

/** `base` narrowed to the config's scenarios, its binding in the seams, its variants added. */
export function applyConfig<S, Sc extends RegistryScenario<S>, V extends RegistryVariant<S>>(
  base: Registry<S, Sc, V>,
  config: BlobsimConfig,
  configPath: string,
  bindingName?: string,
): Registry<S, Sc, V> {
  const names = Object.keys(config.bindings);
  const name = bindingName ?? names[0]!;
  const binding = config.bindings[name];
  if (!binding) throw new ConfigError(`${configPath}: no binding ${name} (bindings: ${names.join(", ")})`);
  const include = config.include ?? ["lease.*"];
  const builtIn = base.scenarios.filter((scenario) => matches(include, scenario.id));
  const own = (config.scenarios ?? []) as unknown as Sc[];
  // The config's objects are trusted to be full Scenarios and Variants once their shape checks out.
  const ownVariants = (config.variants ?? []) as unknown as V[];
  const ids = new Set([...builtIn, ...own].map((scenario) => scenario.id));
  for (const variant of ownVariants)
    for (const scenario of variant.scenarios)
      if (!ids.has(scenario))
        throw new ConfigError(
          `${configPath}: variant ${variant.id} names scenario ${scenario}, which the config does not run`,
        );
  const origins = new Map<string, string>();
  for (const scenario of builtIn) {
    const origin = base.origin(scenario.id);
    if (origin !== undefined && origin !== "built-in") origins.set(scenario.id, origin);
  }
  for (const scenario of own) origins.set(scenario.id, configPath);
  try {
    return createRegistry<S, Sc, V>({
      scenarios: [...builtIn, ...own],
      // blobsim's own variants patch blobsim's engine: meaningless under another binding.
      variants: binding.name === "blobsim" ? [...base.variants, ...ownVariants] : ownVariants,
      defaultSeams: () => ({ ...base.defaultSeams(), binding }) as S,
      source: { ...base.source, configModule: configPath, ...(bindingName ? { bindingName } : {}) },
      origins,
    });
  } catch (error) {
    if (error instanceof RegistryError) throw new ConfigError(`${configPath}: ${error.message}`);
    throw error;
  }
}
