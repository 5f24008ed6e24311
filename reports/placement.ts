/**
 * The report's Placement section: per workload profile, the figures the decision boundary read
 * (Exp 1 latency floor, Exp 2 throughput at the tool's writers, Exp 3 contended ceiling) and the
 * quadrant and backend it chose, taken from the experiments.placement scenario's metrics (medians
 * over its seeds; a quadrant that differed between seeds shows every value seen). The latency
 * percentiles come from experiments.exp1-latency-floor when it ran: a thousand commits a profile,
 * where the placement scenario's own fifteen make p99 and p999 both its slowest commit.
 */
/** What placement reads of a scenario's evidence (evidence.ts's ScenarioEvidence has these). */
export interface ScenarioFigures {
  id: string;
  seeds: number;
  metrics: Record<string, { median: number }>;
  labels: Record<string, string>;
}

export const PLACEMENT_SCENARIO = "experiments.placement";
export const LATENCY_FLOOR_SCENARIO = "experiments.exp1-latency-floor";

export interface PlacementRow {
  profile: string;
  p50Ms: number | null;
  p99Ms: number | null;
  p999Ms: number | null;
  /** Group-commit throughput at the tool's writers per database. */
  commitsPerS: number | null;
  /** Exp 3 contended ceiling; null when the tool has no shared rows. */
  contendedPerS: number | null;
  quadrant: string;
  backend: string;
}

export function placementRows(scenarios: readonly ScenarioFigures[]): PlacementRow[] {
  const placement = scenarios.find((s) => s.id === PLACEMENT_SCENARIO);
  if (!placement || placement.seeds === 0) return [];
  const median = (name: string) => placement.metrics[name]?.median ?? null;
  const floor = scenarios.find((s) => s.id === LATENCY_FLOOR_SCENARIO);
  const latency = (name: string) => floor?.metrics[name]?.median ?? median(name);
  return Object.keys(placement.labels)
    .filter((name) => name.endsWith(".quadrant"))
    .map((name) => name.slice(0, -".quadrant".length))
    .map((profile) => ({
      profile,
      p50Ms: latency(`${profile}.p50Ms`),
      p99Ms: latency(`${profile}.p99Ms`),
      p999Ms: latency(`${profile}.p999Ms`),
      commitsPerS: median(`${profile}.commitsPerS`),
      contendedPerS: median(`${profile}.contendedPerS`),
      quadrant: placement.labels[`${profile}.quadrant`] ?? "?",
      backend: placement.labels[`${profile}.backend`] ?? "?",
    }));
}

/** The column headings and cells both renderers use. */
export const PLACEMENT_COLUMNS = [
  "profile",
  "p50 / p99 / p999 ms (Exp 1)",
  "commits/s at its writers (Exp 2)",
  "one-row ceiling /s (Exp 3)",
  "quadrant",
  "backend",
] as const;

export function placementCells(row: PlacementRow): string[] {
  const n = (value: number | null) => (value === null ? "—" : String(value));
  return [
    row.profile,
    `${n(row.p50Ms)} / ${n(row.p99Ms)} / ${n(row.p999Ms)}`,
    n(row.commitsPerS),
    n(row.contendedPerS),
    row.quadrant,
    row.backend,
  ];
}
