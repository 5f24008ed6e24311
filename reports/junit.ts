/**
 * JUnit XML for CI systems: one test case per scenario (and shard); a failing case lists each
 * failing seed with its replay command. Violations and liveness failures are `<failure>`s (the
 * engine was checked and found wanting); crashes and timeouts are `<error>`s (the seed did not
 * finish its checks), with the crash's stack.
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
  const isError = (r: SeedResult) => r.status === "crash" || r.status === "timeout";
  const failures = [...byScenario.values()].filter((list) => list.some((r) => !r.ok && !isError(r))).length;
  const errors = [...byScenario.values()].filter((list) => list.some(isError)).length;
  const totalSeconds = results.reduce((sum, r) => sum + r.wallMs, 0) / 1000;
  const cases = [...byScenario.entries()].map(([scenario, list]) => {
    const failed = list.filter((r) => !r.ok && !isError(r));
    const errored = list.filter(isError);
    const name = `${scenario} (${list.length} seeds${shardLabel ? `, shard ${shardLabel}` : ""})`;
    const seconds = list.reduce((sum, r) => sum + r.wallMs, 0) / 1000;
    const open = `    <testcase classname="blobsim.${escapeXml(scenario)}" name="${escapeXml(name)}" time="${seconds.toFixed(3)}"`;
    if (failed.length === 0 && errored.length === 0) return `${open}/>`;
    const line = (r: SeedResult) =>
      `seed=${r.seed} ${r.status} invariant=${r.violation?.invariant ?? r.status}: ${r.violation?.message ?? ""}\n  replay: ${replayCommand(r)}` +
      (r.error?.stack ? `\n  ${r.error.stack.split("\n").join("\n  ")}` : "");
    const element = (tag: "failure" | "error", seeds: SeedResult[], verb: string) =>
      `      <${tag} message="${escapeXml(`${seeds.length} of ${list.length} seeds ${verb}; first: ${replayCommand(seeds[0]!)}`)}">${escapeXml(seeds.map(line).join("\n"))}</${tag}>`;
    const body = [
      ...(failed.length > 0 ? [element("failure", failed, "failed")] : []),
      ...(errored.length > 0 ? [element("error", errored, "crashed or timed out")] : []),
    ];
    return `${open}>\n${body.join("\n")}\n    </testcase>`;
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="blobsim" tests="${byScenario.size}" failures="${failures}" errors="${errors}" time="${totalSeconds.toFixed(3)}">`,
    `  <testsuite name="blobsim" tests="${byScenario.size}" failures="${failures}" errors="${errors}" time="${totalSeconds.toFixed(3)}">`,
    ...cases,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}
