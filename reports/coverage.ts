/**
 * The report's coverage section: every declared reach point (engine/reach-points.ts,
 * sim/reach.ts) with its hits over the real-engine seeds, and those no seed reached. A point
 * never reached means the fault model or the scenarios stopped producing that rare state.
 */
import type { SeedResult } from "../harness/result.ts";
import { ENGINE_BUGGIFY_SITES } from "../engine/buggify-sites.ts";
import { ALL_REACH_POINTS } from "../sim/reach.ts";
import { escapeHtml } from "./html-util.ts";

export interface ReachRow {
  name: string;
  description: string;
  /** Hits summed over the seeds. */
  hits: number;
  /** Seeds that hit it at least once. */
  seeds: number;
}

export interface ReachCoverage {
  declared: number;
  reached: number;
  /** reached / declared, 0 when nothing is declared. */
  fraction: number;
  points: ReachRow[];
  unreached: string[];
  /** Names hit that no catalog declares (a typo at a reach call). */
  undeclared: string[];
  /** BUGGIFY sites with their fires (`buggify:<site>` hits); only runs with --buggify fire them. */
  buggify: ReachRow[];
}

export function reachCoverage(
  results: ReadonlyArray<Pick<SeedResult, "reach">>,
  declared = ALL_REACH_POINTS,
  sites = ENGINE_BUGGIFY_SITES,
): ReachCoverage {
  const hits = new Map<string, { hits: number; seeds: number }>();
  for (const result of results)
    for (const [name, count] of Object.entries(result.reach ?? {})) {
      const row = hits.get(name) ?? { hits: 0, seeds: 0 };
      row.hits += count;
      if (count > 0) row.seeds++;
      hits.set(name, row);
    }
  const points = declared.map((point) => ({ ...point, ...(hits.get(point.name) ?? { hits: 0, seeds: 0 }) }));
  const buggify = sites.map((site) => ({
    ...site,
    ...(hits.get(`buggify:${site.name}`) ?? { hits: 0, seeds: 0 }),
  }));
  const known = new Set([
    ...declared.map((point) => point.name),
    ...sites.map((site) => `buggify:${site.name}`),
  ]);
  const reached = points.filter((point) => point.hits > 0).length;
  return {
    declared: points.length,
    reached,
    fraction: points.length === 0 ? 0 : reached / points.length,
    points,
    unreached: points.filter((point) => point.hits === 0).map((point) => point.name),
    undeclared: [...hits.keys()].filter((name) => !known.has(name)).sort(),
    buggify,
  };
}

/** The markdown section. */
export function coverageMarkdown(coverage: ReachCoverage): string[] {
  const lines = [
    "## Coverage (reach points)",
    "",
    `${coverage.reached} of ${coverage.declared} declared reach points reached (${Math.round(coverage.fraction * 100)}%).`,
    "",
    "| reach point | hits | seeds | reached | what |",
    "|---|---|---|---|---|",
  ];
  for (const point of coverage.points)
    lines.push(
      `| \`${point.name}\` | ${point.hits} | ${point.seeds} | ${point.hits > 0 ? "yes" : "**NEVER**"} | ${point.description} |`,
    );
  lines.push("", "| BUGGIFY site | fires | seeds | what |", "|---|---|---|---|");
  for (const site of coverage.buggify)
    lines.push(`| \`${site.name}\` | ${site.hits} | ${site.seeds} | ${site.description} |`);
  if (coverage.undeclared.length > 0)
    lines.push("", `Undeclared points hit: ${coverage.undeclared.join(", ")}.`);
  lines.push("");
  return lines;
}

/** The HTML section: the same two tables as the markdown, unreached points flagged. */
export function coverageHtml(coverage: ReachCoverage): string {
  const pct = Math.round(coverage.fraction * 100);
  const row = (name: string, hits: number, seeds: number, flag: string, what: string) =>
    `<tr data-reach="${escapeHtml(name)}"><td><code>${escapeHtml(name)}</code></td><td>${hits}</td><td>${seeds}</td><td>${flag}</td><td class="note">${escapeHtml(what)}</td></tr>`;
  const fired = coverage.buggify.filter((site) => site.hits > 0).length;
  return `<h2 id="coverage">Coverage (reach points and BUGGIFY sites)</h2>
<p class="muted">${coverage.reached} of ${coverage.declared} declared reach points reached (${pct}%) over the real-engine seeds. ${fired} of ${coverage.buggify.length} BUGGIFY sites fired (sites fire only in runs with --buggify).${coverage.undeclared.length > 0 ? ` Undeclared names hit: ${coverage.undeclared.map(escapeHtml).join(", ")}.` : ""}</p>
<table class="coverage"><thead><tr><th>reach point</th><th>hits</th><th>seeds</th><th>reached</th><th>what</th></tr></thead><tbody>
${coverage.points.map((p) => row(p.name, p.hits, p.seeds, p.hits > 0 ? `<span class="ok">yes</span>` : `<span class="bad">NEVER</span>`, p.description)).join("\n")}
</tbody></table>
<table class="coverage"><thead><tr><th>BUGGIFY site</th><th>fires</th><th>seeds</th><th>fired</th><th>what</th></tr></thead><tbody>
${coverage.buggify.map((s) => row(s.name, s.hits, s.seeds, s.hits > 0 ? `<span class="ok">yes</span>` : `<span class="muted">no</span>`, s.description)).join("\n")}
</tbody></table>`;
}
