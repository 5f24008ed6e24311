/**
 * FEN-1 / FEN-2 under chaos: 2–5 contenders for one database, each with its own clock offset,
 * acquiring, committing, releasing and re-acquiring, while a schedule pauses them (zombies),
 * kills them (restarted after a while as a new life), and the store answers 429s, 503s,
 * timeouts and ambiguous writes. Whatever happens, the single-writer checker must hold, and
 * every acked commit must be in the final manifest.
 *
 * The schedule is plain data, drawn here from the seed for `blobsim run`, and generated and
 * shrunk by fast-check in contenders.property.test.ts, which runs the same `runContenders`.
 */
import { FencedError, LockedError } from "../../engine/node/roles.ts";
import type { BlobStoreOptions } from "../../sim/blob-store.ts";
import type { Rng } from "../../sim/rng.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Metrics, Scenario, ScenarioContext } from "../scenario.ts";
import { launch, LeaseWorld, pausingFaults } from "./lease-world.ts";

export interface ContenderPlan {
  clockOffsetMs: number;
  startAtMs: number;
  commitsPerTenure: number;
  commitGapMeanMs: number;
  /** Chance of releasing the lease at the end of a tenure (else it just stops renewing). */
  releaseChance: number;
  pauses: Array<{ atMs: number; forMs: number }>;
  /** Pauses at an engine fault point (on its `visit`-th hit in one life): the zombie windows. */
  pointPauses: Array<{ point: LeasePausePoint; visit: number; forMs: number }>;
  kills: Array<{ atMs: number; restartAfterMs: number }>;
}

export const LEASE_PAUSE_POINTS = [
  "lease.before-commit-cas",
  "lease.after-acquire-before-stamp",
  "lease.after-stamp",
  "lease.before-renew",
] as const;
export type LeasePausePoint = (typeof LEASE_PAUSE_POINTS)[number];

export interface ContendersSchedule {
  runMs: number;
  contenders: ContenderPlan[];
  store: Pick<
    BlobStoreOptions,
    | "transientErrorProbability"
    | "timeoutProbability"
    | "ambiguousBeforeApplyProbability"
    | "ambiguousAfterApplyProbability"
    | "requestTimeoutMs"
  >;
}

export function drawContendersSchedule(rng: Rng): ContendersSchedule {
  const runMs = rng.pick([120_000, 300_000]);
  const rate = (): number => (rng.chance(0.5) ? rng.pick([0.005, 0.02, 0.05]) : 0);
  const contenders = Array.from({ length: rng.int(2, 5) }, () => ({
    clockOffsetMs: rng.int(-3_000, 3_000),
    startAtMs: rng.int(0, 30_000),
    commitsPerTenure: rng.int(1, 6),
    commitGapMeanMs: rng.pick([200, 2_000, 20_000]),
    releaseChance: rng.pick([0, 0.5, 1]),
    pauses: Array.from({ length: rng.int(0, 2) }, () => ({
      atMs: rng.int(0, runMs),
      forMs: rng.pick([500, 30_000, 70_000, 150_000]),
    })),
    pointPauses: Array.from({ length: rng.int(0, 2) }, () => ({
      point: rng.pick(LEASE_PAUSE_POINTS),
      visit: rng.int(1, 4),
      forMs: rng.pick([1_000, 70_000, 150_000]),
    })),
    kills: Array.from({ length: rng.int(0, 2) }, () => ({
      atMs: rng.int(0, runMs),
      restartAfterMs: rng.int(0, 30_000),
    })),
  }));
  return {
    runMs,
    contenders,
    store: {
      transientErrorProbability: rate(),
      timeoutProbability: rate(),
      ambiguousBeforeApplyProbability: rate(),
      ambiguousAfterApplyProbability: rate(),
      requestTimeoutMs: rng.pick([2_000, 10_000]),
    },
  };
}

/** Runs one schedule in `context.world` and checks it; violations go to the world. */
export async function runContenders(
  context: ScenarioContext,
  schedule: ContendersSchedule,
): Promise<Metrics> {
  const { world } = context;
  const leases = new LeaseWorld(context, { ...schedule.store, name: "blobstore" });
  const current: SimProcess[] = [];
  let tenures = 0;

  const startLife = (index: number, plan: ContenderPlan, life: number, delayMs: number): void => {
    const process = world.spawn(`C${index}.${life}`, { clockOffsetMs: plan.clockOffsetMs });
    current[index] = process;
    const faults = pausingFaults(process, (point, visit) => {
      const pause = plan.pointPauses.find((p) => p.point === point && p.visit === visit);
      if (!pause) return;
      process.pause();
      world.scheduler.after(pause.forMs, "world", "chaos.resume", () => process.resume());
    });
    launch(process, async (self) => {
      await self.sleep(delayMs);
      while (world.nowMs < schedule.runMs) {
        const lease = leases.lease(self, { faults });
        try {
          let state = (await lease.acquire()).manifest;
          tenures++;
          for (let n = 0; n < plan.commitsPerTenure; n++) {
            await self.sleep(Math.round(self.rng.exponential(plan.commitGapMeanMs)));
            state = await leases.commit(self, lease, state, 10 + self.rng.int(0, 90), faults);
          }
          if (self.rng.chance(plan.releaseChance)) await lease.release();
        } catch (error) {
          // Locked out, fenced, or a store failure that outlasted the retries: try again later.
          const expected = error instanceof LockedError || error instanceof FencedError;
          self.log("contender.setback", { error: error instanceof Error ? error.name : "?", expected });
        }
        await self.sleep(self.rng.int(1_000, 20_000));
      }
    });
  };

  schedule.contenders.forEach((plan, index) => {
    let life = 0;
    startLife(index, plan, life, plan.startAtMs);
    for (const pause of plan.pauses) {
      world.scheduler.after(pause.atMs, "world", "chaos.pause", () => {
        const process = current[index]!;
        process.pause();
        world.scheduler.after(pause.forMs, "world", "chaos.resume", () => process.resume());
      });
    }
    for (const kill of [...plan.kills].sort((x, y) => x.atMs - y.atMs)) {
      world.scheduler.after(kill.atMs, "world", "chaos.kill", () => {
        current[index]!.kill("chaos");
        life++;
        startLife(index, plan, life, kill.restartAfterMs);
      });
    }
  });

  await world.run();
  leases.checkSingleWriter();
  leases.checkAckedDurable();
  return { contenders: schedule.contenders.length, tenures, acked: leases.acked.length };
}

export const contenders: Scenario = {
  id: "lease.contenders",
  title: "FEN-1/2: 2-5 contenders with pauses, skewed clocks, kills, restarts and store faults",
  criteria: ["FEN-1", "FEN-2"],
  lane: "sim",
  defaultSeeds: 200,
  async run(context) {
    const schedule = drawContendersSchedule(context.world.rng.fork("swarm:lease.contenders"));
    context.world.log("world", "swarm", {
      component: "lease.contenders",
      schedule: JSON.stringify(schedule),
    });
    return { metrics: await runContenders(context, schedule) };
  },
};
