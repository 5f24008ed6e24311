/**
 * Cold starts as measurements (E3-1, CS-1) and the probe that takes them (B06).
 *
 * - platform.e3-1-cold-start: a database of a drawn size is seeded, then a probe forces cold
 *   starts one after another: a request cold-starts an instance, then the probe asks it to
 *   restart (`restart`: the instance flushes, releases its lease and exits). Each cold start is
 *   split into container start, lease wait, restore (scales with size) and database open.
 *   The probe's restarts must exit cleanly: an abnormal exit counts toward the platform's
 *   restart backoff, and a crash-looping probe gets its cold starts answered 429 (B06).
 * - platform.cs-1-concurrent-cold-starts: N small services (one database each) on one store
 *   receive their first request at the same moment: N concurrent cold starts; the distribution
 *   and a warm request's latency for comparison (keep-warm / idle-timeout advice).
 */
import { drawBlobStoreOptions, SimBlobStore } from "../../sim/blob-store.ts";
import { percentile } from "../../engine/percentile.ts";
import { drawPlatformOptions } from "../../sim/platform.ts";
import { DETECTION_SEEDS, type Metrics, type Scenario } from "../scenario.ts";
import { drive } from "./lifecycle.ts";
import { PlatformService } from "./service.ts";

/** p50/p99/max of `values`; -1 for each when there were none (a run with no warm start). */
function distribution(name: string, values: readonly number[]): Metrics {
  const empty = values.length === 0;
  return {
    [`${name}P50Ms`]: empty ? -1 : percentile(values, 50),
    [`${name}P99Ms`]: empty ? -1 : percentile(values, 99),
    [`${name}MaxMs`]: empty ? -1 : Math.max(...values),
  };
}

export const e31ColdStart: Scenario = {
  id: "platform.e3-1-cold-start",
  title:
    "E3-1: forced cold starts split into container start, lease, restore and open (the probe restarts cleanly)",
  criteria: ["E3-1", "CS-1"],
  lane: "sim",
  defaultSeeds: DETECTION_SEEDS,
  async run(context) {
    const { world } = context;
    const plan = world.draw("e3-1", (rng) => ({
      seedWrites: rng.int(5, 60),
      bigValueProbability: rng.pick([0, 0.2, 0.6]),
      coldStarts: 6,
    }));
    const service = new PlatformService(context, drawBlobStoreOptions(world), drawPlatformOptions(world));
    service.workload.options.bigValueProbability = plan.bigValueProbability;
    return {
      metrics: await drive(context, async (driver) => {
        for (let n = 0; n < plan.seedWrites; n++) await service.write();
        await service.shutdown(driver);
        const seeded = service.platform.coldStarts.length;
        let throttled = 0;
        for (let n = 0; n < plan.coldStarts; n++) {
          const answer = await service.probe("read");
          if (answer === "failed") throttled++;
          await service.probe("restart");
          while (service.platform.live().length > 0) await driver.sleep(100);
        }
        const starts = service.platform.coldStarts.slice(seeded);
        if (throttled > 0 || service.platform.counters.rejected429 > 0)
          world.violate(
            "restart-backoff",
            `${throttled} of ${plan.coldStarts} probe cold starts were refused (${service.platform.counters.rejected429} answers 429): the probe's restarts count as abnormal exits and the platform throttles them`,
          );
        await service.closingChecks(driver);
        const phase = (name: string) => starts.map((start) => start.phases[name] ?? 0);
        return {
          coldStarts: starts.length,
          abnormalExits: service.platform.counters.abnormalExits,
          storedBytes: service.store.counters.bytesStored,
          ...distribution(
            "total",
            starts.map((start) => start.totalMs),
          ),
          ...distribution(
            "container",
            starts.map((start) => start.containerStartMs),
          ),
          ...distribution("lease", phase("leaseMs")),
          ...distribution("restore", phase("restoreMs")),
          ...distribution("open", phase("openMs")),
        };
      }),
    };
  },
};

export const cs1ConcurrentColdStarts: Scenario = {
  id: "platform.cs-1-concurrent-cold-starts",
  title: "CS-1: N services cold-start at the same moment; distribution vs a warm request",
  criteria: ["CS-1", "E3-1"],
  lane: "sim",
  defaultSeeds: DETECTION_SEEDS,
  async run(context) {
    const { world } = context;
    const plan = world.draw("cs-1", (rng) => ({ services: rng.int(2, 20) }));
    const store = new SimBlobStore(world, drawBlobStoreOptions(world));
    const platformOptions = drawPlatformOptions(world);
    const services: PlatformService[] = [];
    for (let n = 0; n < plan.services; n++) {
      const prefix = `tenant${n}`;
      const service = new PlatformService(
        context,
        {},
        platformOptions,
        { prefix, dbId: prefix },
        `svc${n}`,
        undefined,
        store,
      );
      services.push(service);
    }
    return {
      metrics: await drive(context, async (driver) => {
        const coldMs: number[] = [];
        const warmMs: number[] = [];
        await Promise.all(
          services.map(async (service) => {
            const startedMs = world.nowMs;
            if ((await service.write()).status !== "acked")
              world.violate(
                "cold-start-failed",
                `${service.platform.service}: the first request was not served`,
              );
            coldMs.push(world.nowMs - startedMs);
            const warmStartMs = world.nowMs;
            await service.write();
            warmMs.push(world.nowMs - warmStartMs);
          }),
        );
        for (const service of services) await service.shutdown(driver);
        return { services: plan.services, ...distribution("cold", coldMs), ...distribution("warm", warmMs) };
      }),
    };
  },
};

export const coldStartScenarios: readonly Scenario[] = [e31ColdStart, cs1ConcurrentColdStarts];
