/**
 * `gcs://BUCKET/PREFIX` (or `gs://…`): a bucket and a key prefix inside it. Bucket names follow
 * GCS's rules (3–63 characters of lowercase letters, digits, `-`, `_`, `.`, starting and ending
 * with a letter or digit; dotted names up to 222), so a typo is caught before any request.
 */
import { InvalidRequestError } from "../../engine/blobstore/errors.ts";

export interface GcsLocation {
  bucket: string;
  /** Empty, or ends with "/": prepended to every key. */
  prefix: string;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/;

export function validateBucketName(bucket: string): string {
  const maxLength = bucket.includes(".") ? 222 : 63;
  if (bucket.length < 3 || bucket.length > maxLength || !BUCKET_NAME.test(bucket))
    throw new InvalidRequestError(
      `invalid GCS bucket name "${bucket}": 3-63 characters of a-z, 0-9, "-", "_", ".", starting and ending with a letter or digit`,
      "",
    );
  return bucket;
}

/** "a/b/" from "a/b", "/a/b/", "a/b/"; "" from "" or "/". */
export function normalizePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, "");
  return trimmed.length === 0 ? "" : `${trimmed}/`;
}

export function parseGcsLocation(text: string): GcsLocation {
  const match = /^(?:gcs|gs):\/\/([^/]*)(?:\/(.*))?$/.exec(text);
  if (!match)
    throw new InvalidRequestError(
      `a GCS store looks like gcs://BUCKET or gcs://BUCKET/PREFIX, got "${text}"`,
      "",
    );
  return { bucket: validateBucketName(match[1] ?? ""), prefix: normalizePrefix(match[2] ?? "") };
}
