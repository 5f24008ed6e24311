/**
 * Typed errors of cold backups. Each names the key and what was wrong, so an operator can tell
 * a damaged backup (corrupt index, missing object, wrong size) from a race or a bad request.
 */

/** The backup index exists but cannot be trusted: not JSON, wrong shape, wrong format version. */
export class BackupIndexCorruptError extends Error {
  override name = "BackupIndexCorruptError";
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`backup index ${key} is corrupt: ${reason}`);
  }
}

/** An object a backup names (in the backup store) or copies (from the primary) is absent. */
export class BackupObjectMissingError extends Error {
  override name = "BackupObjectMissingError";
  constructor(
    readonly key: string,
    readonly where: "backup" | "primary",
  ) {
    super(`${where} object ${key} is missing`);
  }
}

/** An object's stored size is not the size the manifest or the backup index records. */
export class BackupSizeMismatchError extends Error {
  override name = "BackupSizeMismatchError";
  constructor(
    readonly key: string,
    readonly storedBytes: number,
    readonly expectedBytes: number,
  ) {
    super(`object ${key} holds ${storedBytes} bytes, expected ${expectedBytes}`);
  }
}

/** An object's content does not match the sha256 the manifest or the backup index records. */
export class BackupIntegrityError extends Error {
  override name = "BackupIntegrityError";
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`object ${key} does not match its record: ${reason}`);
  }
}

/** No backup with this id is in the index (or none at all is restorable). */
export class BackupNotFoundError extends Error {
  override name = "BackupNotFoundError";
  constructor(readonly what: string) {
    super(`no such backup: ${what}`);
  }
}

/** The index CAS kept losing races past the attempt bound; nothing was lost, retry later. */
export class BackupIndexContendedError extends Error {
  override name = "BackupIndexContendedError";
  constructor(
    readonly key: string,
    readonly attempts: number,
  ) {
    super(`backup index ${key}: conditional update lost ${attempts} races in a row`);
  }
}

/** Rebuilding the primary from a backup was refused: the primary still holds a database. */
export class BackupRebuildRefusedError extends Error {
  override name = "BackupRebuildRefusedError";
  constructor(
    readonly manifestKey: string,
    readonly reason: string,
  ) {
    super(`refusing to rebuild ${manifestKey} from a backup: ${reason}`);
  }
}

/** Bad arguments (a retention policy with negative counts, an empty prefix, ...). */
export class BackupConfigError extends Error {
  override name = "BackupConfigError";
}
