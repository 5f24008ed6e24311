/** Every scenario blobsim knows. Each area contributes one list. */
import { backupScenarios } from "./backup/index.ts";
import { builtinScenarios } from "./builtin/index.ts";
import { experimentScenarios } from "./experiments/index.ts";
import { leaseScenarios } from "./lease/index.ts";
import { pgliteScenarios } from "./pglite/index.ts";
import { platformScenarios } from "./platform/index.ts";
import { readReplicaScenarios } from "./read-replica/index.ts";
import { replicationScenarios } from "./replication/index.ts";
import { retentionScenarios } from "./retention/index.ts";
import type { Scenario } from "./scenario.ts";
import { storeScenarios } from "./store/index.ts";
import { walScenarios } from "./wal/index.ts";

export const allScenarios: readonly Scenario[] = [
  ...builtinScenarios,
  ...retentionScenarios,
  ...replicationScenarios,
  ...leaseScenarios,
  ...walScenarios,
  ...readReplicaScenarios,
  ...backupScenarios,
  ...storeScenarios,
  ...pgliteScenarios,
  ...platformScenarios,
  ...experimentScenarios,
];

export function findScenario(id: string): Scenario | undefined {
  return allScenarios.find((scenario) => scenario.id === id);
}
