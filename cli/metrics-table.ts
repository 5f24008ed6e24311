/** `run --metrics`: each scenario's per-seed metrics as an aligned text table. */
import type { SeedResult } from "../harness/result.ts";

export function metricsTables(results: readonly SeedResult[]): string[] {
  const byScenario = new Map<string, SeedResult[]>();
  for (const result of results) {
    if (Object.keys(result.metrics).length === 0) continue;
    byScenario.set(result.scenario, [...(byScenario.get(result.scenario) ?? []), result]);
  }
  const lines: string[] = [];
  for (const [scenario, rows] of byScenario) {
    const keys = [...new Set(rows.flatMap((row) => Object.keys(row.metrics)))];
    const cells = [
      ["seed", ...keys],
      ...rows.map((row) => [String(row.seed), ...keys.map((key) => String(row.metrics[key] ?? "-"))]),
    ];
    const widths = keys.map((_, i) => Math.max(...cells.map((line) => line[i + 1]!.length)));
    const seedWidth = Math.max(...cells.map((line) => line[0]!.length));
    lines.push(`METRICS ${scenario}`);
    for (const line of cells) {
      lines.push(
        `  ${line[0]!.padEnd(seedWidth)}  ${line
          .slice(1)
          .map((cell, i) => cell.padStart(widths[i]!))
          .join("  ")}`,
      );
    }
  }
  return lines;
}
