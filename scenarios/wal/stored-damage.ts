/**
 * wal.stored-damage (issue 21): writers live and end cleanly on a fault-free store; then one
 * act of stored-object damage (sim/blobstore/damage.ts), drawn by the swarm, lands between two
 * lives or while a restore is reading; then the engine meets what is left.
 *
 * - The current manifest's objects deleted, truncated or replaced, or the manifest corrupt: the
 *   next writer and a read-only restore refuse with a typed error; the stamp a refused boot made
 *   names the same data; nothing the store holds is deleted or overwritten.
 * - A prefix wiped, a manifest rolled back, a foreign object added: a restore gives exactly the
 *   state the act left (empty; the older manifest's rows; the last rows), the writers go on from
 *   it, and the history is judged from that state on (`judgedWrites`), with progress checked
 *   beside safety (every write acked in bound: the store is clean and the writer lives).
 * - Damage during a restore: the restore either refuses with a typed error or gives a state the
 *   history allows (what it had read before the act was proven by its checksum).
 *
 * The closing checks (final flush, byte-identical reopen, no-op life) end every recoverable seed.
 */
import { manifestKey, decodeManifest } from "../../engine/manifest/manifest.ts";
import type { Row } from "../../engine/db/database.ts";
import { checkRestoredRows, decodeRowValue, type WriteRecord } from "../../invariants/durability.ts";
import { violateDurability } from "../../invariants/durability-evidence.ts";
import { ackBoundMs, checkProgress } from "../../invariants/progress.ts";
import {
  lossProblem,
  lostObjects,
  manifestDataProblem,
  refusalProblem,
} from "../../invariants/stored-damage.ts";
import { resolveBlobStoreOptions, SimBlobStore } from "../../sim/blob-store.ts";
import {
  applyDamage,
  DAMAGE_KINDS,
  type DamageAct,
  describeDamage,
  drawDamage,
} from "../../sim/blobstore/damage.ts";
import type { Scenario, ScenarioContext, ScenarioResult } from "../scenario.ts";
import {
  closingChecks,
  createLifeContext,
  type LifeContext,
  runLife,
  unlessDead,
  verifyReopen,
} from "./lives.ts";
import { bootWriter, DB_PREFIX, DEFAULT_WAL_CONFIG, restoreView, type WalConfig } from "./writer-node.ts";

const WRITES_PER_LIFE = 8;

/** What the engine must make of an act: refuse it, or recover exactly the state it left. */
type Expectation = "refuse" | "erased" | "rolled-back" | "intact";

function expectationOf(act: DamageAct): Expectation {
  switch (act.kind) {
    case "delete":
    case "truncate":
    case "overwrite":
    case "corrupt-manifest":
      return "refuse";
    case "wipe-prefix":
      return "erased";
    case "rollback-manifest":
      return "rolled-back";
    case "foreign-object":
      return "intact";
  }
}

/** The state a recoverable act leaves (null for one the engine must refuse). */
function expectedAfter(
  expectation: Expectation,
  act: DamageAct,
  verified: ReadonlyArray<{ rows: Row[] }>,
): readonly Row[] | null {
  if (expectation === "refuse") return null;
  if (expectation === "erased") return [];
  if (act.kind === "rollback-manifest") return verified[act.toIndex]!.rows;
  return verified[verified.length - 1]!.rows;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Synthetic acked writes that stand for a state the damage left, before every later write. */
function baselineWrites(rows: readonly Row[]): WriteRecord[] {
  return rows.map((row) => ({
    id: row.value === null ? -1 : (decodeRowValue(row.value)?.writeId ?? -1),
    issue: -1,
    rows: [row],
    status: "acked" as const,
    life: -1,
  }));
}

/** Gently end a life: terminate (flush) so every write it took is settled. */
async function endCleanly(
  context: LifeContext,
  node: Awaited<ReturnType<typeof runLife>>["node"],
): Promise<void> {
  if (!node || !node.process.alive) return;
  await unlessDead(context.supervisor, node.process, node.durable.terminate()).catch(() => undefined);
  node.process.kill("terminated");
}

export async function runStoredDamage(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world, seams } = ctx;
  const drawn = world.draw("damage", (rng) => ({
    kind: rng.pick(DAMAGE_KINDS),
    livesBefore: rng.int(2, 3),
    duringRestore: rng.chance(0.25),
    commitIntervalMs: rng.pick([200, 1_000]),
    compactAtBytes: rng.pick([48 * 1024, 16 * 1024 * 1024]),
    clientCount: rng.pick([1, 3]),
  }));
  const config: WalConfig = {
    ...DEFAULT_WAL_CONFIG,
    commitIntervalMs: drawn.commitIntervalMs,
    compactAtBytes: drawn.compactAtBytes,
  };
  // A clean store (the per-object rate limit stays on, as on GCS): every failure is the damage's.
  const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
  const context = createLifeContext(
    { world, store, config, seams },
    { clientCount: drawn.clientCount, writeIntervalMeanMs: 150 },
  );
  const key = manifestKey(DB_PREFIX);
  let lives = 0;
  let outcome = "none";
  void context.supervisor.start(async (supervisor) => {
    const verified: Array<{ manifest: Uint8Array; rows: Row[] }> = [];
    for (let life = 0; life < drawn.livesBefore; life++) {
      const result = await runLife(context, `writer.${life}`, life, WRITES_PER_LIFE);
      lives++;
      await endCleanly(context, result.node);
      const view = await verifyReopen(context, `verify.${life}`);
      if (world.violations.length > 0 || !view) return;
      verified.push({ manifest: store.objects().get(key)!.bytes, rows: view.rows });
    }
    const current = decodeManifest(store.objects().get(key)!.bytes, key);
    const act = drawDamage(world.rng.fork("damage:act"), store, drawn.kind, {
      prefix: DB_PREFIX,
      manifestKey: key,
      referencedKeys: [
        ...(current.snapshot ? [current.snapshot.key] : []),
        ...current.segments.map((segment) => segment.key),
      ],
      olderManifests: verified.slice(0, -1).map((state) => state.manifest),
    });
    const expectation = expectationOf(act);
    const damage = () => {
      applyDamage(store, act);
      world.log("operator", "store.damage", { ...describeDamage(act), expectation });
    };

    if (drawn.duringRestore) {
      // The act lands while a read-only restore is reading: it refuses, or what it read is proven.
      const reader = world.spawn("verify.during-damage");
      world.scheduler.after(supervisor.rng.int(0, 40), "operator", "store.damage-due", damage);
      try {
        const view = await restoreView(reader, store.client(reader), config, seams);
        const problems = checkRestoredRows(context.workload.writes, view.rows);
        // Read after the act: the state the act left is as good as the one before it.
        const left = expectedAfter(expectation, act, verified);
        if (left && lossProblem(left, view.rows) === null) problems.length = 0;
        for (const problem of problems.slice(0, 3))
          violateDurability(world, problem, `restore during damage: ${problem.message}`);
      } catch (error) {
        const problem = refusalProblem(error);
        if (problem) world.violate("damage-refusal", `restore during ${act.kind}: ${problem}`);
      }
      reader.kill("verified");
      if (world.violations.length > 0) return;
    } else damage();

    const before = store.objects();
    const process = world.spawn(`writer.${lives}`);
    let bootError: unknown = null;
    const node = await unlessDead(
      supervisor,
      process,
      bootWriter(process, store, context.faultsFor(process), config, seams),
    ).catch((error: unknown) => {
      bootError = error;
      return null;
    });
    lives++;
    if (expectation === "refuse") {
      outcome = node ? "served" : "refused";
      if (node) {
        world.violate(
          "damage-refusal",
          `writer booted over a store whose ${act.kind} damaged ${"key" in act ? act.key : "the prefix"}: it serves data it cannot prove`,
        );
        node.process.kill("served");
        return;
      }
      process.kill("refused");
      const problem = refusalProblem(bootError);
      if (problem) world.violate("damage-refusal", `writer over ${act.kind}: ${problem}`);
      const reader = world.spawn("verify.damaged");
      await restoreView(reader, store.client(reader), config, seams).then(
        () =>
          world.violate(
            "damage-refusal",
            `a restore over ${act.kind} succeeded: it read data it cannot prove`,
          ),
        (error: unknown) => {
          const refusal = refusalProblem(error);
          if (refusal) world.violate("damage-refusal", `restore over ${act.kind}: ${refusal}`);
        },
      );
      reader.kill("verified");
      const after = store.objects();
      const manifestProblem = manifestDataProblem(before.get(key), after.get(key), key);
      if (manifestProblem)
        world.violate("damage-store-preserved", `after a refused boot: ${manifestProblem}`);
      for (const lost of lostObjects(before, after, [key]).slice(0, 3))
        world.violate("damage-store-preserved", `after a refused boot: ${lost}`);
      return;
    }

    // Recoverable: the writer must boot (the store is clean and holds a provable state).
    if (!node) {
      outcome = "refused";
      world.violate(
        "damage-refusal",
        `writer refused a recoverable store after ${act.kind}: ${errorText(bootError)}`,
      );
      return;
    }
    outcome = "recovered";
    await endCleanly(context, node);
    const expected = expectedAfter(expectation, act, verified)!;
    const reader = world.spawn("verify.after-damage");
    try {
      const view = await restoreView(reader, store.client(reader), config, seams);
      const problem = lossProblem(expected, view.rows);
      if (problem) world.violate("damage-loss", `after ${act.kind}: ${problem}`);
    } catch (error) {
      world.violate("damage-loss", `after ${act.kind}: restore failed: ${errorText(error)}`);
    }
    reader.kill("verified");
    if (world.violations.length > 0) return;
    // From here on the history is the state the act left plus the writes that follow it.
    const firstJudgedIssue =
      context.workload.writes.reduce((most, write) => Math.max(most, write.issue), -1) + 1;
    const baseline = baselineWrites(expected);
    const judged = () => [
      ...baseline,
      ...context.workload.writes.filter((write) => write.issue >= firstJudgedIssue),
    ];
    context.judgedWrites = judged;
    for (let n = 0; n < 1; n++) {
      const result = await runLife(context, `writer.${lives}`, lives, WRITES_PER_LIFE);
      lives++;
      await endCleanly(context, result.node);
      await verifyReopen(context, `verify.${lives - 1}`);
      if (world.violations.length > 0) return;
    }
    const progress = checkProgress(
      context.workload.writes.filter((write) => write.issue >= firstJudgedIssue),
      { ackBoundMs: ackBoundMs(config.commitIntervalMs), faultRate: 0, faultAllowance: 1 },
    );
    for (const problem of progress.slice(0, 2)) world.violate(problem.invariant, problem.message);
    if (world.violations.length > 0) return;
    await closingChecks(context, lives);
    const lost = lostObjects(before, store.objects(), [key]);
    for (const problem of lost.slice(0, 3)) world.violate("damage-store-preserved", problem);
  });
  await world.run();
  return { metrics: { lives, ...context.workload.counts(), [`damage.${drawn.kind}.${outcome}`]: 1 } };
}

export const walStoredDamage: Scenario = {
  id: "wal.stored-damage",
  title:
    "Stored objects deleted, truncated, replaced, wiped, added or rolled back between lives and during restore: the engine refuses what it cannot prove and recovers exactly what is left",
  criteria: ["DUR-1", "DUR-2"],
  lane: "sim",
  // 90 seeds: a bug failing 5% of seeds is found with probability 1 - 0.95^90 > 0.99.
  defaultSeeds: 90,
  killPoints: [],
  run: runStoredDamage,
};
