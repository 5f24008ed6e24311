/**
 * The platform lifecycle hazards E4-1 … E4-4 (the source's E4 probes, on the simulated platform):
 *
 * - E4-1 idle past the TTL: the CPU is throttled while idle, so a background heartbeat does not
 *   fire; the next write self-heals the lease on the request path (ensureLease) and commits.
 * - E4-2 SIGTERM with pending relaxed writes across a revision switch: the old instance keeps
 *   answering reads while the new one waits for its lease; its idle flush (25 s) lands inside
 *   the lease TTL, so the new instance's fence stamp never precedes it (B05).
 * - E4-2B SIGKILL without grace: relaxed loss bounded to writes never flushed, strict loss none;
 *   the next instance restores cleanly.
 * - E4-3 20 revision switches, a durable write after each: one lease holder at a time, no
 *   manifest interleaving, the new revision waits for the lease instead of failing.
 * - E4-4 two services on one prefix: the idle service's instance is taken over by the rival's;
 *   its next write is refused (fenced) and the rival's data stays intact.
 */
import { decodeLease } from "../../engine/lease/index.ts";
import { drawBlobStoreOptions } from "../../sim/blob-store.ts";
import { drawPlatformOptions } from "../../sim/platform.ts";
import type { SimProcess } from "../../sim/process.ts";
import { DETECTION_SEEDS, type Metrics, type Scenario, type ScenarioContext } from "../scenario.ts";
import { LEASE_TTL_MS, TAKEOVER_GRACE_MS } from "./app.ts";
import { PlatformService } from "./service.ts";

/** Runs `body` in a driver process, then the world to quiescence; returns the body's metrics. */
export async function drive(
  context: ScenarioContext,
  body: (driver: SimProcess) => Promise<Metrics>,
): Promise<Metrics> {
  const driver = context.world.spawn("driver");
  let metrics: Metrics = {};
  void driver
    .start(async (self) => {
      metrics = await body(self);
    })
    .catch((error: unknown) => {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      context.world.violate("scenario-crash", `the driver failed: ${message}`);
    });
  await context.world.run();
  return metrics;
}

async function burst(
  service: PlatformService,
  driver: SimProcess,
  writes: number,
  gapMaxMs: number,
): Promise<void> {
  const pending: Array<Promise<unknown>> = [];
  for (let n = 0; n < writes; n++) {
    pending.push(service.write());
    await driver.sleep(driver.rng.int(50, gapMaxMs));
  }
  await Promise.all(pending);
}

/**
 * Manifest writes whose writer's own last lease write (before it, by the store's history) had
 * lapsed: a commit must land under a live lease, renewed on the request path if need be. The
 * platform's instances share the world's clock, so a lease's expiresAtMs reads on the timeline.
 */
function commitsUnderLapsedLease(
  service: PlatformService,
  epochMs: number,
): Array<{ process: string; atMs: number; expiredAtMs: number }> {
  const { tap } = service;
  const lapsed: Array<{ process: string; atMs: number; expiredAtMs: number }> = [];
  const leaseExpiry = new Map<string, number>();
  for (const { mutation, bytes } of tap.writes) {
    if (mutation.key === tap.leaseKey) {
      const record = decodeLease(bytes, mutation.key);
      leaseExpiry.set(mutation.process, record.expiresAtMs - epochMs);
    } else if (mutation.key === tap.manifestKey) {
      const expiredAtMs = leaseExpiry.get(mutation.process);
      if (expiredAtMs !== undefined && expiredAtMs <= mutation.atMs)
        lapsed.push({ process: mutation.process, atMs: mutation.atMs, expiredAtMs });
    }
  }
  return lapsed;
}

export const e41IdlePastTtl: Scenario = {
  id: "platform.e4-1-idle-past-ttl",
  title: "E4-1: throttled CPU, no heartbeat while idle; the request path self-heals the lease",
  criteria: ["E4-1"],
  lane: "sim",
  defaultSeeds: 100,
  async run(context) {
    const { world } = context;
    const plan = world.draw("e4-1", (rng) => ({
      writesBefore: rng.int(1, 4),
      idleMs: rng.int(LEASE_TTL_MS + TAKEOVER_GRACE_MS + 1_000, 10 * 60_000),
      // Half the seeds run with no heartbeat at all: the request path alone must keep the lease.
      heartbeat: rng.pick([true, false]),
    }));
    const service = new PlatformService(
      context,
      drawBlobStoreOptions(world),
      drawPlatformOptions(world, { idleShutdownMs: 15 * 60_000 }),
      { heartbeatMs: plan.heartbeat ? LEASE_TTL_MS / 3 : null },
    );
    return {
      metrics: await drive(context, async (driver) => {
        await burst(service, driver, plan.writesBefore, 500);
        await driver.sleep(1_000);
        const idleFromMs = world.nowMs;
        await driver.sleep(plan.idleMs);
        const idleToMs = world.nowMs;
        const after = await service.write();
        const whileIdle = service.app.heartbeats.filter(
          (beat) => beat.atMs - world.epochMs > idleFromMs && beat.atMs - world.epochMs < idleToMs,
        ).length;
        if (whileIdle > 0)
          world.violate(
            "cpu-throttled-idle",
            `${whileIdle} heartbeats fired while the instance was idle (throttled)`,
          );
        if (after.status !== "acked")
          world.violate(
            "lease-self-heal",
            `the write after ${plan.idleMs} ms idle was ${after.status}: the request path did not self-heal the lease`,
          );
        const lapsed = commitsUnderLapsedLease(service, world.epochMs);
        if (lapsed.length > 0)
          world.violate(
            "lease-self-heal",
            `${lapsed[0]!.process} committed the manifest at ${lapsed[0]!.atMs} ms under a lease that lapsed at ${lapsed[0]!.expiredAtMs} ms: the request path did not renew it first`,
          );
        await service.closingChecks(driver);
        return { heartbeatsWhileIdle: whileIdle, idleMs: plan.idleMs, ...service.counts() };
      }),
    };
  },
};

export const e42SigtermRelaxed: Scenario = {
  id: "platform.e4-2-sigterm-relaxed",
  title: "E4-2: pending relaxed writes across a revision switch; the flush lands before the new fence stamp",
  criteria: ["E4-2", "E4-3"],
  lane: "sim",
  defaultSeeds: 100,
  async run(context) {
    const { world } = context;
    const plan = world.draw("e4-2", (rng) => ({
      writes: rng.int(1, 8),
      deployAfterMs: rng.int(0, 20_000),
      readEveryMaxMs: rng.int(1_000, 4_000),
    }));
    const service = new PlatformService(context, drawBlobStoreOptions(world), drawPlatformOptions(world), {
      mode: "relaxed",
    });
    return {
      metrics: await drive(context, async (driver) => {
        await burst(service, driver, plan.writes, 1_000);
        await driver.sleep(plan.deployAfterMs);
        const next = service.platform.deploy();
        // The old revision keeps answering (reads) until the new one is ready.
        while (next.state === "starting") {
          void service.read();
          await driver.sleep(driver.rng.int(200, plan.readEveryMaxMs));
        }
        const after = await service.write();
        if (after.status !== "acked")
          world.violate(
            "revision-switch-liveness",
            `the first write to the new revision was ${after.status}`,
          );
        await service.closingChecks(driver);
        return { ...service.counts(), switchedAtMs: world.nowMs };
      }),
    };
  },
};

export const e42bSigkill: Scenario = {
  id: "platform.e4-2b-sigkill",
  title: "E4-2B: SIGKILL without grace; loss bounded to never-flushed relaxed writes, clean restore",
  criteria: ["E4-2B", "DUR-1"],
  lane: "sim",
  defaultSeeds: 100,
  async run(context) {
    const { world } = context;
    const plan = world.draw("e4-2b", (rng) => ({
      mode: rng.pick(["strict", "relaxed"] as const),
      writes: rng.int(2, 12),
      killAfterMs: rng.int(0, 40_000),
      writeGapMaxMs: rng.pick([300, 3_000, 15_000]),
    }));
    const service = new PlatformService(context, drawBlobStoreOptions(world), drawPlatformOptions(world), {
      mode: plan.mode,
    });
    return {
      metrics: await drive(context, async (driver) => {
        const writes = burst(service, driver, plan.writes, plan.writeGapMaxMs);
        await driver.sleep(plan.killAfterMs);
        for (const instance of service.platform.live()) service.platform.kill(instance, "SIGKILL, no grace");
        await writes;
        const after = await service.write();
        if (after.status !== "acked")
          world.violate("restart-liveness", `the write after the kill was ${after.status}`);
        await service.closingChecks(driver);
        return { ...service.counts(), mode: plan.mode };
      }),
    };
  },
};

export const e43RevisionSwitches: Scenario = {
  id: "platform.e4-3-revision-switches",
  title: "E4-3: 20 revision switches with a durable write after each; one holder, no interleaving",
  criteria: ["E4-3", "FEN-1"],
  lane: "sim",
  defaultSeeds: DETECTION_SEEDS,
  async run(context) {
    const { world } = context;
    const plan = world.draw("e4-3", (rng) => ({ cycles: 20, readEveryMaxMs: rng.int(1_000, 8_000) }));
    const service = new PlatformService(context, drawBlobStoreOptions(world), drawPlatformOptions(world));
    return {
      metrics: await drive(context, async (driver) => {
        await service.write();
        let failedCycles = 0;
        for (let cycle = 0; cycle < plan.cycles; cycle++) {
          const next = service.platform.deploy();
          while (next.state === "starting") {
            void service.read();
            await driver.sleep(driver.rng.int(200, plan.readEveryMaxMs));
          }
          const write = await service.write();
          if (write.status !== "acked") failedCycles++;
        }
        if (failedCycles > 0)
          world.violate(
            "revision-switch-liveness",
            `${failedCycles} of ${plan.cycles} post-switch writes were not acked`,
          );
        await service.closingChecks(driver);
        return {
          ...service.counts(),
          cycles: plan.cycles,
          switches: service.platform.counters.revisionSwitches,
        };
      }),
    };
  },
};

export const e44TwoServices: Scenario = {
  id: "platform.e4-4-two-services",
  title: "E4-4: two services on one prefix; the idle one is taken over, its next write is refused",
  criteria: ["E4-4", "FEN-1"],
  lane: "sim",
  defaultSeeds: 100,
  async run(context) {
    const { world } = context;
    const plan = world.draw("e4-4", (rng) => ({
      writesA: rng.int(1, 5),
      rivalAfterMs: rng.int(0, 30_000),
      writesB: rng.int(1, 5),
      zombieAfterMs: rng.int(0, 20_000),
    }));
    const storeOptions = drawBlobStoreOptions(world);
    const platformOptions = drawPlatformOptions(world);
    const a = new PlatformService(context, storeOptions, platformOptions, {}, "svcA");
    const b = new PlatformService(context, storeOptions, platformOptions, {}, "svcB", a);
    return {
      metrics: await drive(context, async (driver) => {
        await burst(a, driver, plan.writesA, 800);
        await driver.sleep(plan.rivalAfterMs);
        await burst(b, driver, plan.writesB, 800);
        await driver.sleep(plan.zombieAfterMs);
        // A's instance is still up (throttled): it is now a zombie, its write must be refused.
        const zombieWrite = await a.write();
        if (zombieWrite.status === "acked" && a.platform.instances.length === 1)
          world.violate(
            "zombie-refused",
            `the zombie service's write ${zombieWrite.id} was acked after the rival took over`,
          );
        await a.shutdown(driver);
        await b.closingChecks(driver);
        return { ...b.counts(), zombieWrite: zombieWrite.status };
      }),
    };
  },
};
