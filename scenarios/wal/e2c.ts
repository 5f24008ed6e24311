/**
 * E2c probes of incremental WAL shipping, one writer on a clean store:
 * - E2C-1 strict commits after a life's first one ship LSN ranges, and reopen byte-identically;
 * - E2C-2 past the size threshold a commit compacts into a new snapshot and keeps the old one as
 *   previousSnapshot, itself restorable;
 * - E2C-3 a range that straddles a WAL-file boundary ships and restores intact;
 * - E2C-4 ten concurrent writes produce one manifest CAS (group commit).
 */
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { readManifest } from "../../engine/manifest/cas.ts";
import { restoreDatabase } from "../../engine/restore/restore.ts";
import { noFaults } from "../../engine/runtime.ts";
import { checkRestoredRows, encodeRowValue, firstDifference } from "../../invariants/durability.ts";
import { resolveBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { SimBlobStore } from "../../sim/blob-store.ts";
import { localDiskFor } from "../../sim/local-disk.ts";
import { DETECTION_SEEDS, type Scenario, type ScenarioContext, type ScenarioResult } from "../scenario.ts";
import { createLifeContext, type LifeContext, unlessDead, verifyReopen } from "./lives.ts";
import {
  bootWriter,
  DATA_DIR,
  DB_PREFIX,
  DEFAULT_WAL_CONFIG,
  driverFor,
  type WalConfig,
  type WriterNode,
} from "./writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "./workload.ts";

type Probe = (context: LifeContext, node: WriterNode) => Promise<Record<string, number>>;

async function runProbe(
  ctx: ScenarioContext,
  config: Partial<WalConfig>,
  probe: Probe,
): Promise<ScenarioResult> {
  const { world, seams } = ctx;
  const walConfig: WalConfig = { ...DEFAULT_WAL_CONFIG, commitIntervalMs: 200, ...config };
  const store = new SimBlobStore(world, resolveBlobStoreOptions({ name: "blobstore" }));
  const context = createLifeContext(
    { world, store, config: walConfig, seams },
    {
      workload: new Workload({ ...DEFAULT_WORKLOAD, noopProbability: 0, deleteProbability: 0.05 }),
    },
  );
  let metrics: Record<string, number> = {};
  void context.supervisor.start(async (supervisor) => {
    const writer = world.spawn("writer.0");
    const node = await unlessDead(supervisor, writer, bootWriter(writer, store, noFaults, walConfig, seams));
    if (!node) throw new Error("writer died while booting");
    metrics = await probe(context, node);
    const writerRows = await node.durable.readRows();
    writer.kill("end of life");
    const view = await verifyReopen(context, "verify.final");
    const difference = view && firstDifference(writerRows, view.rows);
    if (difference) world.violate("byte-identical-reopen", `restore differs from the writer: ${difference}`);
  });
  await world.run();
  return { metrics };
}

const dataPuts = (context: LifeContext, suffix: string) =>
  context.store.history.filter((m) => m.op === "put" && m.key.includes("/data/") && m.key.endsWith(suffix));

/** Sequential strict writes: one commit each. */
async function writeSequentially(context: LifeContext, node: WriterNode, count: number, valueBytes?: number) {
  for (let n = 0; n < count; n++) {
    const record = await context.workload.send(
      context.clients,
      node,
      0,
      valueBytes === undefined
        ? undefined
        : (id) => [
            {
              key: `k${String(n % 50).padStart(4, "0")}`,
              value: encodeRowValue(id, `k${String(n % 50).padStart(4, "0")}`, "w".repeat(valueBytes)),
            },
          ],
    );
    if (record.status !== "acked")
      context.world.violate("acked-write-durability", `write ${record.id} was not acked on a clean store`);
  }
}

export const walE2cIncremental: Scenario = {
  id: "wal.e2c-incremental",
  title: "E2c: strict commits ship LSN ranges, byte-identical across reopens",
  criteria: ["E2C-1", "DUR-1"],
  lane: "sim",
  defaultSeeds: DETECTION_SEEDS,
  run: (ctx) =>
    runProbe(ctx, {}, async (context, node) => {
      await writeSequentially(context, node, 1);
      const snapshotsBefore = dataPuts(context, ".snap").length;
      const rangesBefore = dataPuts(context, ".wal").length;
      await writeSequentially(context, node, 12);
      const writerRows = await node.durable.readRows();
      const first = await verifyReopen(context, "verify.mid");
      const difference = first && firstDifference(writerRows, first.rows);
      if (difference) context.world.violate("byte-identical-reopen", `mid-life restore: ${difference}`);
      await writeSequentially(context, node, 6);
      const ranges = dataPuts(context, ".wal").length - rangesBefore;
      const snapshots = dataPuts(context, ".snap").length - snapshotsBefore;
      if (snapshots !== 0 || ranges !== 18)
        context.world.violate(
          "incremental-shipping",
          `18 commits shipped ${ranges} WAL ranges and ${snapshots} snapshots`,
        );
      return { ranges, snapshots };
    }),
};

export const walE2cCompaction: Scenario = {
  id: "wal.e2c-compaction",
  title: "E2c: compaction at the size threshold rolls a snapshot and keeps the old one as previousSnapshot",
  criteria: ["E2C-2"],
  lane: "sim",
  defaultSeeds: DETECTION_SEEDS,
  run: (ctx) =>
    runProbe(ctx, { compactAtBytes: 32 * 1024 }, async (context, node) => {
      const { world, store } = context;
      await writeSequentially(context, node, 30, 3_000);
      const current = await readManifest(store.client(context.supervisor), manifestKey(DB_PREFIX));
      const snapshots = dataPuts(context, ".snap");
      const manifest = current?.manifest;
      const previous = manifest?.previousSnapshot ?? null;
      if (snapshots.length < 2 || !manifest?.snapshot || !previous)
        world.violate("compaction", `no compaction past the threshold: ${snapshots.length} snapshots`);
      else {
        const before = snapshots[snapshots.length - 2]!;
        if (previous.key !== before.key)
          world.violate(
            "compaction",
            `previousSnapshot is ${previous.key}, the snapshot compacted away was ${before.key}`,
          );
        if (!store.objects().has(previous.key))
          world.violate("compaction", `previousSnapshot ${previous.key} is gone`);
        // The backup must itself restore to a clean state of the history. A restore that fails
        // (an overwritten or corrupt object) is this probe's finding, not a crash of the run.
        const verifier = world.spawn("verify.previous");
        try {
          const restored = await restoreDatabase({
            store: store.client(verifier),
            manifest: { ...manifest, snapshot: previous, segments: [], resumeLsn: previous.lsn },
            driver: driverFor(verifier, context.config, context.seams),
            disk: localDiskFor(verifier),
            dir: DATA_DIR,
            clock: verifier.clock,
          });
          const problems = checkRestoredRows(context.workload.writes, await restored.db.readRows()).filter(
            (problem) => problem.invariant !== "acked-write-durability",
          );
          for (const problem of problems.slice(0, 1))
            world.violate(problem.invariant, `previousSnapshot: ${problem.message}`);
        } catch (error) {
          const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          world.violate("compaction", `previousSnapshot ${previous.key} does not restore: ${message}`);
        }
        verifier.kill("verified");
      }
      return { snapshots: snapshots.length };
    }),
};

export const walE2cWalBoundary: Scenario = {
  id: "wal.e2c-wal-boundary",
  title: "E2c: a WAL range straddling a WAL-file boundary ships and restores intact",
  criteria: ["E2C-3", "DUR-1"],
  lane: "sim",
  defaultSeeds: DETECTION_SEEDS,
  run: (ctx) =>
    runProbe(ctx, { segmentBytes: 16 * 1024 }, async (context, node) => {
      await writeSequentially(context, node, 16, 2_500);
      const segmentBytes = context.config.segmentBytes;
      const straddling = dataPuts(context, ".wal").filter((put) => {
        const match = /\.(\d+)-(\d+)\.wal$/.exec(put.key);
        if (!match) return false;
        const start = Number(match[1]);
        const end = Number(match[2]);
        return Math.floor(start / segmentBytes) !== Math.floor((end - 1) / segmentBytes);
      }).length;
      if (straddling === 0)
        context.world.violate("wal-boundary", "no shipped range crossed a WAL-file boundary");
      return { straddling };
    }),
};

export const walE2cGroupCommit: Scenario = {
  id: "wal.e2c-group-commit",
  title: "E2c: ten concurrent strict writes produce one manifest CAS",
  criteria: ["E2C-4", "E5B-1"],
  lane: "sim",
  defaultSeeds: DETECTION_SEEDS,
  run: (ctx) =>
    runProbe(ctx, { commitIntervalMs: 1_000 }, async (context, node) => {
      await writeSequentially(context, node, 1);
      await context.supervisor.sleep(2_000);
      const manifestPuts = () =>
        context.store.history.filter((m) => m.op === "put" && m.key === manifestKey(DB_PREFIX)).length;
      const before = manifestPuts();
      const writes = Array.from({ length: 10 }, () => context.workload.send(context.clients, node, 0));
      const records = await Promise.all(writes);
      const cas = manifestPuts() - before;
      const acked = records.filter((record) => record.status === "acked").length;
      if (cas !== 1 || acked !== 10)
        context.world.violate(
          "group-commit",
          `10 concurrent writes: ${acked} acked with ${cas} manifest CASes`,
        );
      return { manifestCas: cas, acked };
    }),
};

export const e2cScenarios: readonly Scenario[] = [
  walE2cIncremental,
  walE2cCompaction,
  walE2cWalBoundary,
  walE2cGroupCommit,
];
