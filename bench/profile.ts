/**
 * Where a seed's time goes (`blobsim bench --profile`): a V8 CPU profile (node:inspector) of
 * wal.e2b-kill-points seeds in this thread, each sample's self time charged to the layer of the
 * file it ran in. The layers are the ones the issue asks about: the kernel (scheduler, processes,
 * the event-loop turn each event waits on), the store model, the engine, the checkers, the trace,
 * the scenario and harness (setup, teardown), libraries and the runtime (GC, node internals).
 */
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import { runSeed } from "../harness/run-seed.ts";
import type { BenchFigures } from "./figures.ts";

export const PROFILE_SCENARIO = "wal.e2b-kill-points";
const PROFILE_SEEDS = 40;
const SAMPLING_INTERVAL_US = 200;

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  hitCount?: number;
}

/** The layer a frame's file belongs to; the order of the tests matters (first match wins). */
const LAYERS: ReadonlyArray<readonly [string, RegExp]> = [
  ["trace", /\/sim\/(trace|hash)\.ts$/],
  ["kernel", /\/sim\/(scheduler|process|world|rng|crash|sanitizer)\.ts$/],
  ["store_model", /\/sim\/(blob-store|blobstore\/|network)/],
  ["kill_plan", /\/sim\/kill-plan\.ts$/],
  ["local_disk", /\/sim\/local-disk\.ts$|\/node_modules\/(memfs|@jsonjoy\.com)\//],
  ["engine", /\/engine\//],
  ["checkers", /\/invariants\//],
  ["scenario", /\/scenarios\//],
  ["harness", /\/(harness|fixtures|bench)\//],
  ["libraries", /\/node_modules\//],
];

function layerOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === "(idle)") return "idle";
  if (functionName === "(garbage collector)") return "gc";
  for (const [layer, pattern] of LAYERS) if (pattern.test(url)) return layer;
  return "runtime"; // node internals, (program), promise machinery
}

export async function profileBench(seeds = PROFILE_SEEDS): Promise<BenchFigures> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
  await session.post("Profiler.start");
  const started = performance.now();
  for (let seed = 0; seed < seeds; seed++) await runSeed(PROFILE_SCENARIO, seed);
  const wallMs = performance.now() - started;
  const { profile } = (await session.post("Profiler.stop")) as { profile: { nodes: ProfileNode[] } };
  session.disconnect();
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const count = node.hitCount ?? 0;
    hits.set(layerOf(node), (hits.get(layerOf(node)) ?? 0) + count);
    total += count;
  }
  const figures: BenchFigures = {
    profile_scenario: PROFILE_SCENARIO,
    profile_seeds: seeds,
    profile_seed_ms: Number((wallMs / seeds).toFixed(2)),
  };
  const layers = [...hits.entries()].sort((a, b) => b[1] - a[1]);
  for (const [layer, count] of layers)
    figures[`profile_${layer}_pct`] = Number(((100 * count) / Math.max(1, total)).toFixed(1));
  return figures;
}
