/**
 * The lease record's shape as a zod schema, with the reasons the engine has always given
 * ("fencingToken must be an integer"), so a corrupt lease is named the same way by every reader.
 * The decoded value is the parsed JSON itself (loose: a newer writer's extra field is kept).
 */
import { z } from "zod";

export const LEASE_FORMAT_VERSION = 1;

const integer = (field: string) => {
  const reason = { error: `${field} must be an integer` };
  return z.number(reason).int(reason);
};

/** Field order is the order problems are reported in: the first one found is the reason given. */
export const leaseRecordSchema = z.looseObject(
  {
    formatVersion: z.literal(LEASE_FORMAT_VERSION, {
      error: (issue) => `formatVersion ${JSON.stringify(issue.input)} is not ${LEASE_FORMAT_VERSION}`,
    }),
    holder: z
      .string({ error: "holder must be a non-empty string" })
      .min(1, { error: "holder must be a non-empty string" }),
    fencingToken: integer("fencingToken").min(1, { error: "fencingToken must be positive" }),
    acquiredAtMs: integer("acquiredAtMs"),
    expiresAtMs: integer("expiresAtMs"),
    released: z.boolean({ error: "released must be a boolean" }),
  },
  { error: "not a JSON object" },
);

/**
 * The order the engine has always judged a record in: every field's type before the token's
 * sign, the sign before `released`. The first problem in that order is the reason given.
 */
const JUDGED_IN_ORDER = [
  "",
  "formatVersion",
  "holder",
  "fencingToken",
  "acquiredAtMs",
  "expiresAtMs",
  "fencingToken must be positive",
  "released",
];

const rank = (issue: z.core.$ZodIssue): number =>
  JUDGED_IN_ORDER.indexOf(
    issue.message === "fencingToken must be positive" ? issue.message : String(issue.path[0] ?? ""),
  );

/** The first problem with `value` as a lease record, or null when it is well formed. */
export function leaseRecordProblem(value: unknown): string | null {
  const parsed = leaseRecordSchema.safeParse(value);
  if (parsed.success) return null;
  return [...parsed.error.issues].sort((a, b) => rank(a) - rank(b))[0]!.message;
}
