/**
 * Plan files (`replay --plan F.json`, written by `shrink`): a decision plan (sim/decisions.ts)
 * as JSON. A file that cannot be read or is not a plan is a usage error (exit 2, one line).
 */
import { readFileSync } from "node:fs";
import { UsageError } from "../harness/seeds.ts";
import {
  type Decision,
  type DecisionPlan,
  describeDecision,
  isSwarmDecision,
  parseDecisionPlan,
} from "../sim/decisions.ts";

export function readPlanFile(path: string): DecisionPlan {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `--plan ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`--plan ${path}: not JSON`);
  }
  try {
    return parseDecisionPlan(json, `--plan ${path}`);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The fault lines of a decision log (swarm draws are printed on their own `swarm` lines). */
export function faultLines(decisions: readonly Decision[]): string[] {
  return decisions
    .filter((decision) => !isSwarmDecision(decision))
    .map((decision) => `  fault ${decision.site}#${decision.index}: ${describeDecision(decision)}`);
}
