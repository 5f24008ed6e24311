/** Every scenario blobsim knows. Each area contributes one list. */
import { builtinScenarios } from "./builtin/index.ts";
import type { Scenario } from "./scenario.ts";

export const allScenarios: readonly Scenario[] = [...builtinScenarios];

export function findScenario(id: string): Scenario | undefined {
  return allScenarios.find((scenario) => scenario.id === id);
}
