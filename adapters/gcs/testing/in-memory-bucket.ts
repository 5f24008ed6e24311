/**
 * One GCS bucket in memory, with the semantics the JSON API promises: every write gets a new
 * generation, strictly increasing across the whole bucket and never reused (not even after a
 * delete and re-create); `ifGenerationMatch=0` means "only if absent"; a non-zero match on an
 * absent object fails the precondition; list is in lexicographic order of names, paged by an
 * opaque token. Deterministic: no clock, no randomness.
 */

export interface StoredObject {
  name: string;
  bytes: Uint8Array;
  generation: number;
}

export interface WritePreconditions {
  ifGenerationMatch?: number;
  ifGenerationNotMatch?: number;
}

export type WriteOutcome =
  { ok: true; object: StoredObject } | { ok: false; reason: "precondition" | "rate-limited" };
export type DeleteOutcome = { ok: true } | { ok: false; reason: "precondition" | "missing" | "rate-limited" };

/**
 * The per-object mutation limit, consulted once a mutation's precondition held (a 412 is
 * answered as such and costs nothing); only an applied mutation spends. The loopback fake
 * passes the simulated store's own limiter and figures (sim/blobstore/rate-limit.ts).
 */
export interface MutationAdmission {
  allows(name: string): boolean;
  spend(name: string): void;
}

export interface ListResult {
  items: StoredObject[];
  nextPageToken?: string;
}

/** Generations look like GCS's (microsecond timestamps) but come from a counter. */
const FIRST_GENERATION = 1_700_000_000_000_001;

export class InMemoryBucket {
  private readonly objects = new Map<string, StoredObject>();
  private lastGeneration = FIRST_GENERATION - 1;

  constructor(
    readonly name: string,
    private readonly admission?: MutationAdmission,
  ) {}

  get(name: string): StoredObject | undefined {
    return this.objects.get(name);
  }

  get size(): number {
    return this.objects.size;
  }

  insert(name: string, bytes: Uint8Array, conditions: WritePreconditions = {}): WriteOutcome {
    if (!this.holds(this.objects.get(name), conditions)) return { ok: false, reason: "precondition" };
    if (this.admission && !this.admission.allows(name)) return { ok: false, reason: "rate-limited" };
    this.admission?.spend(name);
    this.lastGeneration += 1;
    const object: StoredObject = { name, bytes: bytes.slice(), generation: this.lastGeneration };
    this.objects.set(name, object);
    return { ok: true, object };
  }

  delete(name: string, conditions: WritePreconditions = {}): DeleteOutcome {
    const current = this.objects.get(name);
    if (!current) return { ok: false, reason: "missing" };
    if (!this.holds(current, conditions)) return { ok: false, reason: "precondition" };
    if (this.admission && !this.admission.allows(name)) return { ok: false, reason: "rate-limited" };
    this.admission?.spend(name);
    this.objects.delete(name);
    return { ok: true };
  }

  list(prefix: string, maxResults: number, pageToken?: string): ListResult {
    const after = pageToken === undefined ? undefined : decodePageToken(pageToken);
    const names = [...this.objects.keys()]
      .filter((name) => name.startsWith(prefix) && (after === undefined || compareNames(name, after) > 0))
      .sort(compareNames);
    const page = names.slice(0, maxResults);
    const result: ListResult = { items: page.map((name) => this.objects.get(name)!) };
    if (names.length > page.length) result.nextPageToken = encodePageToken(page[page.length - 1]!);
    return result;
  }

  private holds(current: StoredObject | undefined, conditions: WritePreconditions): boolean {
    const generation = current?.generation ?? 0;
    if (conditions.ifGenerationMatch !== undefined && conditions.ifGenerationMatch !== generation)
      return false;
    if (conditions.ifGenerationNotMatch !== undefined && conditions.ifGenerationNotMatch === generation)
      return false;
    return true;
  }
}

/** GCS orders names by their UTF-8 bytes. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function encodePageToken(lastName: string): string {
  return Buffer.from(`after:${lastName}`, "utf8").toString("base64url");
}

export class BadPageTokenError extends Error {
  override name = "BadPageTokenError";
}

function decodePageToken(token: string): string {
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  if (!decoded.startsWith("after:")) throw new BadPageTokenError(`invalid page token`);
  return decoded.slice("after:".length);
}
