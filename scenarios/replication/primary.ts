/**
 * The primary's WAL and storage, as the replication engine sees it through ReplicationStorage,
 * plus the ground truth the checkers compare against (every entry of the current lineage, the
 * real holes, the real checkpoint trust).
 *
 * Faults it can inject (rates from the scenario's swarm draw): pin failures, an unreadable
 * retention state (retainedHistory() answers undefined), holes in the retained WAL. Its
 * retention never recycles entries a WAL pin still holds; pinned snapshots stay readable after
 * the checkpoint moves on. Reads for an executor must be covered by that executor's pins: an
 * uncovered read is recorded as a pin-coverage breach (and refused).
 */
import {
  PinFailedError,
  type Pin,
  type PinOwner,
  type ReplicationStorage,
  type RetainedHistory,
} from "../../engine/replication/index.ts";
import type { Rng } from "../../sim/rng.ts";
import type { WalEntry } from "../../sim/replica.ts";

export interface PrimaryFaults {
  pinFailureRate: number;
  historyUnavailableRate: number;
}

export class WalReadError extends Error {
  override name = "WalReadError";
}

export class PrimaryWal implements ReplicationStorage {
  /** The current lineage, index lsn-1 (ground truth, including recycled entries). */
  private lineage: WalEntry[] = [];
  committedLsn = 0;
  tailLsn = 0;
  checkpointLsn = 0;
  checkpointTrusted = false;
  readonly holes = new Set<number>();
  readonly pins = new Map<number, Pin>();
  private nextPinId = 0;
  faultsOn = true;
  /** Reads not covered by the reader's pins: [owner, what]. */
  readonly uncoveredReads: string[] = [];
  pinsTaken = 0;

  constructor(
    private readonly rng: Rng,
    private readonly faults: PrimaryFaults,
    private readonly pageCount: number,
  ) {}

  get headLsn(): number {
    return this.lineage.length;
  }

  entry(lsn: number): WalEntry | undefined {
    return this.lineage[lsn - 1];
  }

  /** Appends one write to a random page; returns its LSN. */
  append(): number {
    const lsn = this.lineage.length + 1;
    const page = this.rng.int(0, this.pageCount - 1);
    const bytes = new Uint8Array(8);
    for (let i = 0; i < bytes.length; i++) bytes[i] = this.rng.int(0, 255);
    bytes[0] = lsn & 0xff;
    this.lineage.push({ lsn, page, bytes });
    return lsn;
  }

  commit(upTo: number): void {
    this.committedLsn = Math.max(this.committedLsn, Math.min(upTo, this.headLsn));
  }

  /** Recycles entries up to `to`, never past a WAL pin or the committed boundary. */
  advanceTail(to: number): void {
    let limit = Math.min(to, this.committedLsn);
    for (const pin of this.pins.values()) if (pin.kind === "wal") limit = Math.min(limit, pin.lsn);
    if (limit <= this.tailLsn) return;
    this.tailLsn = limit;
    for (const hole of [...this.holes]) if (hole <= limit) this.holes.delete(hole);
  }

  /** A new checkpoint at the committed boundary; `trusted` false models a base that failed validation. */
  checkpoint(trusted: boolean): void {
    this.checkpointLsn = this.committedLsn;
    this.checkpointTrusted = trusted;
  }

  /** Loses one retained entry (a hole) between the tail and the head. */
  punchHole(): number | null {
    if (this.headLsn - this.tailLsn < 3) return null;
    const lsn = this.rng.int(this.tailLsn + 1, this.headLsn);
    this.holes.add(lsn);
    return lsn;
  }

  /** Promotion to a new lineage: everything above committed is discarded. */
  discardUncommitted(): number {
    const discarded = this.headLsn - this.committedLsn;
    this.lineage = this.lineage.slice(0, this.committedLsn);
    for (const hole of [...this.holes]) if (hole > this.committedLsn) this.holes.delete(hole);
    return discarded;
  }

  /** The truth: pages as of `lsn` in the current lineage. */
  stateAt(lsn: number): Map<number, Uint8Array> {
    const pages = new Map<number, Uint8Array>();
    for (const entry of this.lineage.slice(0, lsn)) pages.set(entry.page, entry.bytes);
    return pages;
  }

  /** The truth: are (from, to] all retained and readable? */
  trulyRetained(fromExclusive: number, toInclusive: number): boolean {
    if (fromExclusive < this.tailLsn || toInclusive > this.headLsn) return false;
    for (const hole of this.holes) if (hole > fromExclusive && hole <= toInclusive) return false;
    return true;
  }

  retainedHistory(): RetainedHistory | undefined {
    if (this.faultsOn && this.rng.chance(this.faults.historyUnavailableRate)) return undefined;
    return {
      tailLsn: this.tailLsn,
      headLsn: this.headLsn,
      committedLsn: this.committedLsn,
      checkpointLsn: this.checkpointLsn,
      checkpointTrusted: this.checkpointTrusted,
      missingLsns: [...this.holes].filter((lsn) => lsn > this.tailLsn).sort((a, b) => a - b),
    };
  }

  pinWalRetention(owner: PinOwner, fromLsnExclusive: number): Pin {
    this.injectPinFault("wal");
    if (fromLsnExclusive < this.tailLsn)
      throw new PinFailedError("wal", `LSN ${fromLsnExclusive + 1} already recycled (tail ${this.tailLsn})`);
    if (fromLsnExclusive > this.headLsn)
      throw new PinFailedError("wal", `LSN ${fromLsnExclusive} beyond head ${this.headLsn}`);
    return this.hold("wal", fromLsnExclusive, owner);
  }

  pinSnapshot(owner: PinOwner, snapshotLsn: number): Pin {
    this.injectPinFault("snapshot");
    if (snapshotLsn !== this.checkpointLsn || !this.checkpointTrusted) {
      throw new PinFailedError(
        "snapshot",
        `no trusted snapshot at ${snapshotLsn} (checkpoint ${this.checkpointLsn}, trusted ${this.checkpointTrusted})`,
      );
    }
    return this.hold("snapshot", snapshotLsn, owner);
  }

  pinFullBase(owner: PinOwner, lsn: number): Pin {
    this.injectPinFault("full_base");
    if (lsn > this.committedLsn)
      throw new PinFailedError("full_base", `no consistent base at ${lsn} (committed ${this.committedLsn})`);
    return this.hold("full_base", lsn, owner);
  }

  release(pin: Pin): void {
    if (!this.pins.delete(pin.id)) throw new Error(`pin ${pin.id} released twice or never taken`);
  }

  heldPins(): readonly Pin[] {
    return [...this.pins.values()];
  }

  pinsOf(owner: PinOwner): Pin[] {
    return [...this.pins.values()].filter(
      (pin) => pin.owner.replicaId === owner.replicaId && pin.owner.sessionId === owner.sessionId,
    );
  }

  /** WAL entries (from, to] for an executor; refused when recycled, missing or not pinned. */
  readWal(owner: PinOwner, fromExclusive: number, toInclusive: number): WalEntry[] {
    const covered = this.pinsOf(owner).some((pin) => pin.kind === "wal" && pin.lsn <= fromExclusive);
    if (!covered) {
      this.uncoveredReads.push(
        `${owner.replicaId}/${owner.sessionId} wal (${fromExclusive}, ${toInclusive}]`,
      );
      throw new WalReadError(`WAL read (${fromExclusive}, ${toInclusive}] not covered by a pin`);
    }
    if (!this.trulyRetained(fromExclusive, toInclusive)) {
      throw new WalReadError(
        `WAL (${fromExclusive}, ${toInclusive}] not retained (tail ${this.tailLsn}, head ${this.headLsn})`,
      );
    }
    return this.lineage.slice(fromExclusive, toInclusive);
  }

  /** The base image at `lsn` as entries sorted by LSN (last write per page). */
  readBase(owner: PinOwner, kind: "snapshot" | "full_base", lsn: number): WalEntry[] {
    const covered = this.pinsOf(owner).some((pin) => pin.kind === kind && pin.lsn === lsn);
    if (!covered) {
      this.uncoveredReads.push(`${owner.replicaId}/${owner.sessionId} ${kind} @${lsn}`);
      throw new WalReadError(`${kind} read at ${lsn} not covered by a pin`);
    }
    const last = new Map<number, WalEntry>();
    for (const entry of this.lineage.slice(0, lsn)) last.set(entry.page, entry);
    return [...last.values()].sort((a, b) => a.lsn - b.lsn);
  }

  private hold(kind: Pin["kind"], lsn: number, owner: PinOwner): Pin {
    const pin: Pin = { id: ++this.nextPinId, kind, lsn, owner };
    this.pins.set(pin.id, pin);
    this.pinsTaken++;
    return pin;
  }

  private injectPinFault(kind: Pin["kind"]): void {
    if (this.faultsOn && this.rng.chance(this.faults.pinFailureRate))
      throw new PinFailedError(kind, "injected: storage refused the pin");
  }
}
