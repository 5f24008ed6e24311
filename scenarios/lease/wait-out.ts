/**
 * lease.wait-out (issue 21): the taker waits out a live predecessor, with its clock skewed at and
 * past the documented bound. P holds the lease, commits and renews on the request path, then
 * dies holding it (no release). S starts while P's lease is live, with its clock ahead of or
 * behind P's by a drawn skew (0, half the grace, the grace exactly, just past it, three times it),
 * waits the lease out and commits.
 *
 * Checked: the takeover applies only after P's last written expiry whenever the skew is within
 * takeoverGraceMs, and S's window starts when it won (invariants/lease-window.ts); S serves
 * within TTL + grace + slack of P's last renewal; single writer and acked durability throughout.
 */
import { LockedError } from "../../engine/lease/index.ts";
import type { AcquiredRole } from "../../engine/node/index.ts";
import type { Scenario } from "../scenario.ts";
import { SIM_EPOCH_MS } from "../../sim/world.ts";
import { leaseWindowProblems } from "../../invariants/lease-window.ts";
import { launch, LEASE_TTL_MS, LeaseWorld, TAKEOVER_GRACE_MS } from "./lease-world.ts";

const SERVE_SLACK_MS = 20_000;
const SKEWS_MS = [
  0,
  TAKEOVER_GRACE_MS / 2,
  TAKEOVER_GRACE_MS,
  TAKEOVER_GRACE_MS + 1_000,
  3 * TAKEOVER_GRACE_MS,
];

export const leaseWaitOut: Scenario = {
  id: "lease.wait-out",
  title:
    "A taker waits out a live predecessor with its clock skewed at and past takeoverGraceMs: never before the holder's expiry within the bound",
  criteria: ["FEN-1"],
  lane: "sim",
  defaultSeeds: 90,
  async run(context) {
    const { world } = context;
    const plan = world.draw("lease.wait-out", (rng) => ({
      // Up to ~150 s of commits: past one TTL, so P renews on the request path while S waits.
      commits: rng.int(3, 10),
      successorStartsAtMs: rng.int(1_000, 30_000),
      skewMs: rng.pick(SKEWS_MS) * (rng.chance(0.7) ? 1 : -1),
    }));
    const leases = new LeaseWorld(context);
    let lastRenewalAtMs = 0;
    let servedAtMs: number | null = null;
    const p = world.spawn("P");
    launch(p, async (self) => {
      const lease = leases.lease(self);
      let state = (await lease.acquire()).manifest;
      lastRenewalAtMs = world.nowMs;
      for (let n = 0; n < plan.commits; n++) {
        await self.sleep(self.rng.int(2_000, 15_000));
        state = await leases.commit(self, lease, state, 100);
        lastRenewalAtMs = world.nowMs;
      }
      self.kill("dies holding the lease");
    });
    const s = world.spawn("S", { clockOffsetMs: plan.skewMs });
    launch(s, async (self) => {
      await self.sleep(plan.successorStartsAtMs);
      const lease = leases.lease(self);
      // A LockedError after acquireTimeoutMs is the documented answer to a holder that keeps
      // renewing; S asks again, as a restarted service would.
      let acquired: AcquiredRole | null = null;
      for (let attempt = 1; acquired === null; attempt++) {
        try {
          acquired = await lease.acquire();
        } catch (error) {
          if (!(error instanceof LockedError) || attempt >= 5) throw error;
        }
      }
      const state = acquired.manifest;
      await leases.commit(self, lease, state, 70);
      servedAtMs = world.nowMs;
      await lease.release();
    });
    await world.run();
    const offsets = new Map([
      ["P", 0],
      ["S", plan.skewMs],
    ]);
    for (const problem of leaseWindowProblems(
      leases.tap.writes,
      leases.leaseKey,
      {
        epochMs: SIM_EPOCH_MS,
        clockOffsetMs: (process) => offsets.get(process) ?? 0,
        ttlMs: LEASE_TTL_MS,
        takeoverGraceMs: TAKEOVER_GRACE_MS,
        startSlackMs: 30_000,
      },
      leases.binding,
    ).slice(0, 2))
      world.violate("lease-window", problem);
    leases.checkAckedDurable();
    const served = servedAtMs as number | null;
    const deadlineMs =
      lastRenewalAtMs + LEASE_TTL_MS + TAKEOVER_GRACE_MS + Math.abs(plan.skewMs) + SERVE_SLACK_MS;
    if (served === null || served > deadlineMs)
      world.violate(
        "lease-liveness",
        `successor S ${served === null ? "never served" : `served only at ${served} ms`}; due by ${deadlineMs} ms`,
      );
    leases.checkSingleWriter();
    return { metrics: { skewMs: plan.skewMs, servedAtMs: served ?? -1 } };
  },
};
