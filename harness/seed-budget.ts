/**
 * A seed's wall-time budget. A seed that spins (an engine loop that never yields to simulated
 * time, an await that never settles while events keep firing) cannot stop itself; its worker is
 * terminated once the budget is spent and the seed is reported as a timeout. The budget is the
 * `--seed-timeout-s` flag if given, else the scenario's `seedTimeoutS`, else its lane's default:
 * a sim seed takes well under a second, a PGlite seed up to a minute or two.
 */
import type { RegistryScenario } from "./registry.ts";

export const DEFAULT_SEED_TIMEOUT_S: Readonly<Record<RegistryScenario["lane"], number>> = {
  sim: 60,
  pglite: 600,
};

/** How long a worker may take to load the catalogs before its seed starts (a module that hangs on import). */
export const WORKER_START_BUDGET_S = 120;

export function seedTimeoutS(
  scenario: Pick<RegistryScenario, "lane" | "seedTimeoutS">,
  overrideS?: number,
): number {
  return overrideS ?? scenario.seedTimeoutS ?? DEFAULT_SEED_TIMEOUT_S[scenario.lane];
}
