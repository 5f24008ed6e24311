/**
 * Workload profiles of the tools to place (fixtures/profiles/*.json): what each tool asks of
 * the write path. The experiments measure the engine; the placement rule (placement.ts) compares
 * those figures with these demands. Files are validated with a zod schema; a bad one fails with
 * a WorkloadProfileError that names the profile, the field and the value.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

export interface WorkloadProfile {
  id: string;
  title: string;
  /** Aggregate write rate over all the tool's databases, in writes per second. */
  writesPerS: number;
  /** Independent databases (lanes) the tool's writes spread over, evenly. */
  databases: number;
  /** Connections writing at the same time, over all databases. */
  concurrentWriters: number;
  /** Fraction of writes that update a row other writers update too (0..1). */
  sameRowShare: number;
  /** Bytes of one write. */
  writeBytes: number;
  /** Commit latency the tool tolerates at p99. */
  p99BudgetMs: number;
  /** Callers wait on each write (a request path), rather than a background job. */
  latencyCritical: boolean;
}

export class WorkloadProfileError extends Error {
  override name = "WorkloadProfileError";
}

/** One database's share of a profile: what a single lane must sustain. */
export function perDatabase(profile: WorkloadProfile): { writesPerS: number; writers: number } {
  return {
    writesPerS: profile.writesPerS / profile.databases,
    writers: Math.max(1, Math.ceil(profile.concurrentWriters / profile.databases)),
  };
}

/** Contention is plausible when some writes hit rows other writers also write. */
export function contentionPlausible(profile: WorkloadProfile): boolean {
  return profile.sameRowShare > 0;
}

const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
/** The experiments' closed-loop runs go up to 64 writers per database. */
export const WRITERS_PER_DATABASE_MAX = 64;
/** Keeps one experiment's uploads small enough to run in milliseconds of wall time. */
export const WRITE_BYTES_MAX = 1024 * 1024;

const positiveNumber = (name: string) => {
  const reason = { error: `${name} must be a number > 0` };
  return z.number(reason).positive(reason);
};
const positiveInteger = (name: string) =>
  positiveNumber(name).int({ error: `${name} must be a whole number` });

/** A profile's fields; the id is checked first so every other reason can name the profile. */
const idSchema = z
  .string({ error: "id must be lowercase letters, digits and dashes" })
  .regex(ID_PATTERN, { error: "id must be lowercase letters, digits and dashes" });

const profileSchema = z
  .strictObject(
    {
      id: idSchema,
      title: z
        .string({ error: "title must be a non-empty string" })
        .refine((t) => t.trim() !== "", { error: "title must be a non-empty string" }),
      sameRowShare: z
        .number({ error: "sameRowShare must be in [0, 1]" })
        .min(0, { error: "sameRowShare must be in [0, 1]" })
        .max(1, { error: "sameRowShare must be in [0, 1]" }),
      latencyCritical: z.boolean({ error: "latencyCritical must be true or false" }),
      writesPerS: positiveNumber("writesPerS"),
      databases: positiveInteger("databases"),
      concurrentWriters: positiveInteger("concurrentWriters"),
      writeBytes: positiveInteger("writeBytes").max(WRITE_BYTES_MAX, {
        error: `writeBytes must be at most ${WRITE_BYTES_MAX}`,
      }),
      p99BudgetMs: positiveNumber("p99BudgetMs"),
    },
    { error: "a profile must be an object" },
  )
  .check((ctx) => {
    const writers = perDatabase(ctx.value).writers;
    if (writers > WRITERS_PER_DATABASE_MAX)
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `${writers} writers per database; the experiments measure up to ${WRITERS_PER_DATABASE_MAX}`,
      });
  });

/** zod's first issue as the WorkloadProfileError reason, naming the field and the bad value. */
function profileProblem(raw: unknown, issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `unknown field "${issue.keys[0]}"`;
  const name = issue.path[0];
  if (typeof name !== "string") return issue.message;
  const record = raw as Record<string, unknown>;
  if (!(name in record)) return `missing field "${name}"`;
  return `${issue.message}, got ${JSON.stringify(record[name])}`;
}

function parseProfile(raw: unknown, where: string): WorkloadProfile {
  const id = (raw as { id?: unknown } | null)?.id;
  const at = typeof id === "string" && ID_PATTERN.test(id) ? `${where} (${id})` : where;
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success)
    throw new WorkloadProfileError(`${at}: ${profileProblem(raw, parsed.error.issues[0]!)}`);
  return parsed.data;
}

/** Parses a profiles file: {profiles: [...]}, every field present and sane, ids unique. */
export function parseProfiles(text: string, source: string): WorkloadProfile[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new WorkloadProfileError(`${source}: not JSON (${(error as Error).message})`);
  }
  const list = (raw as { profiles?: unknown } | null)?.profiles;
  if (!Array.isArray(list) || list.length === 0)
    throw new WorkloadProfileError(`${source}: expected {"profiles": [...]} with at least one profile`);
  const profiles = list.map((entry, index) => parseProfile(entry, `${source}: profiles[${index}]`));
  const seen = new Set<string>();
  for (const profile of profiles) {
    if (seen.has(profile.id))
      throw new WorkloadProfileError(`${source}: profile id ${profile.id} appears twice`);
    seen.add(profile.id);
  }
  return profiles;
}

export const INTERNAL_TOOLS_URL = new URL("../../fixtures/profiles/internal-tools.json", import.meta.url);

let cached: WorkloadProfile[] | null = null;

/** The profiles the experiments place; read once per process (before any simulated run). */
export function loadProfiles(url: URL = INTERNAL_TOOLS_URL): readonly WorkloadProfile[] {
  if (url === INTERNAL_TOOLS_URL) return (cached ??= parseProfiles(readFileSync(url, "utf8"), url.pathname));
  return parseProfiles(readFileSync(url, "utf8"), url.pathname);
}
