/**
 * E5B-1: GCS limits mutations of one object name to about one per second. Phase 1 replays the
 * source experiment: sequential CAS on one object attempted at 2.43/s for a minute; about half
 * the attempts must be answered 429 (the source saw 52%). Phase 2 is the engine's answer:
 * commits arrive at 5/s and are grouped, one CAS per group paced to the cap, 429s retried with
 * backoff; every commit must land, and the 429 share stays small.
 */
import { PreconditionFailedError, RateLimitedError } from "../../engine/blobstore/errors.ts";
import type { Scenario } from "../scenario.ts";
import { buildStore, clientFor, encoder, outcomeOf } from "./support.ts";

const ATTEMPTS_PER_S = 2.43;
const PHASE_MS = 60_000;
const SHARE_429 = { min: 0.4, max: 0.65 };
const COMMITS_PER_S = 5;
const PACE_MS = 1_000;
export const RATE_LIMIT_INVARIANT = "store-mutation-rate-limit";

export const storeCasRateLimit: Scenario = {
  id: "store.cas-rate-limit",
  title: "Store: sequential CAS on one object at 2.43/s is about half 429; paced group commit flows",
  criteria: ["E5B-1"],
  lane: "sim",
  defaultSeeds: 100,
  async run(ctx) {
    const { world } = ctx;
    // Rate limit at its defaults; the seed varies latency shape and flavor, no other faults.
    const sim = buildStore(
      ctx,
      {
        transientErrorProbability: 0,
        timeoutProbability: 0,
        ambiguousBeforeApplyProbability: 0,
        ambiguousAfterApplyProbability: 0,
      },
      true,
    );
    const client = world.spawn("client");
    const store = clientFor(ctx, sim, client);
    const metrics: Record<string, number> = {};
    void client.start(async () => {
      // Phase 1: the raw experiment.
      const hot = "rate/hot";
      let version = await store.put(hot, encoder.encode("0"), { ifNoneMatch: true });
      let attempts = 0;
      let limited = 0;
      let ok = 0;
      const startedMs = world.nowMs;
      while (world.nowMs - startedMs < PHASE_MS) {
        const attemptAtMs = world.nowMs;
        attempts++;
        const put = await outcomeOf(store.put(hot, encoder.encode(String(attempts)), { ifMatch: version }));
        if (put.ok) {
          ok++;
          version = put.value;
        } else if (put.error instanceof RateLimitedError) limited++;
        else world.violate(RATE_LIMIT_INVARIANT, `sequential CAS failed with ${String(put.error)}`);
        const nextAtMs = attemptAtMs + 1000 / ATTEMPTS_PER_S;
        if (nextAtMs > world.nowMs) await client.sleep(Math.round(nextAtMs - world.nowMs));
      }
      const elapsedS = (world.nowMs - startedMs) / 1000;
      metrics.attempted_per_s = Number((attempts / elapsedS).toFixed(2));
      metrics.ok_per_s = Number((ok / elapsedS).toFixed(2));
      metrics.rate_limited_share = Number((limited / attempts).toFixed(3));

      // Phase 2: grouped commits paced to the cap, 429 retried.
      const log = "rate/manifest";
      let committed = 0;
      let pending = 0;
      let arrived = 0;
      let groupAttempts = 0;
      let groupLimited = 0;
      let manifest = await store.put(log, encoder.encode("0"), { ifNoneMatch: true });
      const arrivals = world.spawn("arrivals");
      void arrivals.start(async () => {
        for (let n = 0; n < (COMMITS_PER_S * PHASE_MS) / 1000; n++) {
          await arrivals.sleep(Math.round(arrivals.rng.exponential(1000 / COMMITS_PER_S)));
          pending++;
          arrived++;
        }
      });
      const phase2StartMs = world.nowMs;
      let backoffMs = PACE_MS;
      while (world.nowMs - phase2StartMs < PHASE_MS * 3 && (arrivals.alive || pending > 0)) {
        await client.sleep(backoffMs);
        if (pending === 0) {
          if (arrived >= (COMMITS_PER_S * PHASE_MS) / 1000) break;
          continue;
        }
        const group = pending;
        groupAttempts++;
        const put = await outcomeOf(
          store.put(log, encoder.encode(String(committed + group)), { ifMatch: manifest }),
        );
        if (put.ok) {
          manifest = put.value;
          committed += group;
          pending -= group;
          backoffMs = PACE_MS;
        } else if (put.error instanceof RateLimitedError) {
          groupLimited++;
          backoffMs = Math.min(8_000, backoffMs * 2);
        } else if (put.error instanceof PreconditionFailedError) {
          world.violate(RATE_LIMIT_INVARIANT, "the single writer's manifest CAS was refused 412");
          return;
        }
      }
      metrics.group_commits = committed;
      metrics.group_cas = groupAttempts;
      metrics.group_rate_limited_share = Number((groupLimited / Math.max(1, groupAttempts)).toFixed(3));
      if (committed !== arrived || pending !== 0)
        world.violate(
          RATE_LIMIT_INVARIANT,
          `${arrived} commits arrived, ${committed} landed, ${pending} pending`,
        );
    });
    await world.run();
    const share = metrics.rate_limited_share ?? Number.NaN;
    if (!(share >= SHARE_429.min && share <= SHARE_429.max))
      world.violate(RATE_LIMIT_INVARIANT, `429 share ${share} at 2.43/s attempted is outside [0.4, 0.65]`);
    if ((metrics.group_rate_limited_share ?? 1) > 0.2)
      world.violate(
        RATE_LIMIT_INVARIANT,
        `paced group commit still saw ${metrics.group_rate_limited_share} 429s`,
      );
    return { metrics };
  },
};
