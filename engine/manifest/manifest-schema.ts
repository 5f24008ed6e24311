/**
 * The manifest's shape as a zod schema: every field's type, with the same reasons the engine has
 * always given ("manifest.fencingToken must be a non-negative integer"), so a corrupt manifest is
 * named the same way whoever reads it. What a schema cannot say well (WAL ranges contiguous and
 * ending at resumeLsn) stays in manifest.ts, checked after the shape.
 *
 * Objects are loose: a field added by a newer writer is kept, not stripped, and the decoded value
 * is the parsed JSON itself, so re-encoding a manifest never reorders or drops anything.
 */
import { z } from "zod";

export const MANIFEST_FORMAT_VERSION = 1;

const nonNegativeInteger = () => {
  const reason = { error: "must be a non-negative integer" };
  return z.number(reason).int(reason).min(0, reason);
};
const nonEmptyString = () => {
  const reason = { error: "must be a non-empty string" };
  return z.string(reason).min(1, reason);
};

const snapshotRefSchema = z
  .looseObject(
    {
      key: nonEmptyString(),
      sha256: nonEmptyString(),
      bytes: nonNegativeInteger(),
      lsn: nonNegativeInteger(),
      fencingToken: nonNegativeInteger(),
    },
    { error: "must be an object or null" },
  )
  .nullable();

const segmentRefSchema = z.looseObject(
  {
    key: nonEmptyString(),
    sha256: nonEmptyString(),
    startLsn: nonNegativeInteger(),
    endLsn: nonNegativeInteger(),
    bytes: nonNegativeInteger(),
    fencingToken: nonNegativeInteger(),
  },
  { error: "must be an object" },
);

/** Field order is the order problems are reported in: the first one found is the reason given. */
export const manifestSchema = z.looseObject(
  {
    formatVersion: z.literal(MANIFEST_FORMAT_VERSION, {
      error: (issue) => `formatVersion ${JSON.stringify(issue.input)} is not ${MANIFEST_FORMAT_VERSION}`,
    }),
    dbId: nonEmptyString(),
    fencingToken: nonNegativeInteger(),
    commitSeq: nonNegativeInteger(),
    resumeLsn: nonNegativeInteger(),
    writerId: z
      .string({ error: "must be a non-empty string or null" })
      .min(1, { error: "must be a non-empty string or null" })
      .nullable(),
    lifeBaseLsn: z
      .number({ error: "must be a non-negative integer or null" })
      .int({ error: "must be a non-negative integer or null" })
      .min(0, { error: "must be a non-negative integer or null" })
      .nullable(),
    dataSeq: nonNegativeInteger().optional(),
    snapshot: snapshotRefSchema,
    previousSnapshot: snapshotRefSchema,
    segments: z.array(segmentRefSchema, { error: "must be an array" }),
  },
  { error: "not a JSON object" },
);

/** Fields named "manifest.X" in reasons; the nested ones are named by their own path. */
const NESTED_FIELDS = new Set(["snapshot", "previousSnapshot", "segments"]);

/** The first problem with `value`'s shape as the engine words it, or null when it is well formed. */
export function manifestShapeProblem(value: unknown): string | null {
  const parsed = manifestSchema.safeParse(value);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  if (!issue.message.startsWith("must")) return issue.message;
  const [head, ...rest] = issue.path.map((part) => (typeof part === "number" ? `[${part}]` : String(part)));
  const where =
    head === undefined
      ? "manifest"
      : (NESTED_FIELDS.has(head) ? head : `manifest.${head}`) +
        rest.map((part) => (part.startsWith("[") ? part : `.${part}`)).join("");
  return `${where} ${issue.message}`;
}
