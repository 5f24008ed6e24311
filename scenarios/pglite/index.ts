/** Scenarios on real Postgres (PGlite): the "pglite" lane, few seeds each (issue 10). */
import type { Scenario } from "../scenario.ts";
import { pgliteKillPoints } from "./kill-points.ts";

export const pgliteScenarios: readonly Scenario[] = [pgliteKillPoints];
