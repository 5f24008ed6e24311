/**
 * What the engine needs from the primary's storage and from the wire to a replica. The engine
 * defines these; the storage layer (or a simulation) implements them.
 */
import type { PinKind } from "./errors.ts";
import type { RetainedHistory } from "./history.ts";
import type { Endpoint } from "./types.ts";

/** Who holds a pin: the plan's replica and session. */
export interface PinOwner {
  readonly replicaId: string;
  readonly sessionId: number;
}

export interface Pin {
  readonly id: number;
  readonly kind: PinKind;
  /** wal: retained from this LSN (exclusive); snapshot / full_base: the image's LSN. */
  readonly lsn: number;
  readonly owner: PinOwner;
}

export interface ReplicationStorage {
  /** The current retention state; undefined when it cannot be read (a typed error follows). */
  retainedHistory(): RetainedHistory | undefined;
  /** Each throws PinFailedError when the resource cannot be held. */
  pinWalRetention(owner: PinOwner, fromLsnExclusive: number): Pin;
  pinSnapshot(owner: PinOwner, snapshotLsn: number): Pin;
  pinFullBase(owner: PinOwner, lsn: number): Pin;
  release(pin: Pin): void;
  /**
   * Pins the storage still holds, whoever took them. Pins outlive the engine process that took
   * them (they hold WAL retention in storage); a restarted engine releases its predecessor's.
   */
  heldPins?(): readonly Pin[];
}

/** Identifies one executor's traffic: receivers fence on (epoch, sessionId). */
export interface LinkContext {
  readonly replicaId: string;
  readonly sessionId: number;
  readonly epoch: number;
  readonly endpoint: Endpoint;
  /** False once the session is no longer the live one: a long transfer stops between messages. */
  readonly stillCurrent: () => boolean;
}

/**
 * The wire to one replica. Each call may reject (a TransportError or any error) when the
 * replica cannot be reached; partial progress is reported, never hidden.
 */
export interface ReplicaLink {
  /** The replica's flushed LSN. */
  handshake(context: LinkContext): Promise<number>;
  /** Ships entries (fromExclusive, toInclusive]; resolves with the replica's flushed LSN after. */
  streamWal(context: LinkContext, fromExclusive: number, toInclusive: number): Promise<number>;
  /** Drops the replica's entries above toLsn; resolves with its flushed LSN after. */
  truncate(context: LinkContext, toLsn: number): Promise<number>;
  /** Installs the snapshot at snapshotLsn; resolves with how far the base got (may be short). */
  transferSnapshot(context: LinkContext, snapshotLsn: number): Promise<number>;
  /** Installs a full base image at lsn; resolves with how far the base got (may be short). */
  transferFullBase(context: LinkContext, lsn: number): Promise<number>;
}
