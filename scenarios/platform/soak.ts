/**
 * E5, the 72-hour soak with a cost model, on the simulated platform.
 *
 * Traffic is long-tail: bursts of writes and reads separated by idle gaps drawn from a mixture
 * (mostly minutes, sometimes hours), so the service scales to zero and cold-starts again many
 * times; about 1,000 writes a day. A chaos loop kills the instance (no grace) and deploys new
 * revisions at random. Every couple of simulated hours a checker restores the current manifest
 * in a fresh process and judges it against the history (per-row md5 checksums, acked-write
 * durability) and checks the durable watermark (the manifest's commitSeq never goes back).
 * Idle time is jumped over by the scheduler, never ticked.
 *
 * At the end: every instance is shut down, retention GC deletes every data object the manifest
 * no longer references (keeping the current snapshot, its WAL ranges and the previous snapshot:
 * at least one full restorable generation, E5-3), and a restore after GC must succeed and agree
 * with the history. The metrics carry the operation counts by class and a modeled monthly cost
 * from fixtures/prices/gcs-cloud-run.json (E5-2).
 */
import { readManifest } from "../../engine/manifest/cas.ts";
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { type BlobStore, listAll } from "../../engine/blobstore/blob-store.ts";
import {
  AmbiguousWriteError,
  NotFoundError,
  RateLimitedError,
  TransientError,
} from "../../engine/blobstore/errors.ts";
import { drawBlobStoreOptions } from "../../sim/blob-store.ts";
import { drawPlatformOptions } from "../../sim/platform.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { Scenario } from "../scenario.ts";
import { DEFAULT_APP_CONFIG } from "./app.ts";
import { loadPriceTable, monthlyCost } from "./cost-model.ts";
import { drive } from "./lifecycle.ts";
import { PlatformService } from "./service.ts";

const HOUR_MS = 3600_000;

export interface SoakPlan {
  hours: number;
  /** Mean writes per burst (geometric). */
  burstWritesMean: number;
  /** Idle gaps: short ones (exponential mean), long ones (log-normal median), and the mix. */
  shortGapMeanMs: number;
  longGapMedianMs: number;
  longGapProbability: number;
  killEveryMeanMs: number;
  deployEveryMeanMs: number;
  checkEveryMs: number;
}

export const SOAK_72H: SoakPlan = {
  hours: 72,
  burstWritesMean: 6,
  shortGapMeanMs: 3 * 60_000,
  longGapMedianMs: 40 * 60_000,
  longGapProbability: 0.15,
  killEveryMeanMs: 6 * HOUR_MS,
  deployEveryMeanMs: 8 * HOUR_MS,
  checkEveryMs: 2 * HOUR_MS,
};

async function traffic(
  service: PlatformService,
  driver: SimProcess,
  plan: SoakPlan,
  endMs: number,
): Promise<void> {
  const rng = driver.rng.fork("traffic");
  const world = service.world;
  while (world.nowMs < endMs) {
    const gapMs = rng.chance(plan.longGapProbability)
      ? rng.logNormal(plan.longGapMedianMs, 0.8)
      : rng.exponential(plan.shortGapMeanMs);
    await driver.sleep(Math.round(gapMs));
    if (world.nowMs >= endMs) break;
    const pending: Array<Promise<unknown>> = [];
    let writes = 1;
    while (rng.chance(1 - 1 / plan.burstWritesMean) && writes < 200) writes++;
    for (let n = 0; n < writes; n++) {
      pending.push(service.write());
      if (rng.chance(0.3)) pending.push(service.read());
      await driver.sleep(rng.int(100, 3_000));
    }
    await Promise.all(pending);
  }
}

async function chaos(
  service: PlatformService,
  driver: SimProcess,
  plan: SoakPlan,
  endMs: number,
): Promise<void> {
  const rng = driver.rng.fork("chaos");
  const world = service.world;
  const rate = 1 / plan.killEveryMeanMs + 1 / plan.deployEveryMeanMs;
  for (;;) {
    await driver.sleep(Math.round(rng.exponential(1 / rate)));
    if (world.nowMs >= endMs) return;
    if (rng.chance(plan.deployEveryMeanMs / (plan.killEveryMeanMs + plan.deployEveryMeanMs))) {
      const live = service.platform.live();
      if (live.length > 0) service.platform.kill(rng.pick(live), "chaos: SIGKILL");
    } else service.platform.deploy();
  }
}

async function checker(
  service: PlatformService,
  driver: SimProcess,
  plan: SoakPlan,
  endMs: number,
  stats: { checks: number; watermark: number },
): Promise<void> {
  const world = service.world;
  while (world.nowMs + plan.checkEveryMs < endMs) {
    await driver.sleep(plan.checkEveryMs);
    const view = await service.verify(`check.${++stats.checks}`);
    if (view === null) continue;
    if (view.commitSeq < stats.watermark)
      world.violate(
        "durable-watermark",
        `manifest commitSeq went back from ${stats.watermark} to ${view.commitSeq} at check ${stats.checks}`,
      );
    stats.watermark = Math.max(stats.watermark, view.commitSeq);
  }
}

/** Every key under `prefix`; a listing that fails on a transient answer is started over. */
async function listWithRetries(client: BlobStore, prefix: string, gc: SimProcess): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const keys: string[] = [];
      for await (const object of listAll(client, prefix)) keys.push(object.key);
      return keys;
    } catch (error) {
      const retryable = error instanceof TransientError || error instanceof RateLimitedError;
      if (!retryable || attempt >= 8) throw error;
      await gc.sleep(250 * attempt);
    }
  }
}

/** Deletes are idempotent: retry transient answers; an earlier attempt that applied means "not found". */
async function deleteWithRetries(client: BlobStore, key: string, gc: SimProcess): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.delete(key);
      return;
    } catch (error) {
      if (error instanceof NotFoundError) return;
      const retryable =
        error instanceof TransientError ||
        error instanceof AmbiguousWriteError ||
        error instanceof RateLimitedError;
      if (!retryable || attempt >= 8) throw error;
      await gc.sleep(250 * attempt);
    }
  }
}

/** Deletes every data object the current manifest does not reference; returns bytes freed. */
async function retentionGc(
  service: PlatformService,
  gc: SimProcess,
): Promise<{ deleted: number; kept: number }> {
  const client = service.store.client(gc);
  const prefix = service.app.config.prefix;
  const current = await readManifest(client, manifestKey(prefix), { clock: gc.clock });
  if (current === null) return { deleted: 0, kept: 0 };
  const { manifest } = current;
  const referenced = new Set<string>(manifest.segments.map((segment) => segment.key));
  if (manifest.snapshot) referenced.add(manifest.snapshot.key);
  if (manifest.previousSnapshot) referenced.add(manifest.previousSnapshot.key);
  let deleted = 0;
  let kept = 0;
  for (const key of await listWithRetries(client, `${prefix}/data/`, gc)) {
    if (referenced.has(key)) {
      kept++;
      continue;
    }
    await deleteWithRetries(client, key, gc);
    deleted++;
  }
  if (manifest.snapshot === null || !referenced.has(manifest.snapshot.key))
    service.world.violate("restorable-generation", "after GC the manifest names no full snapshot");
  return { deleted, kept };
}

export function soakScenario(id: string, plan: SoakPlan, defaultSeeds: number): Scenario {
  return {
    id,
    title: `E5: ${plan.hours} h long-tail soak with kills and revision switches, GC, restore, modeled monthly cost`,
    criteria: ["E5-1", "E5-2", "E5-3"],
    lane: "sim",
    defaultSeeds,
    async run(context) {
      const { world } = context;
      const service = new PlatformService(
        context,
        drawBlobStoreOptions(world),
        drawPlatformOptions(world, { maxInstances: 1 }),
        { mode: "strict", wal: { ...DEFAULT_APP_CONFIG.wal, compactAtBytes: 256 * 1024 } },
      );
      const prices = loadPriceTable();
      const endMs = plan.hours * HOUR_MS;
      return {
        metrics: await drive(context, async (driver) => {
          const stats = { checks: 0, watermark: 0 };
          await Promise.all([
            traffic(service, driver, plan, endMs),
            chaos(service, driver, plan, endMs),
            checker(service, driver, plan, endMs, stats),
          ]);
          const periodMs = world.nowMs;
          await service.shutdown(driver);
          const final = await service.verify("verify.before-gc");
          const bytesBeforeGc = service.store.counters.bytesStored;
          const gcProcess = world.spawn("gc");
          const gc = await retentionGc(service, gcProcess);
          gcProcess.kill("done");
          const afterGc = await service.verify("verify.after-gc");
          if (final && afterGc && afterGc.rows.length !== final.rows.length)
            world.violate(
              "gc-restore",
              `restore after GC has ${afterGc.rows.length} rows, before GC ${final.rows.length}`,
            );
          const { counters } = service.store;
          const usage = {
            periodMs,
            classA: counters.classA,
            classB: counters.classB,
            deletes: counters.deletes,
            bytesStored: counters.bytesStored,
            cpuBusyMs: service.platform.billedCpuMs(),
            requests: service.platform.counters.requests,
          };
          const cost = monthlyCost(usage, prices);
          const counts = service.counts();
          const round = (usd: number) => Number(usd.toFixed(5));
          return {
            simHours: Number((periodMs / HOUR_MS).toFixed(1)),
            writesPerDay: Math.round(service.writes.length / (periodMs / (24 * HOUR_MS))),
            ...counts,
            checks: stats.checks,
            coldStarts: service.platform.counters.coldStarts,
            kills: service.platform.counters.kills,
            revisionSwitches: service.platform.counters.revisionSwitches,
            classA: counters.classA,
            classB: counters.classB,
            deletes: counters.deletes,
            bytesStoredBeforeGc: bytesBeforeGc,
            bytesStoredAfterGc: counters.bytesStored,
            gcDeleted: gc.deleted,
            gcKept: gc.kept,
            cpuBusyS: Math.round(usage.cpuBusyMs / 1000),
            monthlyStorageUsd: round(cost.storageUsd),
            monthlyClassAUsd: round(cost.classAUsd),
            monthlyClassBUsd: round(cost.classBUsd),
            monthlyStoreUsd: round(cost.storeUsd),
            monthlyPlatformUsd: round(cost.platformCpuUsd + cost.platformMemoryUsd + cost.requestsUsd),
            monthlyTotalUsd: round(cost.totalUsd),
            monthlyTotalAfterFreeTierUsd: round(cost.totalAfterFreeTierUsd),
          };
        }),
      };
    },
  };
}

export const soak72h = soakScenario("platform.e5-soak-72h", SOAK_72H, 3);
