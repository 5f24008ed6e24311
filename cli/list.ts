import { ENGINE_FAULT_POINTS } from "../engine/fault-points.ts";
import { allVariants } from "../fixtures/forensic/index.ts";
import { CRITERIA } from "../reports/criteria.ts";
import { allScenarios } from "../scenarios/index.ts";
import { STORE_KILL_POINTS } from "../sim/kill-plan.ts";
import { flag, type Options, parse } from "./args.ts";

export const listHelp = `blobsim list [--json]
Scenarios, forensic variants, kill points and criteria.`;

export function listing() {
  const killPoints = new Set<string>(
    [...ENGINE_FAULT_POINTS, ...STORE_KILL_POINTS].map((point) => point.name),
  );
  for (const scenario of allScenarios) for (const point of scenario.killPoints ?? []) killPoints.add(point);
  return {
    scenarios: allScenarios.map((s) => ({
      id: s.id,
      title: s.title,
      criteria: [...s.criteria],
      lane: s.lane,
      defaultSeeds: s.defaultSeeds,
    })),
    variants: allVariants.map((v) => ({
      id: v.id,
      title: v.title,
      scenarios: [...v.scenarios],
      invariant: v.invariant,
    })),
    killPoints: [...killPoints].sort(),
    criteria: CRITERIA.map((c) => ({ id: c.id, level: c.level, title: c.title })),
  };
}

export const listFlags: Options = {
  json: { type: "boolean", description: "print {scenarios, variants, killPoints, criteria} as JSON" },
};

export async function listCommand(args: string[]): Promise<number> {
  const parsed = parse(args, listFlags, false);
  const data = listing();
  if (flag(parsed, "json")) {
    console.log(JSON.stringify(data, null, 1));
    return 0;
  }
  // Columns as wide as their longest entry, so ids added later never break the alignment.
  const width = (ids: readonly { id: string }[]) => Math.max(...ids.map((item) => item.id.length));
  const scenarioWidth = width(data.scenarios);
  const variantWidth = width(data.variants);
  console.log("SCENARIOS");
  for (const s of data.scenarios)
    console.log(`  ${s.id.padEnd(scenarioWidth)} ${s.lane.padEnd(6)} [${s.criteria.join(",")}] ${s.title}`);
  console.log("VARIANTS");
  for (const v of data.variants)
    console.log(
      `  ${v.id.padEnd(variantWidth)} ${v.title}  (caught by ${v.invariant} in ${v.scenarios.join(", ")})`,
    );
  console.log("KILL POINTS");
  for (const point of data.killPoints) console.log(`  ${point}`);
  console.log("CRITERIA");
  for (const c of data.criteria) console.log(`  ${c.id.padEnd(7)} ${c.level.padEnd(6)} ${c.title}`);
  return 0;
}
