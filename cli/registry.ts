/**
 * The registry a command runs from: the built-in catalogs plus the scenarios of every
 * `--scenarios` module (a path; the flag repeats, or takes a comma-separated list).
 */
import { builtinRegistry, type BuiltinRegistry } from "../fixtures/registry.ts";
import { loadScenarioModules, scenarioModulePaths } from "../harness/scenario-modules.ts";
import type { Options, Parsed } from "./args.ts";

export const scenariosOption: Options = {
  scenarios: {
    type: "string",
    multiple: true,
    value: "MODULE,...",
    description: "load Scenario objects exported by these modules (TypeScript through tsx)",
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

export async function commandRegistry(parsed: Parsed): Promise<BuiltinRegistry> {
  return loadScenarioModules(builtinRegistry, scenarioModulesOf(parsed));
}
