/**
 * The transport faults of the adapter-in-the-loop mode and the per-seed mix of them. Each
 * request draws ONE uniform number whatever the mix, so turning one fault on does not shift the
 * draws of the others. Rates are per request; the swarm picks, per seed, a clean transport
 * (a third of seeds) or a random subset of faults at low, medium or high rates, the high ones
 * far above a real bucket's so a few hundred requests meet each kind.
 *
 * Sources: GCS's retry strategy guide (a 408, 429 or 5xx may follow a request that was carried
 * out; 429 and 503 are the usual throttling answers) and the E0 probe's counts against a real
 * bucket (`blobsim probe` prints them: 5xx and resets at well under 0.1% of requests). Token
 * lifetime: Google access tokens last 3600 s; a revoked or rotated credential ends one sooner,
 * which is what a short drawn lifetime models.
 */
import type { World } from "../../../sim/world.ts";
import type { Rng } from "../../../sim/rng.ts";

export type TransportFault =
  | "none"
  | "refused"
  | "resetBeforeBody"
  | "answerLost"
  | "stalledBody"
  | "truncatedBody"
  | "serverErrorApplied"
  | "serverErrorNotApplied"
  | "rateLimited";

export interface TransportFaultRates {
  refusedProbability: number;
  resetBeforeBodyProbability: number;
  /** Mutations only: the write applies, the answer is lost. */
  answerLostProbability: number;
  stalledBodyProbability: number;
  truncatedBodyProbability: number;
  /** Mutations only: a 503 after the write applied. */
  serverErrorAppliedProbability: number;
  serverErrorNotAppliedProbability: number;
  rateLimitedProbability: number;
  /** Bearer token lifetime on the server's side; 0: tokens never expire in the run. */
  tokenLifetimeMs: number;
}

export const CLEAN_TRANSPORT: Readonly<TransportFaultRates> = Object.freeze({
  refusedProbability: 0,
  resetBeforeBodyProbability: 0,
  answerLostProbability: 0,
  stalledBodyProbability: 0,
  truncatedBodyProbability: 0,
  serverErrorAppliedProbability: 0,
  serverErrorNotAppliedProbability: 0,
  rateLimitedProbability: 0,
  tokenLifetimeMs: 0,
});

export function drawTransportFault(rng: Rng, rates: TransportFaultRates, mutation: boolean): TransportFault {
  let u = rng.next();
  if ((u -= rates.refusedProbability) < 0) return "refused";
  if ((u -= rates.resetBeforeBodyProbability) < 0) return "resetBeforeBody";
  if ((u -= rates.serverErrorNotAppliedProbability) < 0) return "serverErrorNotApplied";
  if ((u -= rates.rateLimitedProbability) < 0) return "rateLimited";
  if ((u -= rates.stalledBodyProbability) < 0) return "stalledBody";
  if ((u -= rates.truncatedBodyProbability) < 0) return "truncatedBody";
  if (!mutation) return "none";
  if ((u -= rates.answerLostProbability) < 0) return "answerLost";
  if ((u -= rates.serverErrorAppliedProbability) < 0) return "serverErrorApplied";
  return "none";
}

/** This seed's transport fault mix, recorded with the seed's other swarm draws. */
export function drawTransportFaultRates(world: World): TransportFaultRates {
  return world.draw("adapter-transport", (rng): TransportFaultRates & Record<string, number> => {
    const faulty = rng.chance(0.66);
    const rate = (): number => (faulty && rng.chance(0.5) ? rng.pick([0.002, 0.01, 0.04]) : 0);
    return {
      refusedProbability: rate(),
      resetBeforeBodyProbability: rate(),
      answerLostProbability: rate(),
      stalledBodyProbability: rate(),
      truncatedBodyProbability: rate(),
      serverErrorAppliedProbability: faulty ? rng.pick([0, 0.01, 0.04, 0.1]) : 0,
      serverErrorNotAppliedProbability: rate(),
      rateLimitedProbability: rate(),
      tokenLifetimeMs: rng.pick([0, 0, 60_000, 600_000]),
    };
  });
}
