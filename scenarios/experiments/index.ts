/** The placement experiments (source 002, 09): latency floor, group-commit curve, contention wall, placement. */
import type { Scenario } from "../scenario.ts";
import { exp1LatencyFloor } from "./exp1-latency-floor.ts";
import { exp2GroupCommitCurve } from "./exp2-group-commit.ts";
import { exp3ContentionWall } from "./exp3-contention-wall.ts";
import { experimentsPlacement } from "./placement-scenario.ts";

export const experimentScenarios: readonly Scenario[] = [
  exp1LatencyFloor,
  exp2GroupCommitCurve,
  exp3ContentionWall,
  experimentsPlacement,
];
