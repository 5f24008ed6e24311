/**
 * The rebuild state machine of one rebuild session:
 * init → source_select → transfer → (tail_replay, snapshot+tail only) → completed | aborted.
 * Tail replay may begin only once the base transfer reached the snapshot LSN (V02): replaying a
 * tail over a half-installed base leaves the pages between them missing.
 */
import { ProgressError, RebuildGateError, InvalidPhaseError } from "./errors.ts";
import type { RebuildSource } from "./history.ts";

export type RebuildPhase = "init" | "source_select" | "transfer" | "tail_replay" | "completed" | "aborted";

export interface RebuildProgress {
  readonly source: RebuildSource | null;
  readonly snapshotLsn: number;
  readonly targetLsn: number;
  readonly transferredTo: number;
  readonly tailReplayedTo: number;
}

/** May the tail replay start? The fix: only once the base reached the snapshot LSN. */
export type TailReplayGate = (progress: RebuildProgress) => boolean;

export const baseReachedSnapshot: TailReplayGate = (progress) =>
  progress.transferredTo >= progress.snapshotLsn;

export class RebuildState implements RebuildProgress {
  phase: RebuildPhase = "init";
  source: RebuildSource | null = null;
  snapshotLsn = 0;
  targetLsn = 0;
  transferredTo = 0;
  tailReplayedTo = 0;
  abortReason: string | null = null;

  constructor(private readonly tailReplayGate: TailReplayGate) {}

  selectSource(source: RebuildSource, snapshotLsn: number, targetLsn: number): void {
    this.require("select rebuild source", "init");
    if (source === "snapshot_tail" && (snapshotLsn <= 0 || snapshotLsn > targetLsn)) {
      throw new RebuildGateError(
        "no_tail_for_full_base",
        `snapshot LSN ${snapshotLsn} is not within (0, ${targetLsn}]`,
      );
    }
    this.source = source;
    this.snapshotLsn = source === "snapshot_tail" ? snapshotLsn : 0;
    this.targetLsn = targetLsn;
    this.tailReplayedTo = this.snapshotLsn;
    this.phase = "source_select";
  }

  beginTransfer(): void {
    this.require("begin base transfer", "source_select");
    this.phase = "transfer";
  }

  recordTransfer(transferredTo: number): void {
    this.require("record base transfer", "transfer");
    if (transferredTo < this.transferredTo) {
      throw new ProgressError(
        "transfer_regression",
        `transfer went back from ${this.transferredTo} to ${transferredTo}`,
      );
    }
    this.transferredTo = transferredTo;
  }

  beginTailReplay(): void {
    this.require("begin tail replay", "transfer");
    if (this.source !== "snapshot_tail") {
      throw new RebuildGateError("no_tail_for_full_base", "a full-base rebuild has no tail replay");
    }
    if (!this.tailReplayGate(this)) {
      throw new RebuildGateError(
        "tail_replay_before_base",
        `tail replay refused: base transferred to ${this.transferredTo}, snapshot is at ${this.snapshotLsn}`,
      );
    }
    this.phase = "tail_replay";
  }

  recordTailReplay(replayedTo: number): void {
    this.require("record tail replay", "tail_replay");
    if (replayedTo < this.tailReplayedTo) {
      throw new ProgressError(
        "progress_regression",
        `tail replay went back from ${this.tailReplayedTo} to ${replayedTo}`,
      );
    }
    if (replayedTo > this.targetLsn) {
      throw new ProgressError(
        "beyond_frozen_target",
        `tail replay ${replayedTo} beyond target ${this.targetLsn}`,
      );
    }
    this.tailReplayedTo = replayedTo;
  }

  readyToComplete(): boolean {
    if (this.source === "snapshot_tail")
      return this.phase === "tail_replay" && this.tailReplayedTo >= this.targetLsn;
    if (this.source === "full_base") return this.phase === "transfer" && this.transferredTo >= this.targetLsn;
    return false;
  }

  complete(): void {
    if (!this.readyToComplete()) {
      throw new RebuildGateError(
        "rebuild_not_ready",
        `rebuild not ready: source=${this.source ?? "none"} phase=${this.phase} transferred=${this.transferredTo} replayed=${this.tailReplayedTo} target=${this.targetLsn}`,
      );
    }
    this.phase = "completed";
  }

  abort(reason: string): void {
    if (this.phase === "completed" || this.phase === "aborted") return;
    this.phase = "aborted";
    this.abortReason = reason;
  }

  private require(operation: string, phase: RebuildPhase): void {
    if (this.phase !== phase) throw new InvalidPhaseError(operation, `rebuild:${this.phase}`);
  }
}
