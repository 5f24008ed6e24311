import { allVariants } from "../fixtures/forensic/index.ts";
import { assertKnownCriteria } from "../reports/criteria.ts";
import { allScenarios, findScenario } from "../scenarios/index.ts";

/** Every declared criterion exists, scenario IDs are unique, variants name real scenarios. */
export function validateCatalogs(): void {
  const seen = new Set<string>();
  for (const scenario of allScenarios) {
    if (seen.has(scenario.id)) throw new Error(`duplicate scenario id ${scenario.id}`);
    seen.add(scenario.id);
    assertKnownCriteria(`scenario ${scenario.id}`, scenario.criteria);
  }
  for (const variant of allVariants) {
    for (const id of variant.scenarios) {
      if (!findScenario(id)) throw new Error(`variant ${variant.id} names unknown scenario ${id}`);
    }
  }
}
