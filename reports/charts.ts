/**
 * The report's charts as data: the figures that read better drawn than tabled, taken from the
 * scenarios' metrics (medians over the seeds, with min and max where the spread matters). The
 * same object goes into report.json (`charts`) for anyone who wants to plot it differently, and
 * into report.html, where assets/charts.js draws it with Observable Plot.
 *
 * - placement (PLC-1): each workload profile at (its write rate on one database, its p99 commit
 *   over its budget) against the decision boundary's regions: red above the budget, amber past
 *   what one-at-a-time commits sustain, green inside both; the dot's colour is the quadrant the
 *   rule chose (Exp 3 contention can make a profile red inside the green region).
 * - group commit (Exp 2): acked commits/s and manifest CAS/s against 1–64 writers.
 * - latency (E0-5, Exp 1): store p50 by object size against the band E0's measurements allow,
 *   and each profile's commit p50 (Exp 1) at its write size.
 * - contention (Exp 3): commits/s of N writers on one row against N writers on their own rows.
 * - cost (E5-2): the soak's modeled monthly cost against the $0.01–0.07 reference band.
 * - criteria: seeds run and failed per criterion, coloured by status.
 * A chart whose scenario did not run is null and the page says so.
 */
import { loadProfiles, perDatabase } from "../scenarios/experiments/profiles.ts";
import { REFERENCE_BAND_USD } from "../scenarios/platform/soak.ts";
import { LATENCY_OPS, LATENCY_SIZES, referenceBandMs } from "../scenarios/store/latency.ts";
import type { CriterionEvidence, ScenarioEvidence } from "./evidence.ts";
import type { PlacementRow } from "./placement.ts";

export const GROUP_COMMIT_SCENARIO = "experiments.exp2-group-commit-curve";
export const CONTENTION_SCENARIO = "experiments.exp3-contention-wall";
export const STORE_LATENCY_SCENARIO = "store.latency";
export const SOAK_SCENARIO = "platform.e5-soak-72h";
export const EXP1_SCENARIO = "experiments.exp1-latency-floor";

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface ChartData {
  placement: {
    /** One-at-a-time commits/s (Exp 2, one writer): the green/amber boundary. */
    sequentialCommitsPerS: number;
    profiles: Array<{
      profile: string;
      writesPerSPerDatabase: number;
      p99Ms: number;
      p99BudgetMs: number;
      /** p99 over budget: above 1 the profile does not fit (red). */
      p99OfBudget: number;
      quadrant: string;
    }>;
  } | null;
  groupCommit: {
    points: Array<{ writers: number; commitsPerS: Spread; casPerS: Spread; writesPerCas: number }>;
    casCapPerS: number;
  } | null;
  latency: {
    store: Array<{ op: string; bytes: number; p50Ms: Spread; p99Ms: number }>;
    band: Array<{ bytes: number; lowMs: number; highMs: number }>;
    commits: Array<{ profile: string; bytes: number; p50Ms: number; p99Ms: number }>;
  } | null;
  contention: {
    points: Array<{ writers: number; contendedPerS: Spread; independentPerS: Spread }>;
    /** 1 / sequential commit latency: where the contended rate should sit. */
    expectedCeilingPerS: number;
  } | null;
  cost: {
    bandUsd: { low: number; high: number };
    parts: Array<{ part: string; usd: Spread }>;
    totalAfterFreeTierUsd: Spread;
    vsBandHigh: number;
  } | null;
  criteria: Array<{ id: string; area: string; status: string; seeds: number; failedSeeds: number }>;
}

/** Series each chart draws (what the browser test expects to find). */
export const CHART_SERIES = {
  placement: 3, // regions, profile dots, profile labels
  groupCommit: 2, // commits/s, CAS/s
  latency: 5, // band, put, cond_put, get p50, commit p50
  contention: 2, // contended, independent
  cost: 2, // band, cost bars
  criteria: 2, // passed seeds, failed seeds
} as const;

const spread = (scenario: ScenarioEvidence | undefined, name: string): Spread | null => {
  const m = scenario?.metrics[name];
  return m ? { median: m.median, min: m.min, max: m.max } : null;
};

export function chartData(
  scenarios: readonly ScenarioEvidence[],
  criteria: readonly CriterionEvidence[],
  placement: readonly PlacementRow[],
): ChartData {
  const find = (id: string) => scenarios.find((s) => s.id === id && s.seeds > 0);
  return {
    placement: placementChart(placement, find(GROUP_COMMIT_SCENARIO)),
    groupCommit: groupCommitChart(find(GROUP_COMMIT_SCENARIO)),
    latency: latencyChart(find(STORE_LATENCY_SCENARIO), find(EXP1_SCENARIO)),
    contention: contentionChart(find(CONTENTION_SCENARIO)),
    cost: costChart(find(SOAK_SCENARIO)),
    criteria: criteria.map((c) => ({
      id: c.id,
      area: c.area,
      status: c.status,
      seeds: c.seeds,
      failedSeeds: c.failedSeeds,
    })),
  };
}

function placementChart(
  rows: readonly PlacementRow[],
  exp2: ScenarioEvidence | undefined,
): ChartData["placement"] {
  if (rows.length === 0) return null;
  const profiles = new Map(loadProfiles().map((p) => [p.id, p]));
  return {
    sequentialCommitsPerS: spread(exp2, "w1.commitsPerS")?.median ?? 1,
    profiles: rows.flatMap((row) => {
      const profile = profiles.get(row.profile);
      if (!profile || row.p99Ms === null) return [];
      return [
        {
          profile: row.profile,
          writesPerSPerDatabase: perDatabase(profile).writesPerS,
          p99Ms: row.p99Ms,
          p99BudgetMs: profile.p99BudgetMs,
          p99OfBudget: Number((row.p99Ms / profile.p99BudgetMs).toFixed(3)),
          quadrant: row.quadrant,
        },
      ];
    }),
  };
}

function groupCommitChart(exp2: ScenarioEvidence | undefined): ChartData["groupCommit"] {
  if (!exp2) return null;
  const writers = Object.keys(exp2.metrics)
    .map((name) => /^w(\d+)\.commitsPerS$/.exec(name)?.[1])
    .filter((w): w is string => w !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  return {
    points: writers.map((w) => ({
      writers: w,
      commitsPerS: spread(exp2, `w${w}.commitsPerS`)!,
      casPerS: spread(exp2, `w${w}.casPerS`) ?? { median: 0, min: 0, max: 0 },
      writesPerCas: spread(exp2, `w${w}.writesPerCas`)?.median ?? 0,
    })),
    casCapPerS: 1,
  };
}

function latencyChart(
  store: ScenarioEvidence | undefined,
  exp1: ScenarioEvidence | undefined,
): ChartData["latency"] {
  if (!store && !exp1) return null;
  const measured = LATENCY_OPS.flatMap((op) =>
    LATENCY_SIZES.flatMap((size) => {
      const p50 = spread(store, `${op}_${size.label}_p50_ms`);
      if (!p50) return [];
      return [
        {
          op,
          bytes: size.bytes,
          p50Ms: p50,
          p99Ms: spread(store, `${op}_${size.label}_p99_ms`)?.median ?? p50.median,
        },
      ];
    }),
  );
  const band = [1024, 16 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024].map((bytes) => {
    const { lowMs, highMs } = referenceBandMs(bytes);
    return { bytes, lowMs: Number(lowMs.toFixed(1)), highMs: Number(highMs.toFixed(1)) };
  });
  const commits = loadProfiles().flatMap((profile) => {
    const p50 = spread(exp1, `${profile.id}.p50Ms`);
    const p99 = spread(exp1, `${profile.id}.p99Ms`);
    return p50 && p99
      ? [{ profile: profile.id, bytes: profile.writeBytes, p50Ms: p50.median, p99Ms: p99.median }]
      : [];
  });
  return { store: measured, band, commits };
}

function contentionChart(exp3: ScenarioEvidence | undefined): ChartData["contention"] {
  if (!exp3) return null;
  const writers = Object.keys(exp3.metrics)
    .map((name) => /^w(\d+)\.contendedPerS$/.exec(name)?.[1])
    .filter((w): w is string => w !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const sequentialMs = spread(exp3, "sequentialCommitMs")?.median ?? 0;
  return {
    points: writers.map((w) => ({
      writers: w,
      contendedPerS: spread(exp3, `w${w}.contendedPerS`)!,
      independentPerS: spread(exp3, `w${w}.independentPerS`) ?? { median: 0, min: 0, max: 0 },
    })),
    expectedCeilingPerS: sequentialMs > 0 ? Number((1000 / sequentialMs).toFixed(3)) : 0,
  };
}

function costChart(soak: ScenarioEvidence | undefined): ChartData["cost"] {
  const total = spread(soak, "monthlyTotalAfterFreeTierUsd");
  if (!soak || !total) return null;
  const parts = [
    ["store class A (writes, lists)", "monthlyClassAUsd"],
    ["store class B (reads)", "monthlyClassBUsd"],
    ["store storage", "monthlyStorageUsd"],
    ["store after free tier", "monthlyTotalAfterFreeTierUsd"],
    ["platform (CPU, memory, requests)", "monthlyPlatformUsd"],
  ].flatMap(([part, name]) => {
    const usd = spread(soak, name!);
    return usd ? [{ part: part!, usd }] : [];
  });
  return {
    bandUsd: { low: REFERENCE_BAND_USD.low, high: REFERENCE_BAND_USD.high },
    parts,
    totalAfterFreeTierUsd: total,
    vsBandHigh: Number((total.median / REFERENCE_BAND_USD.high).toFixed(2)),
  };
}
