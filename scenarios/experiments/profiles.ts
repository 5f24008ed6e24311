/**
 * Workload profiles of the tools to place (fixtures/profiles/*.json): what each tool asks of
 * the write path. The experiments measure the engine; the placement rule (placement.ts) compares
 * those figures with these demands.
 */
import { readFileSync } from "node:fs";

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

function field(raw: Record<string, unknown>, name: string, where: string): unknown {
  if (!(name in raw)) throw new WorkloadProfileError(`${where}: missing field "${name}"`);
  return raw[name];
}

function positiveNumber(raw: Record<string, unknown>, name: string, where: string, max?: number): number {
  const value = field(raw, name, where);
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
    throw new WorkloadProfileError(`${where}: ${name} must be a number > 0, got ${JSON.stringify(value)}`);
  if (max !== undefined && value > max)
    throw new WorkloadProfileError(`${where}: ${name} must be at most ${max}, got ${value}`);
  return value;
}

function positiveInteger(raw: Record<string, unknown>, name: string, where: string): number {
  const value = positiveNumber(raw, name, where);
  if (!Number.isInteger(value))
    throw new WorkloadProfileError(`${where}: ${name} must be a whole number, got ${value}`);
  return value;
}

function parseProfile(raw: unknown, where: string): WorkloadProfile {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new WorkloadProfileError(`${where}: a profile must be an object`);
  const record = raw as Record<string, unknown>;
  const id = field(record, "id", where);
  if (typeof id !== "string" || !ID_PATTERN.test(id))
    throw new WorkloadProfileError(
      `${where}: id must be lowercase letters, digits and dashes, got ${JSON.stringify(id)}`,
    );
  const at = `${where} (${id})`;
  const title = field(record, "title", at);
  if (typeof title !== "string" || title.trim() === "")
    throw new WorkloadProfileError(`${at}: title must be a non-empty string`);
  const sameRowShare = field(record, "sameRowShare", at);
  if (typeof sameRowShare !== "number" || !(sameRowShare >= 0 && sameRowShare <= 1))
    throw new WorkloadProfileError(
      `${at}: sameRowShare must be in [0, 1], got ${JSON.stringify(sameRowShare)}`,
    );
  const latencyCritical = field(record, "latencyCritical", at);
  if (typeof latencyCritical !== "boolean")
    throw new WorkloadProfileError(
      `${at}: latencyCritical must be true or false, got ${JSON.stringify(latencyCritical)}`,
    );
  const known = new Set([
    "id",
    "title",
    "writesPerS",
    "databases",
    "concurrentWriters",
    "sameRowShare",
    "writeBytes",
    "p99BudgetMs",
    "latencyCritical",
  ]);
  for (const name of Object.keys(record))
    if (!known.has(name)) throw new WorkloadProfileError(`${at}: unknown field "${name}"`);
  const profile: WorkloadProfile = {
    id,
    title,
    writesPerS: positiveNumber(record, "writesPerS", at),
    databases: positiveInteger(record, "databases", at),
    concurrentWriters: positiveInteger(record, "concurrentWriters", at),
    sameRowShare,
    writeBytes: positiveInteger(record, "writeBytes", at),
    p99BudgetMs: positiveNumber(record, "p99BudgetMs", at),
    latencyCritical,
  };
  if (profile.writeBytes > WRITE_BYTES_MAX)
    throw new WorkloadProfileError(
      `${at}: writeBytes must be at most ${WRITE_BYTES_MAX}, got ${profile.writeBytes}`,
    );
  const writers = perDatabase(profile).writers;
  if (writers > WRITERS_PER_DATABASE_MAX)
    throw new WorkloadProfileError(
      `${at}: ${writers} writers per database; the experiments measure up to ${WRITERS_PER_DATABASE_MAX}`,
    );
  return profile;
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
