/**
 * E1-4: the heartbeat under jitter. A holds the lease and renews it after delays drawn from
 * 0–2× the TTL, so some renewals come in time and some long after expiry (where a renewal that
 * nobody pre-empted self-heals the lease). B keeps trying to take over with no wait. For every
 * version of the lease object, "A renews from it" XOR "B takes over from it", never both; and
 * once B believes it holds the lease, no renewal of A's succeeds. Both commit between times.
 */
import { FencedError, LockedError } from "../../engine/node/roles.ts";
import { drawBlobStoreOptions } from "../../sim/blob-store.ts";
import type { Scenario } from "../scenario.ts";
import { launch, LEASE_TTL_MS, LeaseWorld } from "./lease-world.ts";

const RUN_MS = 10 * LEASE_TTL_MS;

export const renewJitter: Scenario = {
  id: "lease.renew-jitter",
  title: "E1-4: renew under 0–2x jitter around the TTL: A renews XOR B takes over",
  criteria: ["E1-4", "FEN-2"],
  lane: "sim",
  defaultSeeds: 200,
  async run(context) {
    const { world } = context;
    const plan = world.draw("lease.renew-jitter", (rng) => ({
      renewJitterMax: rng.pick([1, 1.5, 2]),
      takerEveryMs: rng.pick([500, 5_000, 20_000]),
      aClockOffsetMs: rng.int(-2_000, 2_000),
      bClockOffsetMs: rng.int(-2_000, 2_000),
    }));
    const leases = new LeaseWorld(context, drawBlobStoreOptions(world));
    const renewedAtMs: number[] = [];
    let bClaimAtMs: number | null = null;
    let aHoldsSinceMs: number | null = null;

    const a = world.spawn("A", { clockOffsetMs: plan.aClockOffsetMs });
    launch(a, async (self) => {
      const lease = leases.lease(self);
      let state = (await lease.acquire()).manifest;
      aHoldsSinceMs = world.nowMs;
      while (world.nowMs < RUN_MS) {
        await self.sleep(Math.round(self.rng.between(0, plan.renewJitterMax) * LEASE_TTL_MS));
        try {
          await lease.renew();
        } catch (error) {
          if (error instanceof FencedError) return; // B took over: A stops, as it must
          throw error;
        }
        renewedAtMs.push(world.nowMs);
        state = await leases.commit(self, lease, state, 100);
      }
      await lease.release();
    });

    const b = world.spawn("B", { clockOffsetMs: plan.bClockOffsetMs });
    launch(b, async (self) => {
      while (world.nowMs < RUN_MS) {
        await self.sleep(Math.round(self.rng.between(0.5, 1.5) * plan.takerEveryMs));
        if (aHoldsSinceMs === null) continue; // B is the one who takes over from A
        const lease = leases.lease(self, { acquireTimeoutMs: 0 });
        try {
          const acquired = await lease.acquire();
          bClaimAtMs = world.nowMs;
          await leases.commit(self, lease, acquired.manifest, 100);
          await lease.release();
          return;
        } catch (error) {
          if (!(error instanceof LockedError)) throw error;
        }
      }
    });

    await world.run();
    // Per lease version: at most one successful CAS from it (renew or takeover).
    const successorOf = new Map<string, string>();
    for (const write of leases.tap.writes) {
      const from = write.mutation.ifMatch;
      if (write.mutation.key !== leases.leaseKey || from === undefined) continue;
      const earlier = successorOf.get(from);
      if (earlier !== undefined)
        world.violate(
          "lease-exclusion",
          `lease version ${from} was CAS'd twice: by ${earlier} and by ${write.mutation.process} at ${write.mutation.atMs} ms`,
        );
      successorOf.set(from, write.mutation.process);
    }
    const claimAtMs = bClaimAtMs as number | null;
    const lateRenewal = claimAtMs === null ? undefined : renewedAtMs.find((atMs) => atMs > claimAtMs);
    if (lateRenewal !== undefined)
      world.violate(
        "lease-exclusion",
        `A renewed at ${lateRenewal} ms after B took the lease over at ${claimAtMs} ms: both believe they hold it`,
      );
    leases.checkSingleWriter();
    leases.checkAckedDurable();
    return { metrics: { renewals: renewedAtMs.length, takenOver: claimAtMs === null ? 0 : 1 } };
  },
};
