/**
 * E4-5, the idle-shutdown vs new-request race, in both shapes of the source's handover probe and
 * under both durability modes. The platform shuts the idle instance O down (SIGTERM; its handler
 * is stretched as the source's probe did, to widen the window) and a new request arrives during
 * the grace period: the platform routes it to a NEW instance S.
 *
 * - flush-during-wait: S boots early in O's grace period; S reads the manifest (to restore
 *   early), then waits for the lease while O flushes and releases it.
 * - boot-during-flush: S's boot begins while O's final flush is in flight.
 *
 * Checked: S waits for the lease instead of failing (B03) and serves the request; S adopts the
 * manifest as of AFTER it won the lease, so O's final flush (relaxed writes acked before the
 * SIGTERM) survives S's first commit (B09); single writer throughout.
 */
import type { DurabilityMode } from "../../engine/wal/durable-database.ts";
import { drawBlobStoreOptions } from "../../sim/blob-store.ts";
import { drawPlatformOptions } from "../../sim/platform.ts";
import type { Scenario } from "../scenario.ts";
import { drive } from "./lifecycle.ts";
import { PlatformService } from "./service.ts";

type Shape = "flush-during-wait" | "boot-during-flush";

function handoverScenario(shape: Shape, mode: DurabilityMode): Scenario {
  return {
    id: `platform.e4-5-${shape}-${mode}`,
    title: `E4-5: idle shutdown vs new request (${shape}, ${mode}): the new instance waits and sees the final flush`,
    criteria: ["E4-5", "E4-2", "FEN-1"],
    lane: "sim",
    defaultSeeds: 100,
    async run(context) {
      const { world } = context;
      const plan = world.draw(`e4-5-${shape}-${mode}`, (rng) => ({
        writes: rng.int(1, 6),
        idleShutdownMs: rng.int(3_000, 20_000),
        stretchMs: rng.int(3_000, 7_000),
        containerStartMs: rng.int(1_500, 2_500),
        jitterMs: rng.int(-300, 500),
      }));
      const service = new PlatformService(
        context,
        drawBlobStoreOptions(world),
        drawPlatformOptions(world, {
          idleShutdownMs: plan.idleShutdownMs,
          containerStartMs: plan.containerStartMs,
          containerStartSigma: 0.05,
        }),
        { mode, sigtermStretchMs: plan.stretchMs },
      );
      return {
        metrics: await drive(context, async (driver) => {
          const pending: Array<Promise<unknown>> = [];
          for (let n = 0; n < plan.writes; n++) {
            pending.push(service.write());
            await driver.sleep(driver.rng.int(50, 600));
          }
          await Promise.all(pending);
          const first = service.platform.instances[0]!;
          while (first.state !== "draining" && first.state !== "dead") await driver.sleep(100);
          const sigtermAtMs = world.nowMs;
          const arriveAfterMs =
            shape === "flush-during-wait"
              ? Math.max(0, plan.jitterMs)
              : Math.max(0, plan.stretchMs - plan.containerStartMs + plan.jitterMs);
          await driver.sleep(arriveAfterMs);
          const write = await service.write();
          if (write.status !== "acked")
            world.violate(
              "lease-liveness",
              `the request that arrived ${arriveAfterMs} ms into the predecessor's grace period was ${write.status}`,
            );
          await service.closingChecks(driver);
          return {
            ...service.counts(),
            sigtermAtMs,
            arriveAfterMs,
            instances: service.platform.instances.length,
          };
        }),
      };
    },
  };
}

export const handoverScenarios: readonly Scenario[] = [
  handoverScenario("flush-during-wait", "strict"),
  handoverScenario("flush-during-wait", "relaxed"),
  handoverScenario("boot-during-flush", "strict"),
  handoverScenario("boot-during-flush", "relaxed"),
];
