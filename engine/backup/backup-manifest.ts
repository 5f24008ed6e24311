/**
 * A backup's copy of the primary's manifest, checked against its index entry (size, sha256,
 * commit and token) before anything is restored from it. Shared by the archiver and the restore.
 */
import { decodeManifest, type Manifest } from "../manifest/manifest.ts";
import { sha256Hex } from "../wal/data-objects.ts";
import type { BackupEntry } from "./backup-index.ts";
import { BackupIntegrityError, BackupSizeMismatchError } from "./errors.ts";

/** The manifest a backup holds, as the primary had it. */
export function decodeBackupManifest(bytes: Uint8Array, entry: BackupEntry): Manifest {
  if (bytes.length !== entry.manifest.bytes)
    throw new BackupSizeMismatchError(entry.manifest.key, bytes.length, entry.manifest.bytes);
  if (sha256Hex(bytes) !== entry.manifest.sha256)
    throw new BackupIntegrityError(entry.manifest.key, "sha256 differs from the index's");
  const manifest = decodeManifest(bytes, entry.manifest.key);
  if (manifest.commitSeq !== entry.commitSeq || manifest.fencingToken !== entry.fencingToken)
    throw new BackupIntegrityError(
      entry.manifest.key,
      `is commit ${manifest.commitSeq}, the index says ${entry.commitSeq}`,
    );
  return manifest;
}
