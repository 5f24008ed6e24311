/** Cold-backup scenarios (E6-A..E6-G). */
import type { Scenario } from "../scenario.ts";
import { backupKillMidBackup } from "./kill-mid-backup.ts";

export const backupScenarios: readonly Scenario[] = [backupKillMidBackup];
