/** Scenarios on real Postgres (PGlite): the "pglite" lane, few seeds each (issue 10). */
import type { Scenario } from "../scenario.ts";
import { pgliteKillPoints } from "./kill-points.ts";
import { pgliteLocalCrash } from "./local-crash.ts";
import { pgliteSnapshotSize } from "./snapshot-size.ts";
import { pgliteWalLives } from "./wal-lives.ts";
import { pgliteRoundtrip1Mb, pgliteRoundtrip10Mb, pgliteRoundtrip100Mb } from "./roundtrip.ts";

export const pgliteScenarios: readonly Scenario[] = [
  pgliteKillPoints,
  pgliteLocalCrash,
  pgliteRoundtrip1Mb,
  pgliteRoundtrip10Mb,
  pgliteRoundtrip100Mb,
  pgliteSnapshotSize,
  pgliteWalLives,
];
