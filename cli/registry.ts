/**
 * The registry a command runs from: the built-in catalogs plus the scenarios of every
 * `--scenarios` module (a path; the flag repeats, or takes a comma-separated list), then a
 * `--config blobsim.config.ts` (harness/config.ts: another engine's binding, its variants).
 */
import { builtinRegistry, type BuiltinRegistry } from "../fixtures/registry.ts";
import { resolve } from "node:path";
import { applyConfig, type BlobsimConfig } from "../harness/config.ts";
import { loadConfig, loadScenarioModules, scenarioModulePaths } from "../harness/scenario-modules.ts";
import { UsageError } from "../harness/seeds.ts";
import type { Options, Parsed } from "./args.ts";

export const scenariosOption: Options = {
  scenarios: {
    type: "string",
    multiple: true,
    value: "MODULE,...",
    description: "load Scenario objects exported by these modules (TypeScript through tsx)",
  },
  config: {
    type: "string",
    value: "PATH",
    description: "a blobsim.config.ts: run the config's engine binding, its scenarios and variants",
  },
  binding: {
    type: "string",
    value: "NAME",
    description: "which of the config's bindings to run (default: its first)",
  },
};

export const seedTimeoutFlag: Options = {
  "seed-timeout-s": {
    type: "string",
    value: "S",
    description: "each seed's wall budget in seconds (default: the scenario's, else 60 sim / 600 pglite)",
  },
};

/** The module paths given with --scenarios, absolute, in order. */
export function scenarioModulesOf(parsed: Parsed): string[] {
  const value = parsed.values.scenarios;
  const values = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  return scenarioModulePaths(values);
}

/** The --config module (absolute path) and its config, or null without the flag. */
export async function commandConfig(parsed: Parsed): Promise<{ path: string; config: BlobsimConfig } | null> {
  const value = parsed.values.config;
  if (typeof value !== "string") return null;
  const path = resolve(value);
  return { path, config: await loadConfig(path) };
}

export async function commandRegistry(parsed: Parsed): Promise<BuiltinRegistry> {
  const registry = await loadScenarioModules(builtinRegistry, scenarioModulesOf(parsed));
  const loaded = await commandConfig(parsed);
  const bindingName = parsed.values.binding;
  if (!loaded) {
    if (typeof bindingName === "string") throw new UsageError("--binding needs --config");
    return registry;
  }
  return applyConfig(
    registry,
    loaded.config,
    loaded.path,
    typeof bindingName === "string" ? bindingName : undefined,
  );
}
