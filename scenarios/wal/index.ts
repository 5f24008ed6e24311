/** The WAL shipping, model database and restore scenarios (issue 5). */
import type { Scenario } from "../scenario.ts";
import { walCrashRestart, walE2bKillPoints } from "./crash-restart.ts";

export const walScenarios: readonly Scenario[] = [walCrashRestart, walE2bKillPoints];
