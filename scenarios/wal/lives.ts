/**
 * The machinery the WAL scenarios share: writer lives driven by a supervisor, clients sending
 * writes to the current life, and the checks made after every life (restore + durability
 * invariants) and at the end (byte-identical reopen, no-op commits upload nothing).
 */
import type { FaultPoints } from "../../engine/runtime.ts";
import { noFaults } from "../../engine/runtime.ts";
import { checkRestoredRows, firstDifference, type WriteRecord } from "../../invariants/durability.ts";
import { violateDurability } from "../../invariants/durability-evidence.ts";
import type { SimBlobStore } from "../../sim/blob-store.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { World } from "../../sim/world.ts";
import type { Seams } from "../seams.ts";
import {
  bootWriter,
  type RestoredView,
  restoreView,
  type WalConfig,
  type WriterNode,
} from "./writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "./workload.ts";

const POLL_MS = 50;

/** `work`'s value, or null once `process` is dead (its pending calls never settle). */
export async function unlessDead<T>(
  watcher: SimProcess,
  process: SimProcess,
  work: Promise<T>,
): Promise<T | null> {
  let done = false;
  let value: T | null = null;
  let failure: unknown = null;
  work.then(
    (result) => {
      done = true;
      value = result;
    },
    (error: unknown) => {
      done = true;
      failure = error ?? new Error("rejected");
    },
  );
  await watcher.sleep(0);
  while (!done && process.alive) await watcher.sleep(POLL_MS);
  if (failure !== null) throw failure;
  return done ? value : null;
}

export interface LifeContext {
  world: World;
  store: SimBlobStore;
  config: WalConfig;
  seams: Seams;
  workload: Workload;
  supervisor: SimProcess;
  clients: SimProcess;
  faultsFor: (process: SimProcess) => FaultPoints;
  /** Number of concurrent client loops. */
  clientCount: number;
  /** Mean pause between one client's writes. */
  writeIntervalMeanMs: number;
  /**
   * The history restores are judged against; absent: every write. A scenario whose store lost
   * data to a fault (sim/blobstore/damage.ts) judges the state the fault left plus later writes.
   */
  judgedWrites?: () => readonly WriteRecord[];
}

/**
 * A LifeContext with the usual defaults: one client writing every ~100 ms, the default
 * workload, no fault points. The supervisor and client processes are spawned here, in that
 * order, so every scenario names them alike.
 */
export function createLifeContext(
  base: Pick<LifeContext, "world" | "store" | "config" | "seams">,
  overrides: Partial<
    Pick<LifeContext, "workload" | "faultsFor" | "clientCount" | "writeIntervalMeanMs">
  > = {},
): LifeContext {
  const workload = overrides.workload ?? new Workload(DEFAULT_WORKLOAD);
  return {
    ...base,
    workload,
    supervisor: base.world.spawn("supervisor"),
    clients: base.world.spawn("clients"),
    faultsFor: overrides.faultsFor ?? (() => noFaults),
    clientCount: overrides.clientCount ?? 1,
    writeIntervalMeanMs: overrides.writeIntervalMeanMs ?? 100,
  };
}

export interface LifeResult {
  node: WriterNode | null;
  /** The writer died (a kill) rather than being ended by the supervisor. */
  died: boolean;
  sent: number;
}

/** Boot writer `name`, let the clients send up to `writes` writes to it; stop if it dies. */
export async function runLife(
  context: LifeContext,
  name: string,
  life: number,
  writes: number,
): Promise<LifeResult> {
  const { world, supervisor } = context;
  const process = world.spawn(name);
  let node: WriterNode | null;
  try {
    node = await unlessDead(
      supervisor,
      process,
      bootWriter(process, context.store, context.faultsFor(process), context.config, context.seams),
    );
  } catch (error) {
    process.log("writer.boot-failed", {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    process.kill("boot failed");
    return { node: null, died: true, sent: 0 };
  }
  if (node === null) return { node: null, died: true, sent: 0 };
  let sent = 0;
  const loops: Array<Promise<void>> = [];
  for (let slot = 0; slot < context.clientCount; slot++) {
    loops.push(
      (async () => {
        while (sent < writes && process.alive) {
          await context.clients.sleep(
            Math.round(context.clients.rng.exponential(context.writeIntervalMeanMs)),
          );
          if (sent >= writes || !process.alive) return;
          sent++;
          await context.workload.send(context.clients, node, life);
        }
      })(),
    );
  }
  while (process.alive && sent < writes) await supervisor.sleep(POLL_MS);
  // Answers still in flight settle (or time out) on their own; the oracle treats them as maybe.
  void Promise.all(loops);
  return { node, died: !process.alive, sent };
}

/** Restore the current manifest in a fresh process and check it against the history. */
export async function verifyReopen(context: LifeContext, name: string): Promise<RestoredView | null> {
  const { world } = context;
  const verifier = world.spawn(name);
  let view: RestoredView;
  try {
    view = await restoreView(verifier, context.store.client(verifier), context.config, context.seams);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    world.violate("restore-integrity", `${name}: restore failed: ${message}`);
    verifier.kill("verified");
    return null;
  }
  verifier.kill("verified");
  const problems = checkRestoredRows(context.judgedWrites?.() ?? context.workload.writes, view.rows);
  for (const problem of problems.slice(0, 3))
    violateDurability(world, problem, `${name}: ${problem.message}`);
  if (view.peakBufferedBytes > view.bufferBoundBytes)
    world.violate(
      "restore-buffer-bound",
      `${name}: restore buffered ${view.peakBufferedBytes} bytes at peak, bound ${view.bufferBoundBytes}`,
    );
  world.log("wal", "verify", {
    name,
    rows: view.rows.length,
    commitSeq: view.commitSeq,
    peakBufferedBytes: view.peakBufferedBytes,
    problems: problems.length,
  });
  return view;
}

/**
 * The closing checks: a last life ends cleanly (terminate = flush), two independent restores
 * equal each other and the writer's own rows byte for byte; then a read-only life with only
 * no-op writes must upload no data object.
 */
export async function closingChecks(context: LifeContext, life: number): Promise<void> {
  const { world, store } = context;
  const last = await runLife(context, `writer.${life}.final`, life, 6);
  if (last.node && last.node.process.alive) {
    const process = last.node.process;
    let flushError: unknown = null;
    const terminated = await unlessDead(context.supervisor, process, last.node.durable.terminate()).catch(
      (error: unknown) => {
        flushError = error;
        return null;
      },
    );
    // A clean shutdown whose flush fails is a writer that cannot make its state durable: a
    // violation, not a reason to skip the reopen check.
    if (flushError !== null && process.alive)
      world.violate(
        "final-flush",
        `the final flush of ${process.name} failed: ${flushError instanceof Error ? `${flushError.name}: ${flushError.message}` : String(flushError)}`,
      );
    if (terminated !== null) {
      const writerRows = await last.node.durable.readRows();
      const first = await verifyReopen(context, `verify.${life}.final.a`);
      const second = await verifyReopen(context, `verify.${life}.final.b`);
      if (first && second) {
        const againDiff = firstDifference(first.rows, second.rows);
        const writerDiff = firstDifference(writerRows, first.rows);
        if (againDiff) world.violate("byte-identical-reopen", `two restores differ: ${againDiff}`);
        if (writerDiff)
          world.violate(
            "byte-identical-reopen",
            `restore differs from the writer that flushed: ${writerDiff}`,
          );
      }
    }
    process.kill("closed");
  }
  const dataPuts = () => store.history.filter((m) => m.op === "put" && m.key.includes("/data/")).length;
  const before = dataPuts();
  const reader = world.spawn(`writer.${life}.readonly`);
  const node = await unlessDead(
    context.supervisor,
    reader,
    bootWriter(reader, store, noFaults, context.config, context.seams),
  ).catch(() => null);
  if (node) {
    for (let n = 0; n < 3; n++) await context.workload.send(context.clients, node, life + 1, []);
    await unlessDead(context.supervisor, reader, node.durable.terminate()).catch(() => null);
    const uploaded = dataPuts() - before;
    if (uploaded > 0)
      world.violate("noop-commit-uploads", `a life with only no-op writes uploaded ${uploaded} data objects`);
  }
  reader.kill("closed");
}
