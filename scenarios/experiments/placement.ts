/**
 * The per-tool decision boundary (source 002, "Decision boundary summary"): a policy over the
 * experiments' measured figures, not engine code.
 *
 * 1. Fit (Exp 1 + Exp 2): the p99 of a single strict commit is within the tool's budget AND the
 *    group-commit throughput one database reaches with the tool's writers per database is above
 *    the tool's write rate per database. A tool that does not fit goes to coupled Postgres.
 * 2. Contention (Exp 3, required when some writes hit shared rows): same-row writes go one per
 *    durable commit, so the measured contended ceiling bounds them. The red quadrant is a tool
 *    whose contended writes saturate that ceiling, or, for a latency-critical tool, use half of
 *    it or more (each contended write then waits for another's commit about as long as its own:
 *    at least a paced commit cycle). Red goes to coupled Postgres.
 * 3. Amber: a fitting tool whose write rate on one database is above what one-at-a-time commits
 *    sustain (Exp 2 with one writer): it lives on group commit; it stays on this engine, but is
 *    benchmarked first. Everything else is green.
 */
import { contentionPlausible, perDatabase, type WorkloadProfile } from "./profiles.ts";

export type Quadrant = "green" | "amber" | "red";
export type Backend = "this-engine" | "coupled-postgres";
export type Experiment = "exp1" | "exp2" | "exp3";

export interface PlacementFigures {
  /** Exp 1 at the tool's write size: single strict commits, one at a time. */
  exp1: { p50Ms: number; p99Ms: number; p999Ms: number } | null;
  /** Exp 2 on one database: closed-loop independent-row writers. */
  exp2: {
    /** Writers per database the throughput was measured with (the tool's). */
    writers: number;
    commitsPerS: number;
    /** The same run with one writer: what one-at-a-time commits sustain. */
    sequentialCommitsPerS: number;
  } | null;
  /** Exp 3 on one database: the tool's writers all on one row, lock held until the ack. */
  exp3: { writers: number; contendedCommitsPerS: number } | null;
}

export interface Placement {
  quadrant: Quadrant;
  backend: Backend;
  /** Which experiments' figures the decision read. */
  evidence: Experiment[];
  reason: string;
}

export class PlacementEvidenceError extends Error {
  override name = "PlacementEvidenceError";
}

/** A latency-critical tool is red once its contended writes use this share of the ceiling. */
export const LATENCY_CRITICAL_CONTENDED_UTILISATION = 0.5;

/** Contended writes per second on one database over what one row sustains (Exp 3). */
export function contendedUtilisation(profile: WorkloadProfile, exp3: NonNullable<PlacementFigures["exp3"]>) {
  const contendedPerS = perDatabase(profile).writesPerS * profile.sameRowShare;
  return exp3.contendedCommitsPerS > 0 ? contendedPerS / exp3.contendedCommitsPerS : Number.POSITIVE_INFINITY;
}

/** The red quadrant as the spec defines it, read from Exp 3: what the invariant checks against. */
export function inRedQuadrant(profile: WorkloadProfile, figures: PlacementFigures): boolean {
  if (!contentionPlausible(profile) || figures.exp3 === null) return false;
  const utilisation = contendedUtilisation(profile, figures.exp3);
  return (
    utilisation >= 1 || (profile.latencyCritical && utilisation >= LATENCY_CRITICAL_CONTENDED_UTILISATION)
  );
}

export interface FitResult {
  fits: boolean;
  reason: string;
}

/** Step 1: Exp 1 + Exp 2 against the tool's budget and write rate. */
export function fitCheck(profile: WorkloadProfile, figures: PlacementFigures): FitResult {
  const { exp1, exp2 } = figures;
  if (exp1 === null || exp2 === null)
    throw new PlacementEvidenceError(
      `${profile.id}: cannot place without ${exp1 === null ? "Exp 1 (latency floor)" : "Exp 2 (group-commit curve)"} figures`,
    );
  const lane = perDatabase(profile);
  if (exp2.writers !== lane.writers)
    throw new PlacementEvidenceError(
      `${profile.id}: Exp 2 measured ${exp2.writers} writers, the tool has ${lane.writers} per database`,
    );
  if (exp1.p99Ms > profile.p99BudgetMs)
    return { fits: false, reason: `p99 commit ${exp1.p99Ms} ms over the ${profile.p99BudgetMs} ms budget` };
  if (!(exp2.commitsPerS > lane.writesPerS))
    return {
      fits: false,
      reason: `group commit sustains ${exp2.commitsPerS}/s with ${lane.writers} writers, the tool needs ${round(lane.writesPerS)}/s per database`,
    };
  return {
    fits: true,
    reason: `p99 ${exp1.p99Ms} ms within ${profile.p99BudgetMs} ms; ${exp2.commitsPerS}/s > ${round(lane.writesPerS)}/s`,
  };
}

/** Step 3 for a fitting tool: amber when one database relies on group commit to keep up. */
export function firehoseOrGreen(
  profile: WorkloadProfile,
  exp2: NonNullable<PlacementFigures["exp2"]>,
  evidence: Experiment[],
): Placement {
  const lane = perDatabase(profile);
  if (lane.writesPerS > exp2.sequentialCommitsPerS)
    return {
      quadrant: "amber",
      backend: "this-engine",
      evidence,
      reason: `sustained ${round(lane.writesPerS)} writes/s on one database, above the ${exp2.sequentialCommitsPerS}/s of one-at-a-time commits: rides on group commit, benchmark first`,
    };
  return {
    quadrant: "green",
    backend: "this-engine",
    evidence,
    reason: `${round(lane.writesPerS)} writes/s per database, within one-at-a-time commits`,
  };
}

/** The decision boundary: the engine's placement rule. */
export function placeProfile(profile: WorkloadProfile, figures: PlacementFigures): Placement {
  const fit = fitCheck(profile, figures);
  const evidence: Experiment[] = ["exp1", "exp2"];
  if (!fit.fits)
    return { quadrant: "red", backend: "coupled-postgres", evidence, reason: `does not fit: ${fit.reason}` };
  if (contentionPlausible(profile)) {
    if (figures.exp3 === null)
      throw new PlacementEvidenceError(
        `${profile.id}: ${profile.sameRowShare * 100}% of writes hit shared rows; cannot place without Exp 3`,
      );
    evidence.push("exp3");
    const utilisation = contendedUtilisation(profile, figures.exp3);
    if (inRedQuadrant(profile, figures))
      return {
        quadrant: "red",
        backend: "coupled-postgres",
        evidence,
        reason: `contended writes use ${round(utilisation * 100)}% of the ${figures.exp3.contendedCommitsPerS}/s one row sustains${profile.latencyCritical ? " (latency-critical)" : ""}`,
      };
  }
  return firehoseOrGreen(profile, figures.exp2!, evidence);
}

/** The seam a forensic variant replaces (R-03: a rule that never looks at Exp 3). */
export interface PlacementSeams {
  place: (profile: WorkloadProfile, figures: PlacementFigures) => Placement;
}

export const realPlacementSeams: PlacementSeams = { place: placeProfile };

const round = (value: number): number => Math.round(value * 100) / 100;
