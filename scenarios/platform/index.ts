/** The platform lifecycle scenarios (issue 6): E4-1 … E4-5, E4-2B, cold starts, the 72 h soak. */
import type { Scenario } from "../scenario.ts";
import { coldStartScenarios } from "./cold-start.ts";
import { handoverScenarios } from "./handover.ts";
import { soak72h } from "./soak.ts";
import {
  e41IdlePastTtl,
  e42bSigkill,
  e42SigtermRelaxed,
  e43RevisionSwitches,
  e44TwoServices,
} from "./lifecycle.ts";

export const platformScenarios: readonly Scenario[] = [
  e41IdlePastTtl,
  e42SigtermRelaxed,
  e42bSigkill,
  e43RevisionSwitches,
  e44TwoServices,
  ...handoverScenarios,
  soak72h,
  ...coldStartScenarios,
];
