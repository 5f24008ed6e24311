import type { Scenario } from "../scenario.ts";
import { timersAndKills } from "./timers-and-kills.ts";
import { zombieTimers } from "./zombie-timers.ts";

export const builtinScenarios: readonly Scenario[] = [timersAndKills, zombieTimers];
