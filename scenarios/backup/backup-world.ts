/**
 * What the cold-backup scenarios share: a primary store the writer ships its WAL to, a second
 * store (a second blast radius) the archivers copy backups into, writer lives that end
 * quiesced (so the oracle knows the primary's exact state at that commit), archivers, retention
 * runs, restorers and rebuilders, each in its own process so a kill plan can kill it mid-way,
 * and the check that restores every indexed backup and judges it (invariants/backup.ts).
 */
import type { Row } from "../../engine/db/database.ts";
import {
  applyRetention,
  type BackupOutcome,
  ColdArchiver,
  rebuildPrimary,
  type RebuildResult,
  readBackupIndex,
  restoreFromBackup,
  type RetentionPolicy,
  type RetentionResult,
} from "../../engine/backup/index.ts";
import { manifestKey } from "../../engine/manifest/manifest.ts";
import { withStoreRetries } from "../../engine/blobstore/conditional-write.ts";
import { DEFAULT_STORE_RETRY } from "../../engine/wal/data-objects.ts";
import { noFaults } from "../../engine/runtime.ts";
import { BackupOracle } from "../../invariants/backup.ts";
import { type BlobStoreOptions, resolveBlobStoreOptions, SimBlobStore } from "../../sim/blob-store.ts";
import { drawBlobStoreOptions } from "../../sim/blobstore/options.ts";
import { KillPlan, type KillRule } from "../../sim/kill-plan.ts";
import type { LocalDisk } from "../../engine/db/local-disk.ts";
import { localDiskFor, memoryDisk } from "../../sim/local-disk.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { World } from "../../sim/world.ts";
import type { ScenarioContext } from "../scenario.ts";
import type { Seams } from "../seams.ts";
import { unlessDead } from "../wal/lives.ts";
import {
  bootWriter,
  DB_PREFIX,
  DEFAULT_WAL_CONFIG,
  driverFor,
  type WalConfig,
  type WriterNode,
} from "../wal/writer-node.ts";
import { DEFAULT_WORKLOAD, Workload } from "../wal/workload.ts";

export const BACKUP_PREFIX = "backups";
export const PRIMARY_MANIFEST_KEY = manifestKey(DB_PREFIX);

export interface BackupWorldOptions {
  /** Draw a per-seed fault mix for the backup store (429s, 503s, timeouts, ambiguous writes). */
  coldFaults: boolean;
  killRules?: readonly KillRule[];
  /** Random kills at named points of processes matching `process` (archivers, GC). */
  randomKills?: { probability: number; max: number; process: string };
  config?: Partial<WalConfig>;
}

export class BackupWorld {
  readonly world: World;
  readonly seams: Seams;
  readonly primary: SimBlobStore;
  readonly cold: SimBlobStore;
  readonly config: WalConfig;
  readonly workload = new Workload(DEFAULT_WORKLOAD);
  readonly oracle: BackupOracle;
  readonly killPlan: KillPlan;
  readonly supervisor: SimProcess;
  readonly clients: SimProcess;
  writer: WriterNode | null = null;
  /**
   * The restore host's data volume: unlike a serverless instance's tmpfs it survives the
   * restorer's crash, so a retry on the same host meets whatever a killed attempt left in its
   * directory (E6-F: the retry must come out clean anyway).
   */
  private readonly restoreHostDisk = memoryDisk().disk;
  private lives = 0;
  private checks = 0;

  constructor(ctx: ScenarioContext, options: BackupWorldOptions) {
    this.world = ctx.world;
    this.seams = ctx.seams;
    const drawn = ctx.world.draw("backup", (rng) => ({
      compactAtBytes: rng.pick([24 * 1024, 96 * 1024, 16 * 1024 * 1024]),
      segmentBytes: rng.pick([16 * 1024, 64 * 1024]),
      commitIntervalMs: rng.pick([200, 1_000]),
    }));
    this.config = { ...DEFAULT_WAL_CONFIG, ...drawn, danglingHeaderProbability: 0, ...options.config };
    this.primary = new SimBlobStore(ctx.world, resolveBlobStoreOptions({ name: "blobstore" }));
    const coldOptions: BlobStoreOptions = options.coldFaults
      ? drawBlobStoreOptions(ctx.world, "cold")
      : resolveBlobStoreOptions({ name: "cold" });
    this.cold = new SimBlobStore(ctx.world, coldOptions);
    this.oracle = new BackupOracle(this.workload.writes);
    const random = options.randomKills;
    this.killPlan = new KillPlan(ctx.world, {
      rules: options.killRules ?? [],
      ...(random
        ? {
            randomPointKillProbability: random.probability,
            randomKillsMax: random.max,
            randomKillProcess: random.process,
          }
        : {}),
    })
      .watch(this.primary)
      .watch(this.cold);
    this.supervisor = ctx.world.spawn("supervisor");
    this.clients = ctx.world.spawn("clients");
  }

  /** Run the scenario's body in the supervisor; an unexpected error is a violation, not a crash. */
  start(body: (supervisor: SimProcess) => Promise<void>): void {
    void this.supervisor.start(async (supervisor) => {
      try {
        await body(supervisor);
      } catch (error) {
        this.world.violate("backup-scenario-error", describe(error));
      }
    });
  }

  /** Boot the next writer life (the previous one is killed), send `writes` writes, flush. */
  async writeLife(
    writes: number,
    rows?: (writeId: number, n: number) => Row[],
  ): Promise<{ rows: Row[]; commitSeq: number }> {
    this.writer?.process.kill("next life");
    const process = this.world.spawn(`writer.${this.lives}`);
    const node = await unlessDead(
      this.supervisor,
      process,
      bootWriter(process, this.primary, noFaults, this.config, this.seams),
    );
    if (!node) throw new Error(`${process.name} died while booting`);
    this.writer = node;
    const life = this.lives++;
    await this.sendWrites(writes, rows, life);
    return this.quiesce();
  }

  /** Send `writes` writes to the current writer, two at a time. */
  async sendWrites(
    writes: number,
    rows?: (writeId: number, n: number) => Row[],
    life = this.lives - 1,
  ): Promise<void> {
    const node = this.writer;
    if (!node) throw new Error("no writer");
    for (let n = 0; n < writes; n += 2) {
      const batch = [n, n + 1].filter((m) => m < writes);
      await Promise.all(
        batch.map((m) =>
          this.workload.send(this.clients, node, life, rows ? (id: number) => rows(id, m) : undefined),
        ),
      );
    }
  }

  /** Flush the writer and record its rows as the primary's state at the current commit. */
  async quiesce(): Promise<{ rows: Row[]; commitSeq: number }> {
    const node = this.writer;
    if (!node) throw new Error("no writer");
    await unlessDead(this.supervisor, node.process, node.durable.flush());
    const rows = await node.durable.readRows();
    const commitSeq = node.durable.shipper.currentManifest.commitSeq;
    this.oracle.recordQuiesced(commitSeq, rows);
    return { rows, commitSeq };
  }

  /** One archiver run in its own process: the outcome, or null if it was killed. */
  async backup(name: string): Promise<BackupOutcome | null> {
    const process = this.world.spawn(name);
    const archiver = new ColdArchiver({
      source: this.primary.client(process),
      manifestKey: PRIMARY_MANIFEST_KEY,
      target: this.cold.client(process),
      backupPrefix: BACKUP_PREFIX,
      clock: process.clock,
      random: process.rng,
      faults: this.killPlan.faultsFor(process),
      logger: process,
      seams: this.seams.backup ?? {},
    });
    const attempt = this.oracle.startAttempt(name);
    let outcome: BackupOutcome | null;
    try {
      outcome = await unlessDead(this.supervisor, process, archiver.backupOnce());
    } catch (error) {
      process.log("backup.error", { error: describe(error) });
      process.kill("done");
      throw error;
    }
    process.kill("done");
    if (outcome && (outcome.kind === "created" || outcome.kind === "exists"))
      this.oracle.finishAttempt(attempt, outcome.entry.id);
    return outcome;
  }

  /** One retention run in its own process: the result, or null if it was killed. */
  async retention(name: string, policy: RetentionPolicy): Promise<RetentionResult | null> {
    const process = this.world.spawn(name);
    const result = await this.guarded(process, "retention", () =>
      unlessDead(
        this.supervisor,
        process,
        applyRetention({
          store: this.cold.client(process),
          backupPrefix: BACKUP_PREFIX,
          policy,
          clock: process.clock,
          random: process.rng,
          faults: this.killPlan.faultsFor(process),
          logger: process,
          seams: this.seams.backup ?? {},
        }),
      ),
    );
    process.kill("done");
    return result;
  }

  /** Runs `work`; an error (an engine failure, not a kill) is a violation, and null. */
  private async guarded<T>(
    process: SimProcess,
    what: string,
    work: () => Promise<T | null>,
  ): Promise<T | null> {
    try {
      return await work();
    } catch (error) {
      this.world.violate("backup-operation-failed", `${process.name}: ${what} failed: ${describe(error)}`);
      return null;
    }
  }

  /**
   * Restore the newest backup in its own process on the restore host (whose disk outlives a
   * killed restorer): its rows, or null if it was killed.
   */
  async restoreNewest(name: string): Promise<{ rows: Row[]; id: string } | null> {
    const process = this.world.spawn(name);
    const result = await this.guarded(process, "restore", () =>
      unlessDead(
        this.supervisor,
        process,
        (async () => {
          const restored = await restoreFromBackup({
            store: this.cold.client(process),
            backupPrefix: BACKUP_PREFIX,
            driver: driverFor(process, this.config, this.seams),
            disk: onHost(process, this.restoreHostDisk),
            dir: "/restore",
            clock: process.clock,
            logger: process,
            chunkBytes: this.config.chunkBytes,
            parallelism: this.config.parallelism,
            strategy: this.seams.restore ?? {},
            seams: this.seams.backup ?? {},
          });
          return { rows: await restored.db.readRows(), id: restored.entry.id };
        })(),
      ),
    );
    process.kill("done");
    return result;
  }

  /** Rebuild the wiped primary from the newest backup: the result, or null if killed. */
  async rebuild(name: string): Promise<RebuildResult | null> {
    const process = this.world.spawn(name);
    const result = await this.guarded(process, "rebuild", () =>
      unlessDead(
        this.supervisor,
        process,
        rebuildPrimary({
          backupStore: this.cold.client(process),
          backupPrefix: BACKUP_PREFIX,
          primary: this.primary.client(process),
          manifestKey: PRIMARY_MANIFEST_KEY,
          clock: process.clock,
          logger: process,
          rebuilderId: "disaster",
          seams: this.seams.backup ?? {},
        }),
      ),
    );
    process.kill("done");
    return result;
  }

  /** Delete every primary object whose key `doomed` selects (a disaster). */
  async wipePrimary(name: string, doomed: (key: string) => boolean): Promise<number> {
    const process = this.world.spawn(name);
    const client = this.primary.client(process);
    let deleted = 0;
    for (const key of [...this.primary.objects().keys()].filter(doomed)) {
      await withStoreRetries({ clock: process.clock, ...DEFAULT_STORE_RETRY }, () => client.delete(key));
      deleted++;
    }
    process.kill("done");
    this.world.log("backup", "wipe", { deleted });
    return deleted;
  }

  /** Restore every indexed backup in a fresh process and judge them all (invariants/backup.ts). */
  async checkBackups(label: string): Promise<number> {
    const process = this.world.spawn(`check.${this.checks++}.${label}`);
    const client = this.cold.client(process);
    let current;
    try {
      current = await readBackupIndex(client, BACKUP_PREFIX, { clock: process.clock });
    } catch (error) {
      this.world.violate("backup-index-corrupt", `${label}: ${describe(error)}`);
      process.kill("done");
      return 0;
    }
    const backups = current?.index.backups ?? [];
    const restored = new Set<string>();
    for (const entry of backups) {
      try {
        const result = await restoreFromBackup({
          store: client,
          backupPrefix: BACKUP_PREFIX,
          entry,
          driver: driverFor(process, this.config, this.seams),
          disk: localDiskFor(process),
          dir: `/check/${entry.id}`,
          clock: process.clock,
          chunkBytes: this.config.chunkBytes,
          parallelism: this.config.parallelism,
          strategy: this.seams.restore ?? {},
          seams: this.seams.backup ?? {},
        });
        const rows = await result.db.readRows();
        await result.db.close();
        restored.add(entry.id);
        for (const problem of this.oracle.judgeRestored(entry.id, entry.commitSeq, rows))
          this.world.violate(problem.invariant, `${label}: ${problem.message}`);
      } catch (error) {
        this.world.violate(
          "indexed-backup-restores",
          `${label}: backup ${entry.id} does not restore: ${describe(error)}`,
        );
      }
    }
    for (const problem of this.oracle.judgeIndex(
      backups.map((entry) => entry.id),
      current?.index.retired ?? [],
      restored,
    ))
      this.world.violate(problem.invariant, `${label}: ${problem.message}`);
    process.kill("done");
    this.world.log("backup", "check", { label, indexed: backups.length, restored: restored.size });
    return restored.size;
  }
}

/**
 * `disk` as `process` uses it: the volume outlives the process, but a dead process's calls never
 * run and never settle (a paused one's settle on resume), like its store calls.
 */
function onHost(process: SimProcess, disk: LocalDisk): LocalDisk {
  const guarded = {} as LocalDisk;
  for (const name of Object.keys(disk) as Array<keyof LocalDisk>) {
    const method = disk[name] as (...args: unknown[]) => Promise<unknown>;
    (guarded as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      process.alive ? process.guard(method(...args)) : new Promise<never>(() => undefined);
  }
  return guarded;
}

export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** An outcome that leaves the backup indexed. */
export function indexed(outcome: BackupOutcome | null): boolean {
  return outcome !== null && (outcome.kind === "created" || outcome.kind === "exists");
}
