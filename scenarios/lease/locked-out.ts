/**
 * E1-1: a second acquirer is locked out. A holds the lease and keeps it alive through the
 * request-path check (ensureLease between commits); B tries to acquire while A is live, waiting
 * at most a short drawn timeout. B must get LockedError naming A and the expiry of a lease A
 * actually wrote, and must never hold the lease while A's is live.
 */
import { LockedError } from "../../engine/node/roles.ts";
import { drawBlobStoreOptions } from "../../sim/blob-store.ts";
import type { Scenario } from "../scenario.ts";
import { launch, LeaseWorld } from "./lease-world.ts";

export const lockedOut: Scenario = {
  id: "lease.locked-out",
  title: "E1-1: a second acquirer gets LockedError naming the holder and its expiry",
  criteria: ["E1-1", "FEN-2"],
  lane: "sim",
  defaultSeeds: 200,
  async run(context) {
    const { world } = context;
    const plan = world.draw("lease.locked-out", (rng) => ({
      holderCheckEveryMs: rng.pick([2_000, 10_000, 25_000]),
      secondStartsAtMs: rng.int(1_000, 50_000),
      secondTimeoutMs: rng.pick([0, 1_000, 10_000]),
      secondClockOffsetMs: rng.int(-2_000, 2_000),
    }));
    const leases = new LeaseWorld(context, drawBlobStoreOptions(world));
    const holderRunMs = plan.secondStartsAtMs + plan.secondTimeoutMs + 30_000;
    let outcome = "none" as "locked" | "acquired" | "error" | "none";
    let locked: LockedError | null = null;
    let aCrashed = false;
    let aHolds = false;

    const a = world.spawn("A");
    launch(
      a,
      async (self) => {
        const lease = leases.lease(self);
        let state = (await lease.acquire()).manifest;
        aHolds = true;
        while (world.nowMs < holderRunMs) {
          await self.sleep(plan.holderCheckEveryMs);
          state = await leases.commit(self, lease, state, 100);
        }
        await lease.release();
      },
      () => {
        aCrashed = true;
      },
    );

    const b = world.spawn("B", { clockOffsetMs: plan.secondClockOffsetMs });
    launch(b, async (self) => {
      await self.sleep(plan.secondStartsAtMs);
      // B is the second acquirer: it tries only once A holds (A's own acquire may be slow).
      while (!aHolds && !aCrashed && world.nowMs < 200_000) await self.sleep(1_000);
      if (!aHolds) return;
      const lease = leases.lease(self, { acquireTimeoutMs: plan.secondTimeoutMs });
      try {
        await lease.acquire();
        outcome = "acquired";
        await lease.release();
      } catch (error) {
        if (error instanceof LockedError) {
          outcome = "locked";
          locked = error;
        } else outcome = "error";
        throw error;
      }
    });

    await world.run();
    const error = locked as LockedError | null;
    // Judged from the store's history, not from whether A crashed: B's first lease write must
    // land after the expiry of the last lease A wrote before it (A's clock is the world's), or
    // after A released it. A crash of A caused by B's takeover excuses nothing.
    const leaseWrites = leases.tap.writes.filter((write) => write.mutation.key === leases.leaseKey);
    const bWon = leaseWrites.find((write) => write.mutation.process === "B");
    if (bWon) {
      const aLast = leaseWrites
        .filter((w) => w.mutation.process === "A" && w.mutation.atMs < bWon.mutation.atMs)
        .at(-1);
      const record = aLast && leases.decodeLease(aLast.bytes);
      if (record && !record.released && record.expiresAtMs - world.epochMs >= bWon.mutation.atMs)
        world.violate(
          "lease-exclusion",
          `B won the lease at ${bWon.mutation.atMs} ms while A's lease ran to ${record.expiresAtMs - world.epochMs} ms`,
        );
    }
    if (error) {
      const written = leases.tap.writes.some((write) => {
        if (write.mutation.key !== leases.leaseKey || write.mutation.process !== "A") return false;
        const record = leases.decodeLease(write.bytes);
        return record.expiresAtMs === error.expiresAtMs;
      });
      if (error.holder !== "A" || !written)
        world.violate(
          "lease-exclusion",
          `LockedError named holder ${error.holder} until ${error.expiresAtMs}, not a lease A wrote`,
        );
    }
    leases.checkSingleWriter();
    return { metrics: { outcome, commits: leases.acked.length } };
  },
};
