import type { Scenario } from "../scenario.ts";
import { contenders } from "./contenders.ts";
import { handover } from "./handover.ts";
import { lockedOut } from "./locked-out.ts";
import { renewJitter } from "./renew-jitter.ts";
import { simultaneousTakeover } from "./simultaneous-takeover.ts";
import { leaseWaitOut } from "./wait-out.ts";
import { zombie } from "./zombie.ts";

export const leaseScenarios: readonly Scenario[] = [
  lockedOut,
  simultaneousTakeover,
  zombie,
  renewJitter,
  handover,
  contenders,
  leaseWaitOut,
];
