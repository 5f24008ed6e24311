/**
 * E1-3: the zombie. A holds the lease and is about to CAS a commit when it is paused (a GC
 * pause, a frozen VM) past the lease's expiry. B takes the lease over and fence-stamps the
 * manifest, then commits, soon or late. A resumes and sends its CAS with the version it knew:
 * it must fail (FencedError), whether or not B has committed since, unless it applied before
 * B's fence stamp (B stamps on top of it then). The single-writer checker judges exactly that
 * from the store's history and B's claim; acked-write durability is checked too. One seed is
 * one iteration; the default 100 seeds are the 100 iterations of the source experiment.
 */
import { FencedError } from "../../engine/node/roles.ts";
import { drawBlobStoreOptions } from "../../sim/blob-store.ts";
import type { Scenario } from "../scenario.ts";
import { launch, LEASE_TTL_MS, LeaseWorld, pausingFaults, TAKEOVER_GRACE_MS } from "./lease-world.ts";

export const zombie: Scenario = {
  id: "lease.zombie",
  title: "E1-3: zombie A paused past expiry, B takes over, A's manifest CAS fails",
  criteria: ["E1-3", "FEN-1", "FEN-2"],
  lane: "sim",
  defaultSeeds: 100,
  killPoints: ["lease.before-commit-cas"],
  async run(context) {
    const { world } = context;
    const plan = world.draw("lease.zombie", (rng) => ({
      commitsBeforePause: rng.int(1, 3),
      pauseExtraMs: rng.pick([1_000, 10_000, 60_000, 200_000]),
      successorStartsAtMs: rng.int(0, 30_000),
      successorFirstCommitDelayMs: rng.pick([0, 1_000, 30_000, 300_000]),
      successorCommits: rng.int(0, 3),
      clockOffsetMs: rng.int(-2_000, 2_000),
    }));
    const leases = new LeaseWorld(context, drawBlobStoreOptions(world));
    let zombieOutcome: "fenced" | "committed" | "other" | "none" = "none";

    const a = world.spawn("A");
    const pauseForMs = LEASE_TTL_MS + TAKEOVER_GRACE_MS + plan.pauseExtraMs;
    const faults = pausingFaults(a, (point, visit) => {
      if (point !== "lease.before-commit-cas" || visit !== plan.commitsBeforePause + 1) return;
      a.pause();
      world.scheduler.after(pauseForMs, "world", "zombie.resume", () => a.resume());
    });
    launch(
      a,
      async (self) => {
        const lease = leases.lease(self);
        let state = (await lease.acquire()).manifest;
        for (let n = 0; n <= plan.commitsBeforePause; n++) {
          await self.sleep(self.rng.int(100, 2_000));
          const last = n === plan.commitsBeforePause;
          state = await leases.commit(self, lease, state, 100, faults);
          if (last) zombieOutcome = "committed";
        }
      },
      (error) => {
        if (zombieOutcome === "none") zombieOutcome = error instanceof FencedError ? "fenced" : "other";
      },
    );

    const b = world.spawn("B", { clockOffsetMs: plan.clockOffsetMs });
    launch(b, async (self) => {
      await self.sleep(plan.successorStartsAtMs);
      const lease = leases.lease(self);
      let state = (await lease.acquire()).manifest;
      await self.sleep(plan.successorFirstCommitDelayMs);
      for (let n = 0; n < plan.successorCommits; n++)
        state = await leases.commit(self, lease, state, 200, undefined);
    });

    await world.run();
    leases.checkSingleWriter();
    leases.checkAckedDurable();
    const bAcquired = leases.tap.claims.some((claim) => claim.holder === "B");
    return { metrics: { zombie: zombieOutcome, bAcquired: bAcquired ? 1 : 0 } };
  },
};
