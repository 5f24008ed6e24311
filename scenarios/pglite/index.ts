/** Scenarios on real Postgres (PGlite): the "pglite" lane, few seeds each (issue 10). */
import type { Scenario } from "../scenario.ts";
import { pgliteKillPoints } from "./kill-points.ts";
import { pgliteLocalCrash } from "./local-crash.ts";

export const pgliteScenarios: readonly Scenario[] = [pgliteKillPoints, pgliteLocalCrash];
