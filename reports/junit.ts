/**
 * JUnit XML for CI systems: one test case per scenario (and shard); a failing case lists each
 * failing seed with its replay command.
 */
import type { SeedResult } from "../harness/result.ts";
import { replayCommand } from "../harness/result.ts";

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function junitXml(results: readonly SeedResult[], shardLabel: string | null): string {
  const byScenario = new Map<string, SeedResult[]>();
  for (const result of results) {
    const list = byScenario.get(result.scenario) ?? [];
    list.push(result);
    byScenario.set(result.scenario, list);
  }
  const failures = [...byScenario.values()].filter((list) => list.some((r) => !r.ok)).length;
  const totalSeconds = results.reduce((sum, r) => sum + r.wallMs, 0) / 1000;
  const cases = [...byScenario.entries()].map(([scenario, list]) => {
    const failed = list.filter((r) => !r.ok);
    const name = `${scenario} (${list.length} seeds${shardLabel ? `, shard ${shardLabel}` : ""})`;
    const seconds = list.reduce((sum, r) => sum + r.wallMs, 0) / 1000;
    const open = `    <testcase classname="blobsim.${escapeXml(scenario)}" name="${escapeXml(name)}" time="${seconds.toFixed(3)}"`;
    if (failed.length === 0) return `${open}/>`;
    const lines = failed.map(
      (r) =>
        `seed=${r.seed} invariant=${r.violation?.invariant ?? r.status}: ${r.violation?.message ?? ""}\n  replay: ${replayCommand(r)}`,
    );
    const message = `${failed.length} of ${list.length} seeds failed; first: ${replayCommand(failed[0]!)}`;
    return `${open}>\n      <failure message="${escapeXml(message)}">${escapeXml(lines.join("\n"))}</failure>\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="blobsim" tests="${byScenario.size}" failures="${failures}" time="${totalSeconds.toFixed(3)}">`,
    `  <testsuite name="blobsim" tests="${byScenario.size}" failures="${failures}" time="${totalSeconds.toFixed(3)}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
