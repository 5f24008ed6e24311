/**
 * E1-2: simultaneous takeovers of an expired lease. A holds the lease and dies without
 * releasing it. 2–5 contenders, with skewed clocks, all try to take it over around the moment
 * it expires. Exactly one wins (unless a contender crashed on a store failure, then at most
 * one), the token moves by exactly one, and the losers are told who won.
 */
import { LockedError } from "../../engine/node/roles.ts";
import { drawBlobStoreOptions } from "../../sim/blob-store.ts";
import type { Scenario } from "../scenario.ts";
import { launch, LEASE_TTL_MS, LeaseWorld, TAKEOVER_GRACE_MS } from "./lease-world.ts";

export const simultaneousTakeover: Scenario = {
  id: "lease.simultaneous-takeover",
  title: "E1-2: simultaneous takeovers of an expired lease: exactly one wins, token +1",
  criteria: ["E1-2", "FEN-1", "FEN-2"],
  lane: "sim",
  defaultSeeds: 200,
  async run(context) {
    const { world } = context;
    const plan = world.draw("lease.simultaneous-takeover", (rng) => ({
      contenders: rng.int(2, 5),
      holderDiesAtMs: rng.int(100, 20_000),
      spreadMs: rng.pick([0, 5, 50, 500]),
      clockSkewMs: rng.pick([0, 100, 2_000]),
    }));
    const leases = new LeaseWorld(context, drawBlobStoreOptions(world));

    let aAcquiredAtMs: number | null = null;
    const a = world.spawn("A");
    launch(a, async (self) => {
      const lease = leases.lease(self);
      const acquired = await lease.acquire();
      aAcquiredAtMs = world.nowMs;
      await leases.commit(self, lease, acquired.manifest, 100);
      await self.sleep(plan.holderDiesAtMs);
      self.kill("dies holding the lease");
    });

    const winners: Array<{ name: string; token: number }> = [];
    const lockedBy: string[] = [];
    let crashes = 0;
    // Everyone wakes around the moment A's lease (renewed by nobody) looks expired.
    const expiresAroundMs = LEASE_TTL_MS + TAKEOVER_GRACE_MS + 300;
    for (let index = 0; index < plan.contenders; index++) {
      const offsetMs = world.rng.fork(`skew:${index}`).int(-plan.clockSkewMs, plan.clockSkewMs);
      const contender = world.spawn(`C${index}`, { clockOffsetMs: offsetMs });
      launch(
        contender,
        async (self) => {
          // Wake around A's expiry (A's own acquire may be slow; if it never comes, go anyway).
          while (aAcquiredAtMs === null && world.nowMs < 60_000) await self.sleep(1_000);
          const wakeAtMs = (aAcquiredAtMs ?? world.nowMs) + expiresAroundMs + self.rng.int(0, plan.spreadMs);
          await self.sleep(Math.max(0, wakeAtMs - world.nowMs));
          const lease = leases.lease(self, { acquireTimeoutMs: 3_000 + plan.clockSkewMs });
          try {
            const acquired = await lease.acquire();
            winners.push({ name: self.name, token: acquired.fencingToken });
          } catch (error) {
            if (error instanceof LockedError) lockedBy.push(error.holder);
            throw error;
          }
        },
        (error) => {
          if (!(error instanceof LockedError)) crashes++;
        },
      );
    }

    await world.run();
    // A's token as the store applied it (A may have crashed before hearing it won).
    const holderToken = Math.max(
      0,
      ...leases.tap.writes
        .filter((write) => write.mutation.key === leases.leaseKey && write.mutation.process === "A")
        .map((write) => leases.decodeLease(write.bytes).token),
    );
    const winner = winners[0];
    if (winners.length > 1)
      world.violate(
        "single-writer",
        `${winners.length} contenders took over: ${winners.map((w) => `${w.name}(token ${w.token})`).join(", ")}`,
      );
    if (winners.length === 0 && crashes === 0)
      world.violate(
        "lease-liveness",
        `nobody took over the expired lease of A (locked by ${lockedBy.join(", ")})`,
      );
    if (winner && winner.token !== holderToken + 1)
      world.violate(
        "single-writer",
        `the token moved from ${holderToken} to ${winner.token}, not by exactly one`,
      );
    if (winner && lockedBy.some((holder) => holder !== winner.name && holder !== "A"))
      world.violate(
        "lease-exclusion",
        `a loser was told the lease is held by neither A nor the winner ${winner.name}`,
      );
    leases.checkSingleWriter();
    return { metrics: { contenders: plan.contenders, winners: winners.length } };
  },
};
