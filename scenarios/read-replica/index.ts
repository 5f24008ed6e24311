/** The read replica scenarios (E2D-1). */
import type { Scenario } from "../scenario.ts";
import { readReplicaFollowManifest } from "./follow-manifest.ts";

export const readReplicaScenarios: readonly Scenario[] = [readReplicaFollowManifest];
