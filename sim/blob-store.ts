/**
 * The simulated object store: one GCS bucket (or, by flavor, an S3/R2 one) that every process
 * of a world talks to through its own client view. It fakes engine/blobstore's BlobStore.
 *
 * Semantics (bucket-model/object-table.ts, which the loopback fake GCS serves too): conditional
 * put (ifNoneMatch = ifGenerationMatch=0, ifMatch = the current token) answered 412 on mismatch; generations strictly increasing per
 * key and never reused; 404 on delete of an absent key; ranged get; paged list in lexicographic
 * order; strong read-after-write and list consistency.
 *
 * Time: every request takes seeded latency (sim/blobstore/latency.ts) and applies at ONE instant
 * inside it (the apply point), so concurrent writers race as they do on the wire. A request
 * whose caller died before its apply point never applies; an answer for a dead caller is never
 * delivered (pending calls of a killed process never settle), one for a paused caller waits.
 *
 * Fault model (all off by default; `drawBlobStoreOptions` draws a per-seed mix):
 * - per-object mutation rate limit (on by default, as on GCS): a token bucket per key, 429
 *   (RateLimitedError) beyond it, nothing written;
 * - transient 503 before the apply point (TransientError, nothing written);
 * - timeouts: the caller's deadline passes first; a read gets TransientError, a mutation
 *   AmbiguousWriteError, and the mutation may still apply, even after the caller gave up;
 * - ambiguous writes, lost before the apply point (not applied) or after it (applied), both
 *   answered AmbiguousWriteError;
 * - a 503 answered to a mutation that DID apply (AmbiguousWriteError, outcome "503"): GCS
 *   documents that a 5xx to a write does not say it failed (its retry strategy guide);
 * - a slow tail (a fraction of requests take several times their server time).
 * Bad arguments are rejected with InvalidRequestError before any request is issued.
 *
 * Observation: each answer is traced on the calling process as `store.<op>` with {key,
 * outcome, ms, version}; `history` keeps every APPLIED mutation in apply order (the store's own
 * record, which invariant checkers trust over what callers believe); `counters` count requests
 * by GCS price class. Store-boundary hooks (sim/kill-plan.ts) may kill the caller before a
 * request is issued or after its answer came back.
 */
import type {
  BlobHead,
  BlobObject,
  BlobStore,
  DeleteOptions,
  GetOptions,
  ListOptions,
  ListPage,
  PutOptions,
  VersionToken,
} from "../engine/blobstore/blob-store.ts";
import {
  AmbiguousWriteError,
  type BlobStoreError,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
  RateLimitedError,
  TransientError,
} from "../engine/blobstore/errors.ts";
import { drawTiming, type RequestTiming, responseDelayMs, type StoreOp } from "./blobstore/latency.ts";
import {
  type Applied,
  LIST_PAGE_SIZE_MAX,
  ObjectTable,
  type StoredObject,
  validateKey,
  validateListArguments,
  validatePutOptions,
  validateRange,
  validateVersionToken,
} from "../bucket-model/object-table.ts";
import { type BlobStoreOptions, resolveBlobStoreOptions } from "./blobstore/options.ts";
import { MutationRateLimiter } from "../bucket-model/rate-limit.ts";
import { DecisionPlanError } from "./decisions.ts";
import type { SimProcess } from "./process.ts";
import type { Rng } from "./rng.ts";
import type { World } from "./world.ts";

export type { StoreOp } from "./blobstore/latency.ts";
export type { StoredObject } from "../bucket-model/object-table.ts";
export {
  type BlobStoreFlavor,
  type BlobStoreOptions,
  DEFAULT_BLOB_STORE_OPTIONS,
  drawBlobStoreOptions,
  resolveBlobStoreOptions,
} from "./blobstore/options.ts";

/** The `process` of history entries an operator act (not a request) made. */
export const OPERATOR = "operator";

/** What the caller was answered: HTTP-ish codes, plus the two ways an answer goes missing. */
export type StoreOutcome = "ok" | "400" | "412" | "404" | "429" | "503" | "timeout" | "ambiguous";

export type Precondition = "none" | "ifNoneMatch" | "ifMatch";

/** One mutation the store APPLIED, in apply order. */
export interface StoreMutation {
  /** Simulated time of the apply point. */
  atMs: number;
  /** The calling process's name. */
  process: string;
  op: "put" | "delete";
  key: string;
  /** Put: the new token. Delete: the token of the object deleted. */
  version: VersionToken;
  /** The store-wide generation of the object written (put) or deleted (delete). */
  generation: number;
  precondition: Precondition;
  /** The token the caller demanded with ifMatch, if it did. */
  ifMatch?: VersionToken;
  bytesLength: number;
  /** The caller was not told it applied (an ambiguous answer, or a timeout). */
  answerLost: boolean;
  /** Written by an operator (`operatorWrite` / `operatorDelete`), not through any client. */
  operator?: true;
}

export interface StoreCounters {
  /** GCS class A: writes and lists (the expensive class). */
  classA: number;
  /** GCS class B: reads (get, head). */
  classB: number;
  /** Deletes (free on GCS). */
  deletes: number;
  /** Requests rejected before being issued (InvalidRequestError). */
  invalid: number;
  /** Bytes currently stored. */
  bytesStored: number;
  /** Bytes uploaded by applied puts. */
  bytesWritten: number;
  /** Bytes downloaded by gets. */
  bytesRead: number;
  mutationsApplied: number;
  preconditionFailed: number;
  rateLimited: number;
  transientErrors: number;
  timeouts: number;
  ambiguous: number;
}

/**
 * Watches the store boundary of every client. A hook may kill the caller (`process.kill`):
 * before a request is issued (the request is then never sent), or after its answer arrived
 * (the request applied, if it did, but the caller never hears back).
 */
export interface StoreBoundaryHook {
  beforeRequest?(process: SimProcess, op: StoreOp, key: string): void;
  afterAnswer?(process: SimProcess, op: StoreOp, key: string, outcome: StoreOutcome): void;
}

/** What the store answered with each error it rejected with (a transport turns it into HTTP). */
const answeredOutcomes = new WeakMap<object, StoreOutcome>();

/** The store's own outcome behind an error one of its clients rejected with, if it is one. */
export function storeOutcomeOf(error: unknown): StoreOutcome | undefined {
  return typeof error === "object" && error !== null ? answeredOutcomes.get(error) : undefined;
}

const FAULTS = [
  "none",
  "transient",
  "timeout",
  "ambiguousBefore",
  "ambiguousAfter",
  "serverErrorAfter",
] as const;
type Fault = (typeof FAULTS)[number];

interface Answer<T> {
  outcome: StoreOutcome;
  value?: T;
  error?: BlobStoreError;
  version: VersionToken | null;
  downloadBytes: number;
  /** The history entry of a mutation this request applied. */
  applied?: StoreMutation;
}

export class SimBlobStore {
  readonly options: BlobStoreOptions;
  readonly history: StoreMutation[] = [];
  readonly counters: StoreCounters = {
    classA: 0,
    classB: 0,
    deletes: 0,
    invalid: 0,
    bytesStored: 0,
    bytesWritten: 0,
    bytesRead: 0,
    mutationsApplied: 0,
    preconditionFailed: 0,
    rateLimited: 0,
    transientErrors: 0,
    timeouts: 0,
    ambiguous: 0,
  };
  private readonly table: ObjectTable;
  private readonly limiter: MutationRateLimiter;
  private readonly rng: Rng;
  private readonly hooks: StoreBoundaryHook[] = [];
  private readonly clients = new Map<SimProcess, BlobStore>();

  constructor(
    readonly world: World,
    options: Partial<BlobStoreOptions> = {},
  ) {
    this.options = resolveBlobStoreOptions(options);
    this.table = new ObjectTable(this.options.flavor, world.epochMs, this.options.copyBodies);
    this.limiter = new MutationRateLimiter(
      this.options.mutationsPerObjectPerS,
      this.options.mutationBurstPerObject,
    );
    this.rng = world.rng.fork(`store:${this.options.name}`);
  }

  /** The store as seen by `process`: its requests take its time and die with it. */
  client(process: SimProcess): BlobStore {
    let client = this.clients.get(process);
    if (!client) {
      const direct = new SimBlobStoreClient(this, process);
      const transport = this.world.storeTransport;
      client = transport ? transport.client(direct, process, this) : direct;
      this.clients.set(process, client);
    }
    return client;
  }

  /** A snapshot of every object now stored, for invariant checks. */
  objects(): ReadonlyMap<string, StoredObject> {
    return this.table.snapshot();
  }

  /**
   * Operator acts on stored objects (sim/blobstore/damage.ts): applied at once, outside every
   * process, recorded in `history` as process "operator" (never as a caller's mutation).
   */
  operatorWrite(key: string, bytes: Uint8Array, options: { keepGeneration?: boolean } = {}): StoredObject {
    const previous = this.table.current(key);
    const object = this.table.operatorSet(
      key,
      bytes.slice(),
      this.world.nowMs,
      options.keepGeneration ?? false,
    );
    this.counters.bytesStored += object.size - (previous?.size ?? 0);
    this.history.push({
      atMs: this.world.nowMs,
      process: OPERATOR,
      operator: true,
      op: "put",
      key,
      version: object.version,
      generation: object.generation,
      precondition: "none",
      bytesLength: object.size,
      answerLost: false,
    });
    return object;
  }

  /** See operatorWrite; deleting an absent key does nothing (false). */
  operatorDelete(key: string): boolean {
    const object = this.table.operatorRemove(key);
    if (!object) return false;
    this.counters.bytesStored -= object.size;
    this.history.push({
      atMs: this.world.nowMs,
      process: OPERATOR,
      operator: true,
      op: "delete",
      key,
      version: object.version,
      generation: object.generation,
      precondition: "none",
      bytesLength: object.size,
      answerLost: false,
    });
    return true;
  }

  addBoundaryHook(hook: StoreBoundaryHook): void {
    this.hooks.push(hook);
  }

  // ---- the request machinery shared by every operation ----

  /** @internal Rejects at once (no request issued) with InvalidRequestError. */
  reject<T>(process: SimProcess, op: StoreOp, key: unknown, message: string): Promise<T> {
    if (!process.alive) return new Promise<T>(() => undefined);
    const keyText = typeof key === "string" ? key : String(key);
    this.counters.invalid++;
    process.log(`store.${op}`, { key: keyText, outcome: "400", ms: 0, version: null, error: message });
    return process.guard(Promise.reject(new InvalidRequestError(message, keyText)));
  }

  /**
   * @internal Issues one request: boundary hooks, fault draw, latency, the apply point (where
   * `apply` runs against the table), then the answer delivered to the caller while it lives.
   */
  request<T>(
    process: SimProcess,
    op: StoreOp,
    key: string,
    uploadBytes: number,
    apply: () => Answer<T>,
  ): Promise<T> {
    for (const hook of this.hooks) {
      hook.beforeRequest?.(process, op, key);
      // A "before" kill: the request is never sent, and the caller never hears anything.
      if (!process.alive) return new Promise<T>(() => undefined);
    }
    const mutation = op === "put" || op === "delete";
    const fault = this.decideFault(process, op, key, mutation);
    const timing = drawTiming(this.rng, this.options, op, uploadBytes);
    const issuedAtMs = this.world.nowMs;
    let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void };
    const answered = new Promise<T>((resolve, reject) => {
      settle = { resolve, reject };
    });

    const answer = (delayMs: number, result: Answer<T>): void => {
      const ms = Math.round(this.world.nowMs + delayMs - issuedAtMs);
      const fields = { key, outcome: result.outcome, ms, version: result.version };
      // Owned by the caller: dropped unfired (and untraced) if it dies before the answer.
      this.world.scheduler.after(
        delayMs,
        process.name,
        `store.${op}`,
        () => {
          for (const hook of this.hooks) hook.afterAnswer?.(process, op, key, result.outcome);
          if (result.error) {
            answeredOutcomes.set(result.error, result.outcome);
            settle.reject(result.error);
          } else settle.resolve(result.value as T);
        },
        fields,
        process,
      );
    };

    if (fault === "transient") {
      this.counters.transientErrors++;
      answer(timing.applyAfterMs, {
        outcome: "503",
        error: new TransientError(`503 from the store on ${op} ${key} (not applied)`, key),
        version: null,
        downloadBytes: 0,
      });
      return process.guard(answered);
    }
    if (fault === "timeout") {
      this.counters.timeouts++;
      const deadlineMs = this.options.requestTimeoutMs;
      answer(deadlineMs, {
        outcome: "timeout",
        error: mutation
          ? new AmbiguousWriteError(`${op} ${key} timed out after ${deadlineMs} ms; it may apply`, key)
          : new TransientError(`${op} ${key} timed out after ${deadlineMs} ms`, key),
        version: null,
        downloadBytes: 0,
      });
      // The server may still be working on it: the apply point lands around the deadline.
      const lateApplyMs = Math.max(1, Math.round(deadlineMs * this.rng.between(0.5, 1.5)));
      this.scheduleApply(process, op, key, lateApplyMs, () => {
        const result = apply();
        if (result.applied) this.world.reach("store.late-apply-after-timeout");
        this.markAnswerLost(result);
      });
      return process.guard(answered);
    }

    this.scheduleApply(process, op, key, timing.applyAfterMs, () => {
      if (fault === "ambiguousBefore") {
        this.counters.ambiguous++;
        answer(this.rest(timing, 0), this.ambiguous(op, key, "before"));
        return;
      }
      const result = apply();
      if (fault === "ambiguousAfter") {
        this.counters.ambiguous++;
        if (result.applied) this.world.reach("store.answer-lost-after-apply");
        this.markAnswerLost(result);
        answer(this.rest(timing, 0), this.ambiguous(op, key, "after"));
        return;
      }
      if (fault === "serverErrorAfter" && result.applied) {
        // GCS can answer 5xx to a write it applied; the caller hears only "server error".
        this.counters.ambiguous++;
        this.markAnswerLost(result);
        answer(this.rest(timing, 0), {
          outcome: "503",
          error: new AmbiguousWriteError(`503 from the store on ${op} ${key}; it may have applied`, key),
          version: null,
          downloadBytes: 0,
        });
        return;
      }
      answer(this.rest(timing, result.downloadBytes), result);
    });
    return process.guard(answered);
  }

  private scheduleApply(
    process: SimProcess,
    op: StoreOp,
    key: string,
    afterMs: number,
    run: () => void,
  ): void {
    this.world.scheduler.after(
      afterMs,
      "store",
      "store.apply",
      () => {
        // A request whose caller died before the apply point never applies.
        if (!process.alive) return;
        run();
      },
      { process: process.name, op, key },
    );
  }

  private rest(timing: RequestTiming, downloadBytes: number): number {
    return responseDelayMs(timing, this.options, downloadBytes);
  }

  private ambiguous<T>(op: StoreOp, key: string, when: "before" | "after"): Answer<T> {
    return {
      outcome: "ambiguous",
      error: new AmbiguousWriteError(`the answer to ${op} ${key} was lost (${when} the apply point)`, key),
      version: null,
      downloadBytes: 0,
    };
  }

  private markAnswerLost<T>(result: Answer<T>): void {
    if (result.applied) result.applied.answerLost = true;
  }

  /**
   * The request's fault, as a decision of the world's log (sim/decisions.ts). A plan may force
   * one the request cannot take (an ambiguous answer on a read, after a shrink moved the
   * indexes): a read has no apply point to lose its answer around, so it gets none.
   */
  private decideFault(process: SimProcess, op: StoreOp, key: string, mutation: boolean): Fault {
    const fault = this.world.decide<Fault>(
      `store:${this.options.name}.fault`,
      () => this.drawFault(mutation),
      "none",
      { process: process.name, op, key },
    );
    if (!FAULTS.includes(fault)) throw new DecisionPlanError(`no store fault ${JSON.stringify(fault)}`);
    const afterApply =
      fault === "ambiguousBefore" || fault === "ambiguousAfter" || fault === "serverErrorAfter";
    return !mutation && afterApply ? "none" : fault;
  }

  private drawFault(mutation: boolean): Fault {
    const o = this.options;
    // One uniform draw per request whatever the mix, so turning one fault on does not shift
    // the latency draws of every later request.
    let u = this.rng.next();
    if ((u -= o.transientErrorProbability) < 0) return "transient";
    if ((u -= o.timeoutProbability) < 0) return "timeout";
    if (!mutation) return "none";
    if ((u -= o.ambiguousBeforeApplyProbability) < 0) return "ambiguousBefore";
    if ((u -= o.ambiguousAfterApplyProbability) < 0) return "ambiguousAfter";
    if ((u -= o.serverErrorAfterApplyProbability) < 0) return "serverErrorAfter";
    return "none";
  }

  // ---- the operations at their apply point ----

  /** @internal */
  applyGet(key: string, options: GetOptions): Answer<BlobObject | null> {
    this.counters.classB++;
    const result = this.table.get(key, options.range);
    if (!result.ok) return failure(result, "400");
    const object = result.value;
    if (!object) return { outcome: "404", value: null, version: null, downloadBytes: 0 };
    this.counters.bytesRead += object.bytes.length;
    return { outcome: "ok", value: object, version: object.version, downloadBytes: object.bytes.length };
  }

  /** @internal */
  applyHead(key: string): Answer<BlobHead | null> {
    this.counters.classB++;
    const head = this.table.head(key);
    return { outcome: head ? "ok" : "404", value: head, version: head?.version ?? null, downloadBytes: 0 };
  }

  /** @internal */
  applyPut(process: SimProcess, key: string, bytes: Uint8Array, options: PutOptions): Answer<VersionToken> {
    this.counters.classA++;
    const nowMs = this.world.nowMs;
    const previous = this.table.current(key);
    const result = this.table.put(key, bytes, options, nowMs, () => this.admit(key, nowMs));
    if (!result.ok) return this.preconditionFailure(result);
    if (this.options.rateLimitEnabled) this.limiter.spend(key, nowMs);
    const object = result.value;
    this.counters.mutationsApplied++;
    this.counters.bytesWritten += object.size;
    this.counters.bytesStored += object.size - (previous?.size ?? 0);
    const applied: StoreMutation = {
      atMs: nowMs,
      process: process.name,
      op: "put",
      key,
      version: object.version,
      generation: object.generation,
      precondition: options.ifNoneMatch ? "ifNoneMatch" : options.ifMatch !== undefined ? "ifMatch" : "none",
      ...(options.ifMatch !== undefined ? { ifMatch: options.ifMatch } : {}),
      bytesLength: object.size,
      answerLost: false,
    };
    this.history.push(applied);
    return { outcome: "ok", value: object.version, version: object.version, downloadBytes: 0, applied };
  }

  /** @internal */
  applyDelete(process: SimProcess, key: string, options: DeleteOptions): Answer<void> {
    this.counters.deletes++;
    const nowMs = this.world.nowMs;
    const result = this.table.delete(key, options.ifMatch, () => this.admit(key, nowMs));
    if (!result.ok) return this.preconditionFailure(result);
    if (this.options.rateLimitEnabled) this.limiter.spend(key, nowMs);
    const object = result.value;
    this.counters.mutationsApplied++;
    this.counters.bytesStored -= object.size;
    const applied: StoreMutation = {
      atMs: nowMs,
      process: process.name,
      op: "delete",
      key,
      version: object.version,
      generation: object.generation,
      precondition: options.ifMatch !== undefined ? "ifMatch" : "none",
      ...(options.ifMatch !== undefined ? { ifMatch: options.ifMatch } : {}),
      bytesLength: object.size,
      answerLost: false,
    };
    this.history.push(applied);
    return { outcome: "ok", value: undefined, version: object.version, downloadBytes: 0, applied };
  }

  /** @internal */
  applyList(prefix: string, options: ListOptions): Answer<ListPage> {
    this.counters.classA++;
    const pageSize = Math.min(options.pageSize ?? LIST_PAGE_SIZE_MAX, LIST_PAGE_SIZE_MAX);
    const page = this.table.list(prefix, pageSize, options.pageToken);
    // About 200 bytes of JSON per listed entry.
    return { outcome: "ok", value: page, version: null, downloadBytes: 200 * page.entries.length };
  }

  /** The per-object rate limit, consulted once a mutation's precondition held. */
  private admit(key: string, nowMs: number): RateLimitedError | undefined {
    if (!this.options.rateLimitEnabled || this.limiter.allows(key, nowMs)) return undefined;
    this.counters.rateLimited++;
    this.world.reach("store.rate-limited");
    return new RateLimitedError(`too many mutations of ${key} (429); nothing changed`, key);
  }

  private preconditionFailure<T>(result: Applied<unknown> & { ok: false }): Answer<T> {
    if (result.error instanceof PreconditionFailedError) {
      this.counters.preconditionFailed++;
      this.world.reach("store.precondition-failed");
      return failure(result, "412");
    }
    if (result.error instanceof NotFoundError) return failure(result, "404");
    if (result.error instanceof RateLimitedError) return failure(result, "429");
    return failure(result, "400");
  }
}

function failure<T>(result: { ok: false; error: BlobStoreError }, outcome: StoreOutcome): Answer<T> {
  return { outcome, error: result.error, version: null, downloadBytes: 0 };
}

/** One process's view of the store: validates arguments, then issues timed requests. */
class SimBlobStoreClient implements BlobStore {
  constructor(
    private readonly store: SimBlobStore,
    private readonly process: SimProcess,
  ) {}

  get(key: string, options: GetOptions = {}): Promise<BlobObject | null> {
    const problem = validateKey(key) ?? validateRange(options.range);
    if (problem) return this.store.reject(this.process, "get", key, problem);
    return this.store.request(this.process, "get", key, 0, () => this.store.applyGet(key, options));
  }

  head(key: string): Promise<BlobHead | null> {
    const problem = validateKey(key);
    if (problem) return this.store.reject(this.process, "head", key, problem);
    return this.store.request(this.process, "head", key, 0, () => this.store.applyHead(key));
  }

  put(key: string, bytes: Uint8Array, options: PutOptions = {}): Promise<VersionToken> {
    const problem =
      validateKey(key) ??
      (bytes instanceof Uint8Array ? undefined : "bytes must be a Uint8Array") ??
      validatePutOptions(this.store.options.flavor, options);
    if (problem) return this.store.reject(this.process, "put", key, problem);
    // Copy now: the caller may reuse its buffer while the request is in flight.
    const body = this.store.options.copyBodies ? bytes.slice() : bytes;
    return this.store.request(this.process, "put", key, body.length, () =>
      this.store.applyPut(this.process, key, body, { ...options }),
    );
  }

  list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const problem = validateListArguments(prefix, options.pageSize, options.pageToken);
    if (problem) return this.store.reject(this.process, "list", prefix, problem);
    return this.store.request(this.process, "list", prefix, 0, () =>
      this.store.applyList(prefix, { ...options }),
    );
  }

  delete(key: string, options: DeleteOptions = {}): Promise<void> {
    const problem =
      validateKey(key) ??
      (options.ifMatch === undefined
        ? undefined
        : validateVersionToken(this.store.options.flavor, options.ifMatch));
    if (problem) return this.store.reject(this.process, "delete", key, problem);
    return this.store.request(this.process, "delete", key, 0, () =>
      this.store.applyDelete(this.process, key, { ...options }),
    );
  }
}
