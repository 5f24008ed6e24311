/**
 * The measurement rig of the placement experiments: the real engine (engine/wal shipper in
 * strict mode, group commit paced at the engine's default manifest-CAS interval) over the
 * simulated GCS bucket with its calibrated latency, slow tail and per-object mutation rate limit
 * (sim/blob-store.ts; faults off: these are performance figures, not fault hunts).
 *
 * A scenario boots one writer on its own bucket (its own random stream), makes the life's first
 * commit (a snapshot) before any clock starts, then runs its measurements one after another on
 * that writer, driving writes from a client process and timing them in simulated milliseconds,
 * from the call to the ack. (One boot per scenario: booting costs more wall time than a run.)
 *
 * Closed loop: every writer sends its next write as soon as the previous one is acked. Rates
 * are counted between the first and the last ack (burst) of a run, so they span whole
 * group-commit cycles; the first burst waits out the pacing left by whatever ran before.
 */
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { noFaults } from "../../engine/runtime.ts";
import type { Row } from "../../engine/db/database.ts";
import { resolveBlobStoreOptions, SimBlobStore } from "../../sim/blob-store.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { World } from "../../sim/world.ts";
import type { Seams } from "../seams.ts";
import { percentile } from "../../engine/percentile.ts";
import {
  bootWriter,
  DB_PREFIX,
  DEFAULT_WAL_CONFIG,
  type WalConfig,
  type WriterNode,
} from "../wal/writer-node.ts";

/** The engine as shipped: strict mode, default CAS pacing (about the bucket's 1 mutation/s). */
export const RIG_WAL_CONFIG: WalConfig = { ...DEFAULT_WAL_CONFIG, mode: "strict" };

export interface RigContext {
  world: World;
  seams: Seams;
}

export interface Rig {
  name: string;
  store: SimBlobStore;
  node: WriterNode;
  client: SimProcess;
  /** Closed-loop runs so far: each contended run increments a counter row of its own. */
  runs: number;
}

function rowValue(bytes: number, writeNo: number): Uint8Array {
  const value = new Uint8Array(bytes);
  value.fill(97 + (writeNo % 26));
  return value;
}

export async function bootRig(context: RigContext, name: string): Promise<Rig> {
  const { world, seams } = context;
  const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: `store.${name}` }));
  const writer = world.spawn(`writer.${name}`);
  const node = await bootWriter(writer, store, noFaults, RIG_WAL_CONFIG, seams);
  // A life's first commit ships a snapshot; it is not what a tool's writes pay afterwards.
  await node.durable.write([{ key: "warmup", value: rowValue(16, 0) }]);
  return { name, store, node, client: world.spawn(`clients.${name}`), runs: 0 };
}

export function endRig(rig: Rig): void {
  rig.node.process.kill("measured");
  rig.client.kill("measured");
}

export interface LatencyFigures {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export function latencyFigures(latenciesMs: readonly number[]): LatencyFigures {
  return {
    samples: latenciesMs.length,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    p999Ms: percentile(latenciesMs, 99.9),
    maxMs: Math.max(...latenciesMs),
  };
}

/**
 * Experiment 1, the latency floor: strict writes of `writeBytes`, one at a time, each sent more
 * than a pacing interval after the previous ack so no commit waits for the CAS pacing: what is
 * left is the data-object upload plus the manifest CAS.
 */
export async function measureSingleCommits(
  context: RigContext,
  rig: Rig,
  writeBytes: number,
  samples: number,
): Promise<LatencyFigures> {
  const latencies: number[] = [];
  const manifest = manifestKey(DB_PREFIX);
  for (let n = 1; n <= samples; n++) {
    await rig.client.sleep(RIG_WAL_CONFIG.commitIntervalMs + rig.client.rng.int(1, 250));
    const startedMs = context.world.nowMs;
    await rig.node.durable.write([{ key: `row-${n % 64}`, value: rowValue(writeBytes, n) }]);
    // A latency is a commit latency only if a manifest CAS made the write durable before the ack.
    const lastCas = rig.store.history.findLast((m) => m.op === "put" && m.key === manifest);
    if (!lastCas || lastCas.atMs < startedMs)
      context.world.violate(
        "strict-ack-after-cas",
        `${rig.name}: write ${n} acked ${context.world.nowMs - startedMs} ms after it was sent with no manifest CAS since`,
      );
    latencies.push(context.world.nowMs - startedMs);
  }
  return latencyFigures(latencies);
}

export type RowShape = "independent" | "contended";

export interface ClosedLoopFigures {
  writers: number;
  shape: RowShape;
  /** Acked writes per second. */
  commitsPerS: number;
  /** Manifest CASes per second (each one a group commit). */
  casPerS: number;
  writesPerCas: number;
  /** Latency of one write from the call (before any row lock) to the ack. */
  p50Ms: number;
  p99Ms: number;
  acked: number;
}

export interface ClosedLoopOptions {
  writers: number;
  shape: RowShape;
  writeBytes: number;
}

/**
 * Acks a run waits for. Independent rows: two rounds of every writer (two group commits; the
 * rate spans the cycle between them). Contended: three increments (two cycles); the other
 * writers stay queued on the row lock and leave once the run has its acks.
 */
export function acksWanted(options: ClosedLoopOptions): number {
  return options.shape === "independent" ? 2 * options.writers : 3;
}

/** A FIFO row lock: the next waiter gets it when the holder releases. */
class RowLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Rate of events at `times` (sorted) counted between the first and the last of them. */
function ratePerS(times: readonly number[]): number {
  if (times.length < 2) return 0;
  const spanMs = times[times.length - 1]! - times[0]!;
  if (spanMs <= 0) return 0;
  const afterFirst = times.filter((t) => t > times[0]!).length;
  return (afterFirst * 1000) / spanMs;
}

/**
 * N writers in a closed loop on one database.
 * - independent: writer i updates its own row: group commit may batch every writer's write.
 * - contended: every writer does read-modify-write on ONE row (a counter) and keeps the row
 *   lock until its write is acked. That is what the same transaction does on Postgres: a
 *   committing transaction keeps its row locks through its synchronous commit wait (the WAL
 *   flush, and the standby's ack with synchronous replication), so the next writer of the row
 *   only ever reads a durable value. Here durable means the manifest CAS, so contended writes
 *   go one per durable commit and group commit has nothing to batch.
 * The contended run also checks its own result: the counter must end at the number of acked
 * increments, each having read its predecessor's value (no lost update).
 */
export async function measureClosedLoop(
  context: RigContext,
  rig: Rig,
  options: ClosedLoopOptions,
): Promise<ClosedLoopFigures> {
  const { world } = context;
  const counterKey = `hot-row-${++rig.runs}`;
  const lock = new RowLock();
  const startMs = world.nowMs;
  const wanted = acksWanted(options);
  const ackTimes: number[] = [];
  const latencies: number[] = [];
  let issued = 0;
  let increments = 0;

  /** One write of `writer`; false once the run has all the acks it wants. */
  const writeOnce = async (writer: number): Promise<boolean> => {
    const startedMs = world.nowMs;
    let rows: Row[];
    if (options.shape === "contended") {
      await lock.acquire();
      if (issued >= wanted) {
        lock.release();
        return false;
      }
      issued++;
      const current = (await rig.node.durable.readRows()).find((row) => row.key === counterKey);
      const seen = current?.value ? Number(decoder.decode(current.value)) : 0;
      if (seen !== increments)
        world.violate(
          "contended-serial",
          `writer ${writer} read counter ${seen} but ${increments} increments were acked before it`,
        );
      rows = [{ key: counterKey, value: encoder.encode(String(seen + 1)) }];
    } else {
      if (issued >= wanted) return false;
      issued++;
      rows = [{ key: `row-${writer}`, value: rowValue(options.writeBytes, issued) }];
    }
    try {
      await rig.node.durable.write(rows);
      if (options.shape === "contended") increments++;
    } finally {
      if (options.shape === "contended") lock.release();
    }
    ackTimes.push(world.nowMs);
    latencies.push(world.nowMs - startedMs);
    return true;
  };

  const loops = Array.from({ length: options.writers }, async (_, writer) => {
    while (await writeOnce(writer));
  });
  await Promise.all(loops);

  if (options.shape === "contended") {
    const final = (await rig.node.durable.readRows()).find((row) => row.key === counterKey);
    const value = final?.value ? Number(decoder.decode(final.value)) : 0;
    if (value !== increments)
      world.violate("contended-serial", `counter ends at ${value} after ${increments} acked increments`);
  }
  const casTimes = rig.store.history
    .filter((m) => m.op === "put" && m.key === manifestKey(DB_PREFIX) && m.atMs >= startMs)
    .map((m) => m.atMs);
  ackTimes.sort((a, b) => a - b);
  const commitsPerS = ratePerS(ackTimes);
  const casPerS = ratePerS(casTimes);
  return {
    writers: options.writers,
    shape: options.shape,
    commitsPerS: round2(commitsPerS),
    casPerS: round2(casPerS),
    // Both rates span whole cycles; counting raw totals would split a cycle at the window's edge.
    writesPerCas: casPerS > 0 ? round2(commitsPerS / casPerS) : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    acked: ackTimes.length,
  };
}

/**
 * Runs `body` in a supervisor process of the world and drives the event loop; a crash of the
 * body fails the seed (rather than ending it quietly).
 */
export async function runInSupervisor<T>(world: World, body: () => Promise<T>): Promise<T> {
  const supervisor = world.spawn("supervisor");
  let outcome: { value: T } | null = null;
  let failure: unknown = null;
  void supervisor
    .start(async () => {
      outcome = { value: await body() };
    })
    .catch((error: unknown) => {
      failure = error ?? new Error("rejected");
    });
  await world.run();
  if (failure !== null) throw failure;
  if (outcome === null) throw new Error("the experiment did not finish (the event loop went quiet)");
  return (outcome as { value: T }).value;
}

export const round2 = (value: number): number => Math.round(value * 100) / 100;
