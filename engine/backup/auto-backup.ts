/**
 * The default auto-backup wiring: when a backup target is configured, the writer backs up after
 * every `everyCommits` manifest commits and after every compaction (a new snapshot), in the
 * background, one backup at a time, then applies retention. Without a target it is a no-op.
 * The commit path never waits for it and a failed backup never fails a commit: the next
 * trigger retries (an orphan the failure left is adopted then, B14).
 *
 * Wiring: `WalShipperOptions.onCommitted = autoBackup.onCommitted` (see `autoBackupHook`).
 */
import type { BlobStore } from "../blobstore/blob-store.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { type Clock, type FaultPoints, type Logger, type Random, silentLogger } from "../runtime.ts";
import { type BackupOutcome, type BackupSeams, ColdArchiver } from "./archiver.ts";
import { BackupConfigError } from "./errors.ts";
import { applyRetention, checkRetentionPolicy, type RetentionPolicy } from "./retention.ts";

export interface AutoBackupPolicy {
  /** Back up after this many manifest commits since the last backup. */
  everyCommits: number;
  /** Back up whenever a commit rolled a new snapshot (compaction, first commit of a life). */
  onSnapshot: boolean;
  /** Applied after each backup; absent: keep everything. */
  retention?: RetentionPolicy;
}

export const AUTO_BACKUP_DEFAULTS: Readonly<AutoBackupPolicy> = Object.freeze({
  everyCommits: 20,
  onSnapshot: true,
  retention: { keepLast: 7, gfs: { daily: 7, weekly: 4, monthly: 6 } },
});

export interface AutoBackupOptions {
  /** The backup target; absent: auto-backup is off (a no-op). */
  target?: { store: BlobStore; backupPrefix: string };
  source: BlobStore;
  manifestKey: string;
  policy?: Partial<AutoBackupPolicy>;
  clock: Clock;
  random?: Random;
  faults?: FaultPoints;
  logger?: Logger;
  seams?: Partial<BackupSeams>;
}

export class AutoBackup {
  readonly policy: AutoBackupPolicy;
  private readonly archiver: ColdArchiver | null;
  private lastBackedUpSeq = -1;
  private lastSnapshotKey: string | null = null;
  private latest: Manifest | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  readonly outcomes: BackupOutcome[] = [];
  readonly failures: string[] = [];

  constructor(private readonly options: AutoBackupOptions) {
    this.policy = { ...AUTO_BACKUP_DEFAULTS, ...options.policy };
    if (!(Number.isSafeInteger(this.policy.everyCommits) && this.policy.everyCommits >= 1))
      throw new BackupConfigError(`everyCommits must be an integer >= 1, got ${this.policy.everyCommits}`);
    if (this.policy.retention) checkRetentionPolicy(this.policy.retention);
    this.archiver = options.target
      ? new ColdArchiver({
          source: options.source,
          manifestKey: options.manifestKey,
          target: options.target.store,
          backupPrefix: options.target.backupPrefix,
          clock: options.clock,
          ...(options.random ? { random: options.random } : {}),
          ...(options.faults ? { faults: options.faults } : {}),
          ...(options.logger ? { logger: options.logger } : {}),
          ...(options.seams ? { seams: options.seams } : {}),
        })
      : null;
  }

  get enabled(): boolean {
    return this.archiver !== null;
  }

  /** The shipper's hook: called with every manifest a commit of this writer landed. */
  readonly onCommitted = (manifest: Manifest): void => {
    if (!this.archiver) return;
    this.latest = manifest;
    const snapshotKey = manifest.snapshot?.key ?? null;
    const newSnapshot =
      this.policy.onSnapshot && snapshotKey !== null && snapshotKey !== this.lastSnapshotKey;
    const due =
      this.lastBackedUpSeq < 0 || manifest.commitSeq - this.lastBackedUpSeq >= this.policy.everyCommits;
    if (newSnapshot || due) this.trigger();
  };

  /** Back up the latest commit now (a clean shutdown does this) and wait for it. */
  async backupNow(): Promise<void> {
    if (!this.archiver) return;
    await this.idle();
    if (this.latest && this.latest.commitSeq !== this.lastBackedUpSeq) {
      this.trigger();
      await this.idle();
    }
  }

  /** Resolves once no backup is running or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private trigger(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
  }

  private async loop(): Promise<void> {
    const logger = this.options.logger ?? silentLogger;
    do {
      this.again = false;
      const target = this.latest;
      try {
        const outcome = await this.archiver!.backupOnce();
        this.outcomes.push(outcome);
        if (outcome.kind === "created" || outcome.kind === "exists") {
          this.lastBackedUpSeq = outcome.entry.commitSeq;
          this.lastSnapshotKey = target?.snapshot?.key ?? this.lastSnapshotKey;
          if (this.policy.retention)
            await applyRetention({
              store: this.options.target!.store,
              backupPrefix: this.options.target!.backupPrefix,
              policy: this.policy.retention,
              clock: this.options.clock,
              ...(this.options.random ? { random: this.options.random } : {}),
              ...(this.options.faults ? { faults: this.options.faults } : {}),
              ...(this.options.seams ? { seams: this.options.seams } : {}),
              logger,
            });
        }
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.failures.push(message);
        logger.log("backup.auto-failed", { error: message });
      }
    } while (this.again);
  }
}
