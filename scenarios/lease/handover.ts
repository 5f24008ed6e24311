/**
 * E4-5 (and the lease half of a revision switch): a handover while the predecessor is still
 * writing. P holds the lease and commits. S boots: it reads the manifest (to start restoring
 * early) and then needs the lease, which P still holds. While S waits, P makes its final flush
 * (an idle flush or its SIGTERM flush) and then either releases the lease or dies holding it.
 *
 * Checked: acked-write durability (S must adopt the manifest as of AFTER it won the lease, or
 * its first commit overwrites P's final flush: B09); S serves within TTL + grace + ε of P's
 * last renewal instead of failing with LockedError (B03); single writer throughout.
 */
import { drawBlobStoreOptions } from "../../sim/blob-store.ts";
import type { Scenario } from "../scenario.ts";
import { launch, LEASE_TTL_MS, LeaseWorld, TAKEOVER_GRACE_MS } from "./lease-world.ts";

/** Store latency, retries and polling on top of TTL + grace. */
const SERVE_SLACK_MS = 20_000;

export const handover: Scenario = {
  id: "lease.handover",
  title: "E4-5: successor waits for the lease and sees the predecessor's final flush",
  criteria: ["E4-5", "FEN-1"],
  lane: "sim",
  defaultSeeds: 200,
  async run(context) {
    const { world } = context;
    const plan = world.draw("lease.handover", (rng) => ({
      predecessorCommits: rng.int(1, 4),
      finalFlushCommits: rng.int(1, 2),
      successorStartsAtMs: rng.int(2_000, 15_000),
      shutdownAfterSuccessorMs: rng.int(0, 20_000),
      releases: rng.chance(0.6),
      successorClockOffsetMs: rng.int(-2_000, 2_000),
    }));
    const leases = new LeaseWorld(context, drawBlobStoreOptions(world));
    let lastRenewalAtMs = 0;
    let servedAtMs: number | null = null;
    let successorError: string | null = null;

    const p = world.spawn("P");
    launch(p, async (self) => {
      const lease = leases.lease(self);
      let state = (await lease.acquire()).manifest;
      lastRenewalAtMs = world.nowMs;
      for (let n = 0; n < plan.predecessorCommits; n++) {
        await self.sleep(self.rng.int(200, 1_500));
        state = await leases.commit(self, lease, state, 100);
      }
      // Idle until shutdown, then the final flush: under the lease, renewed on the way.
      await self.sleep(Math.max(0, plan.successorStartsAtMs + plan.shutdownAfterSuccessorMs - world.nowMs));
      for (let n = 0; n < plan.finalFlushCommits; n++) {
        state = await leases.commit(self, lease, state, 50);
        lastRenewalAtMs = world.nowMs;
      }
      if (plan.releases) await lease.release();
      else self.kill("dies after its final flush, still holding the lease");
    });

    const s = world.spawn("S", { clockOffsetMs: plan.successorClockOffsetMs });
    launch(
      s,
      async (self) => {
        await self.sleep(plan.successorStartsAtMs);
        const early = await leases.readEarly(self);
        const lease = leases.lease(self);
        let state = (await lease.acquire(early)).manifest;
        for (let n = 0; n < 2; n++) {
          state = await leases.commit(self, lease, state, 70);
          servedAtMs ??= world.nowMs;
          await self.sleep(self.rng.int(100, 1_000));
        }
        await lease.release();
      },
      (error) => {
        successorError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      },
    );

    await world.run();
    leases.checkAckedDurable();
    const deadlineMs = lastRenewalAtMs + LEASE_TTL_MS + TAKEOVER_GRACE_MS + SERVE_SLACK_MS;
    const served = servedAtMs as number | null;
    if (served === null || served > deadlineMs)
      world.violate(
        "lease-liveness",
        `successor S ${served === null ? "never served" : `served only at ${served} ms`}; due by ${deadlineMs} ms (P's last renewal ${lastRenewalAtMs} ms + TTL + grace + slack)${successorError ? `; S failed: ${successorError}` : ""}`,
      );
    leases.checkSingleWriter();
    return { metrics: { servedAtMs: served ?? -1, acked: leases.acked.length } };
  },
};
