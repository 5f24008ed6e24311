import type { Scenario } from "../scenario.ts";
import { retentionPeerCursors } from "./peer-cursors.ts";

export const retentionScenarios: readonly Scenario[] = [retentionPeerCursors];
