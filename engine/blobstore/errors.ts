/**
 * Typed errors of the BlobStore interface. Adapters map provider responses onto these; the
 * engine decides what to do from the type alone, never from a message string.
 *
 * AmbiguousWriteError is the dangerous one: the write may or may not have been applied (the
 * response was lost). The caller must find out by reading, never assume either outcome.
 */

import { isNamedError } from "../named-error.ts";

export abstract class BlobStoreError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
  }
}

/** The precondition (ifNoneMatch / ifMatch) did not hold: HTTP 412. Nothing was written. */
export class PreconditionFailedError extends BlobStoreError {
  override name = "PreconditionFailedError";
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isNamedError(value, "PreconditionFailedError");
  }
  readonly code = "precondition_failed";
}

/** The object does not exist (delete, or a conditional write on a missing key): HTTP 404. */
export class NotFoundError extends BlobStoreError {
  override name = "NotFoundError";
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isNamedError(value, "NotFoundError");
  }
  readonly code = "not_found";
}

/** Too many mutations of one object, or of the bucket: HTTP 429. Nothing was written. */
export class RateLimitedError extends BlobStoreError {
  override name = "RateLimitedError";
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isNamedError(value, "RateLimitedError");
  }
  readonly code = "rate_limited";
}

/**
 * A failure known not to have applied: a read that failed, a connection refused before the
 * request was sent. Retryable. A 5xx answer to a write is NOT known-unapplied on real GCS (the
 * write may have landed): adapters report it as AmbiguousWriteError.
 */
export class TransientError extends BlobStoreError {
  override name = "TransientError";
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isNamedError(value, "TransientError");
  }
  readonly code = "transient";
}

/** A mutation whose outcome is unknown: it may have been applied. */
export class AmbiguousWriteError extends BlobStoreError {
  override name = "AmbiguousWriteError";
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isNamedError(value, "AmbiguousWriteError");
  }
  readonly code = "ambiguous_write";
}

/** The caller's arguments are invalid (empty key, bad range, malformed token). */
export class InvalidRequestError extends BlobStoreError {
  override name = "InvalidRequestError";
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isNamedError(value, "InvalidRequestError");
  }
  readonly code = "invalid_request";
}

/** Credentials were refused or the bucket does not exist (401/403/404 on the bucket). */
export class AccessError extends BlobStoreError {
  override name = "AccessError";
  // `this.name`, not "AccessError": subclasses (adapters/gcs MissingCredentialsError) inherit it.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isNamedError(value, this.name);
  }
  readonly code = "access";
}
