/**
 * `--scenarios ./path/module.ts`: a user's module that exports one or more Scenario objects (or
 * arrays of them), loaded by path (TypeScript through tsx's tsImport) and added to a registry. Every problem is a ScenarioModuleError naming the module,
 * which the CLI prints as one line with exit 2.
 */
import { resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isMainThread } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";
import { applyConfig, type BlobsimConfig, ConfigError, defineConfig } from "./config.ts";
import {
  type Registry,
  RegistryError,
  type RegistryScenario,
  type RegistryVariant,
  withScenarios,
} from "./registry.ts";

export class ScenarioModuleError extends Error {
  override name = "ScenarioModuleError";
}

/** Splits `a.ts,b.ts` and repeated flags into absolute paths, in order, without duplicates. */
export function scenarioModulePaths(values: readonly string[], cwd = process.cwd()): string[] {
  const paths = values
    .flatMap((value) => value.split(","))
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => resolve(cwd, part));
  return [...new Set(paths)];
}

function isScenario(value: unknown): value is RegistryScenario {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<RegistryScenario>;
  return typeof candidate.id === "string" && typeof candidate.run === "function";
}

/** The Scenario objects a module exports (directly or in exported arrays), checked for shape. */
export function scenariosOf(modulePath: string, exports: Record<string, unknown>): RegistryScenario[] {
  const found: RegistryScenario[] = [];
  for (const value of Object.values(exports)) {
    const candidates = Array.isArray(value) ? value : [value];
    for (const candidate of candidates)
      if (isScenario(candidate) && !found.includes(candidate)) found.push(candidate);
  }
  if (found.length === 0)
    throw new ScenarioModuleError(
      `${modulePath} exports no Scenario (an object with an id and a run function)`,
    );
  for (const scenario of found) {
    const problems: string[] = [];
    if (typeof scenario.title !== "string") problems.push("title must be a string");
    if (scenario.lane !== "sim" && scenario.lane !== "pglite")
      problems.push('lane must be "sim" or "pglite"');
    if (!Number.isInteger(scenario.defaultSeeds) || scenario.defaultSeeds < 1)
      problems.push("defaultSeeds must be a positive integer");
    if (!Array.isArray(scenario.criteria)) problems.push("criteria must be an array");
    if (scenario.seedTimeoutS !== undefined && !(scenario.seedTimeoutS > 0))
      problems.push("seedTimeoutS must be a positive number");
    if (problems.length > 0)
      throw new ScenarioModuleError(`${modulePath}: scenario ${scenario.id}: ${problems.join("; ")}`);
  }
  return found;
}

/** The base registry plus every scenario of the given modules (absolute paths). */
export async function loadScenarioModules<S, Sc extends RegistryScenario<S>, V extends RegistryVariant<S>>(
  base: Registry<S, Sc, V>,
  modulePaths: readonly string[],
): Promise<Registry<S, Sc, V>> {
  let registry = base;
  for (const modulePath of modulePaths) {
    let exports: Record<string, unknown>;
    try {
      exports = await importModule(pathToFileURL(modulePath).href);
    } catch (error) {
      const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new ScenarioModuleError(`cannot load scenario module ${modulePath}: ${why}`);
    }
    try {
      // The module's objects are trusted to be full Scenarios once their shape checks out.
      registry = withScenarios(registry, modulePath, scenariosOf(modulePath, exports) as unknown as Sc[]);
    } catch (error) {
      if (error instanceof RegistryError) throw new ScenarioModuleError(error.message);
      throw error;
    }
  }
  return registry;
}

/**
 * Loads a TypeScript (or JavaScript) module by URL. In a main thread tsImport loads it as an ES
 * module whatever package.json (if any) sits beside it. In the worker threads (started with
 * `--import tsx`) tsx's ESM hook does not reach dynamic imports on Node 20 but its require
 * hook does, and it compiles ES module syntax for it.
 */
async function importModule(url: string): Promise<Record<string, unknown>> {
  if (isMainThread) return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  return createRequire(import.meta.url)(fileURLToPath(url)) as Record<string, unknown>;
}

/** Builds a registry again from its source, in a worker thread. */
export async function registryFromSource(source: Registry["source"]): Promise<Registry> {
  const base = await importModule(source.baseModule);
  const registry = base[source.exportName] as Registry | undefined;
  if (!registry) throw new RegistryError(`${source.baseModule} has no export ${source.exportName}`);
  const loaded = await loadScenarioModules(registry, source.scenarioModules);
  if (!source.configModule) return loaded;
  return applyConfig(loaded, await loadConfig(source.configModule), source.configModule, source.bindingName);
}

/** The config a `--config` module exports (its default export, or `config`), checked for shape. */
export async function loadConfig(modulePath: string): Promise<BlobsimConfig> {
  let exports: Record<string, unknown>;
  try {
    exports = await importModule(pathToFileURL(modulePath).href);
  } catch (error) {
    const why = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ConfigError(`cannot load config ${modulePath}: ${why}`);
  }
  // tsImport's default export may come wrapped once more by the CommonJS interop.
  let config = (exports.default ?? exports.config) as Record<string, unknown> | undefined;
  if (config && !("bindings" in config) && typeof config.default === "object")
    config = config.default as Record<string, unknown>;
  if (!config || typeof config !== "object" || !("bindings" in config))
    throw new ConfigError(`${modulePath} exports no config (export default defineConfig({ bindings, … }))`);
  return defineConfig(config as unknown as BlobsimConfig);
}
