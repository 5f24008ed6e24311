/** The object-store primitive scenarios (E0, E5b): the store's own semantics under faults. */
import type { Scenario } from "../scenario.ts";
import { storeCas } from "./cas.ts";
import { storeCasRateLimit } from "./cas-rate-limit.ts";
import { storeCreateIfAbsent } from "./create-if-absent.ts";
import { storeLatency } from "./latency.ts";
import { storeRace } from "./race.ts";
import { storeReadAfterWrite } from "./read-after-write.ts";

export const storeScenarios: readonly Scenario[] = [
  storeCreateIfAbsent,
  storeCas,
  storeRace,
  storeReadAfterWrite,
  storeLatency,
  storeCasRateLimit,
];
