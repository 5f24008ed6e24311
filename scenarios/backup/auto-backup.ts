/**
 * E6-G: the DEFAULT auto-backup wiring (engine/backup/auto-backup.ts: a backup after every 20
 * commits and on every new snapshot, default retention) round-trips at several sizes: 256 KB,
 * 1 MB by seed, 4 MB on one seed in ten, 16 MB on one in fifty. A writer loads the data with the wiring on,
 * adds small writes (each its own commit), shuts down cleanly (the last commit is backed up);
 * then the whole primary is wiped, rebuilt from the newest cold backup alone, and a new writer
 * boots on it: its rows must equal the first writer's byte for byte.
 */
import { AutoBackup } from "../../engine/backup/auto-backup.ts";
import { openWriter } from "../../engine/node/open-writer.ts";
import { noFaults } from "../../engine/runtime.ts";
import { encodeRowValue, firstDifference } from "../../invariants/durability.ts";
import { localDiskFor } from "../../sim/local-disk.ts";
import type { SimProcess } from "../../sim/process.ts";
import { DETECTION_SEEDS, type Scenario, type ScenarioContext, type ScenarioResult } from "../scenario.ts";
import { unlessDead } from "../wal/lives.ts";
import { bootWriter, DATA_DIR, DB_ID, DB_PREFIX, driverFor, type WriterNode } from "../wal/writer-node.ts";
import { BACKUP_PREFIX, BackupWorld, PRIMARY_MANIFEST_KEY } from "./backup-world.ts";

const KB = 1024;
const MB = 1024 * KB;
const ROW_BYTES = 4096;
const ROWS_PER_WRITE = 64;

export function autoBackupSizeBytes(seed: number): number {
  if (seed % 50 === 0) return 16 * MB;
  if (seed % 10 === 5) return 4 * MB;
  return seed % 2 === 1 ? MB : 256 * KB;
}

/** bootWriter with the default auto-backup wired into the shipper's commit hook. */
async function bootAutoBackedWriter(
  process: SimProcess,
  bw: BackupWorld,
): Promise<{ node: WriterNode; auto: AutoBackup }> {
  const client = bw.primary.client(process);
  const auto = new AutoBackup({
    target: { store: bw.cold.client(process), backupPrefix: BACKUP_PREFIX },
    source: client,
    manifestKey: PRIMARY_MANIFEST_KEY,
    clock: process.clock,
    random: process.rng,
    logger: process,
    seams: bw.seams.backup ?? {},
  });
  const opened = await openWriter({
    store: client,
    prefix: DB_PREFIX,
    dbId: DB_ID,
    writerId: process.name,
    clock: process.clock,
    logger: process,
    database: { driver: driverFor(process, bw.config, bw.seams), disk: localDiskFor(process), dir: DATA_DIR },
    takeover: { kind: "fence-stamp", attemptsMax: 1 },
    wal: {
      compactAtBytes: bw.config.compactAtBytes,
      commitIntervalMs: bw.config.commitIntervalMs,
      strategy: bw.seams.wal ?? {},
      onCommitted: auto.onCommitted,
    },
    durability: { mode: "strict" },
  });
  return {
    node: {
      process,
      durable: opened.durable,
      fencingToken: opened.fencingToken,
      peakBufferedBytes: opened.peakBufferedBytes,
      bufferBoundBytes: opened.bufferBoundBytes,
    },
    auto,
  };
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { world, seed } = ctx;
  const sizeBytes = autoBackupSizeBytes(seed);
  const bw = new BackupWorld(ctx, { coldFaults: false, config: { segmentBytes: MB } });
  let metrics: Record<string, number> = { sizeBytes };
  bw.start(async () => {
    const writer = world.spawn("writer.auto");
    const booted = await unlessDead(bw.supervisor, writer, bootAutoBackedWriter(writer, bw));
    if (!booted) throw new Error("writer died while booting");
    const { node, auto } = booted;
    const filler = "d".repeat(ROW_BYTES - 64);
    const rowsTotal = Math.ceil(sizeBytes / ROW_BYTES);
    const loads: Array<Promise<unknown>> = [];
    for (let first = 0; first < rowsTotal; first += ROWS_PER_WRITE) {
      const rows = (writeId: number) => {
        const made = [];
        for (let n = first; n < Math.min(rowsTotal, first + ROWS_PER_WRITE); n++) {
          const key = `bulk${String(n).padStart(7, "0")}`;
          made.push({ key, value: encodeRowValue(writeId, key, filler) });
        }
        return made;
      };
      loads.push(bw.workload.send(bw.clients, node, 0, rows));
    }
    await Promise.all(loads);
    for (let n = 0; n < 25; n++) await bw.workload.send(bw.clients, node, 0);
    await unlessDead(bw.supervisor, writer, node.durable.flush());
    // A clean shutdown backs up the last commit (SIGTERM path).
    await unlessDead(bw.supervisor, writer, auto.backupNow());
    const writerRows = await node.durable.readRows();
    const commitSeq = node.durable.shipper.currentManifest.commitSeq;
    bw.oracle.recordQuiesced(commitSeq, writerRows);
    for (const outcome of auto.outcomes)
      if (outcome.kind === "created" || outcome.kind === "exists") bw.oracle.indexedIds.add(outcome.entry.id);
    if (auto.failures.length > 0)
      world.violate("auto-backup-runs", `auto-backup failed: ${auto.failures[0]}`);
    const created = auto.outcomes.filter((outcome) => outcome.kind === "created").length;
    if (created < 2)
      world.violate("auto-backup-runs", `the default wiring made ${created} backups, expected several`);
    writer.kill("disaster");
    await bw.wipePrimary("vandal", (key) => key.startsWith(`${DB_PREFIX}/`));
    const rebuilt = await bw.rebuild("rebuilder");
    if (!rebuilt) return;
    if (rebuilt.entry.commitSeq !== commitSeq)
      world.violate(
        "auto-backup-runs",
        `newest backup is commit ${rebuilt.entry.commitSeq}, the last commit was ${commitSeq}`,
      );
    const after = world.spawn("writer.after");
    const reopened = await unlessDead(
      bw.supervisor,
      after,
      bootWriter(after, bw.primary, noFaults, bw.config, bw.seams),
    );
    if (!reopened) throw new Error("writer.after died while booting");
    const difference = firstDifference(writerRows, await reopened.durable.readRows());
    if (difference) world.violate("backup-state-at-point", `after the full-disaster restore: ${difference}`);
    after.kill("done");
    metrics = { sizeBytes, backups: created, rows: writerRows.length, commitSeq };
    await bw.checkBackups("final");
  });
  await world.run();
  return { metrics };
}

export const backupAutoRoundtrip: Scenario = {
  id: "backup.auto-roundtrip",
  title:
    "E6-G: the default auto-backup wiring round-trips at 256 KB / 1 MB / 4 MB / 16 MB through a full disaster",
  criteria: ["E6-G"],
  lane: "sim",
  defaultSeeds: DETECTION_SEEDS,
  run,
};
