/** Shared pieces for the retention tests: a hand-driven clock and a standard configuration. */
import type { Clock } from "../runtime.ts";
import { resolveRetentionConfig, type RetentionOptions } from "./config.ts";
import { OpIdGenerator } from "./op-id.ts";
import type { OpsLog } from "./storage.ts";

export const T0 = 1_767_225_600_000;

export class ManualClock implements Clock {
  constructor(public now = T0) {}
  nowMs(): number {
    return this.now;
  }
  async sleepMs(ms: number): Promise<void> {
    this.now += ms;
  }
}

export function testConfig(options: Partial<RetentionOptions> = {}) {
  return resolveRetentionConfig({
    retentionMs: 60_000,
    cursorSafetyMarginMs: 5_000,
    batchLimit: 10,
    maxBatchesPerTick: 3,
    sweepLimitMax: 100,
    plausibility: { dataEpochMs: T0 - 86_400_000, maxFutureSkewMs: 30_000 },
    ...options,
  });
}

/** Appends `count` ops, one per `stepMs`, advancing the clock; returns their IDs. */
export async function appendOps(
  log: OpsLog,
  clock: ManualClock,
  ids: OpIdGenerator,
  count: number,
  stepMs = 1_000,
) {
  const made: string[] = [];
  for (let i = 0; i < count; i++) {
    clock.now += stepMs;
    const id = ids.next(clock.now);
    await log.append({ id, table: "uploads", body: `row${i}` });
    made.push(id);
  }
  return made;
}
