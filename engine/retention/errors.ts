/**
 * Typed errors of the retention engine. Bad input (hostile cursor values, unknown peers, bad
 * configuration) gets a RetentionInputError subclass naming what was wrong; nothing is written
 * when one is thrown.
 */

/** The caller handed the engine something it must refuse. Nothing was changed. */
export abstract class RetentionInputError extends Error {
  abstract readonly code: string;
}

/** A value that should be an op ID (a cursor, a gap floor, an op) is not one. */
export class InvalidOpIdError extends RetentionInputError {
  override name = "InvalidOpIdError";
  readonly code = "invalid_op_id";
  constructor(
    readonly value: string,
    readonly reason: string,
  ) {
    super(`not an op ID (${reason}): ${JSON.stringify(value.slice(0, 64))}`);
  }
}

export type ImplausibleReason = "far-future" | "before-data-epoch";

/** A well-formed op ID whose time cannot be real: far in the future, or before the data began. */
export class ImplausibleIdError extends RetentionInputError {
  override name = "ImplausibleIdError";
  readonly code = "implausible_id";
  constructor(
    readonly role: "cursor" | "op" | "gap",
    readonly value: string,
    readonly timeMs: number,
    readonly reason: ImplausibleReason,
  ) {
    super(`implausible ${role} ${value} (${reason}, time ${timeMs} ms)`);
  }
}

/** A sweep request from a host that is not a known peer (or is ourselves). */
export class UnknownPeerError extends RetentionInputError {
  override name = "UnknownPeerError";
  readonly code = "unknown_peer";
  constructor(readonly host: string) {
    super(`unknown peer host: ${JSON.stringify(host)}`);
  }
}

/** A retention option that is missing, negative, or not a finite number. */
export class RetentionConfigError extends RetentionInputError {
  override name = "RetentionConfigError";
  readonly code = "retention_config";
  constructor(
    readonly option: string,
    readonly value: unknown,
  ) {
    super(`bad retention option ${option}: ${String(value)}`);
  }
}

/** An append whose ID does not sort after the newest op already in the log. */
export class OpOrderError extends RetentionInputError {
  override name = "OpOrderError";
  readonly code = "op_order";
  constructor(
    readonly id: string,
    readonly newestId: string,
  ) {
    super(`op ${id} does not sort after the newest op ${newestId}`);
  }
}

/** A sweep response broke the protocol (ops out of order, or not after the cursor sent). */
export class SweepProtocolError extends Error {
  override name = "SweepProtocolError";
}

/** A conditional cursor write lost a race: the row changed since it was read. Nothing written. */
export class CursorConflictError extends Error {
  override name = "CursorConflictError";
  constructor(readonly host: string) {
    super(`cursor row for ${host} changed since it was read`);
  }
}
