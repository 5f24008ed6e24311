/** The WAL shipping, model database and restore scenarios (issue 5). */
import type { Scenario } from "../scenario.ts";
import { walCrashRestart, walE2bKillPoints } from "./crash-restart.ts";
import { walE2Roundtrip } from "./e2-roundtrip.ts";
import { e2cScenarios } from "./e2c.ts";
import { walStoredDamage } from "./stored-damage.ts";
import { walZombieHandover } from "./zombie-handover.ts";

export const walScenarios: readonly Scenario[] = [
  walCrashRestart,
  walE2bKillPoints,
  walE2Roundtrip,
  walZombieHandover,
  ...e2cScenarios,
  walStoredDamage,
];
