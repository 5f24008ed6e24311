/** Cold-backup scenarios (E6-A..E6-G). */
import type { Scenario } from "../scenario.ts";
import { backupAutoRoundtrip } from "./auto-backup.ts";
import { backupFullWipe } from "./full-wipe.ts";
import { backupKillMidBackup } from "./kill-mid-backup.ts";
import { backupRacingArchivers } from "./racing-archivers.ts";
import { backupRestoreFromCold } from "./restore-from-cold.ts";
import { backupRetention } from "./retention.ts";
import { backupRetentionEdges } from "./retention-edges.ts";

export const backupScenarios: readonly Scenario[] = [
  backupKillMidBackup,
  backupRestoreFromCold,
  backupFullWipe,
  backupRetention,
  backupRacingArchivers,
  backupAutoRoundtrip,
  backupRetentionEdges,
];
