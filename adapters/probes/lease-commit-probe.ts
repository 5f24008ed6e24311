/**
 * The E0/E1 probe against any BlobStore (real GCS through the adapter, or the loopback fake):
 * the store-level steps a lease and a manifest commit take, repeated, with latencies per
 * operation class (E0-5) and the safety answers checked on every iteration:
 *
 *   acquire      create-if-absent on the lease              (create_if_absent)
 *   rival        create-if-absent again → must be 412        (E0-1, E1-1)
 *   renew        CAS on the lease's generation              (cas)
 *   zombie       CAS with the superseded generation → 412    (E0-2, E1-3)
 *   segment      unconditional PUT, then HEAD and GET        (put, head, get; E0-4)
 *   commit       create then CAS the manifest               (create_if_absent, cas)
 *   list         one page of the run's prefix               (list)
 *   cleanup      conditional deletes                         (delete)
 * and `raceRounds` rounds of `racers` concurrent create-if-absent on one key (E0-3).
 *
 * A 429 (nothing written) is retried after a backoff and counted; an AccessError stops the
 * probe at once (wrong bucket or credentials). Any other error is counted and the iteration
 * moves on, so a flaky network shows up as errors, not as a crash.
 */
import type { BlobStore, VersionToken } from "../../engine/blobstore/blob-store.ts";
import { AccessError, PreconditionFailedError, RateLimitedError } from "../../engine/blobstore/errors.ts";
import { percentile } from "../../engine/percentile.ts";

export const OPERATION_CLASSES = ["create_if_absent", "cas", "put", "get", "head", "list", "delete"] as const;
export type OperationClass = (typeof OPERATION_CLASSES)[number];

export interface ProbeOptions {
  store: BlobStore;
  /** Every key the probe writes starts with this (ends with "/"). */
  runPrefix: string;
  iterations: number;
  objectBytes: number;
  raceRounds: number;
  racers: number;
  /** A monotonic millisecond reading, sub-millisecond if available. */
  nowMs: () => number;
  /** Backoff after a 429. */
  sleepMs: (ms: number) => Promise<void>;
}

export interface Tally {
  passed: number;
  total: number;
}

export interface ProbeReport {
  latenciesMs: Record<OperationClass, number[]>;
  rivalAcquireRejected: Tally;
  staleCasRejected: Tally;
  readAfterWrite: Tally;
  raceDoubleWinners: number;
  raceRounds: number;
  rateLimitedRetries: number;
  errors: number;
  firstError?: string;
}

const RATE_LIMIT_RETRIES_MAX = 6;

export async function runLeaseCommitProbe(options: ProbeOptions): Promise<ProbeReport> {
  const report: ProbeReport = {
    latenciesMs: Object.fromEntries(OPERATION_CLASSES.map((name) => [name, []])) as unknown as Record<
      OperationClass,
      number[]
    >,
    rivalAcquireRejected: { passed: 0, total: 0 },
    staleCasRejected: { passed: 0, total: 0 },
    readAfterWrite: { passed: 0, total: 0 },
    raceDoubleWinners: 0,
    raceRounds: 0,
    rateLimitedRetries: 0,
    errors: 0,
  };
  const probe = new Probe(options, report);
  for (let iteration = 0; iteration < options.iterations; iteration++) {
    await probe.guarded(() => probe.iteration(iteration));
  }
  for (let round = 0; round < options.raceRounds; round++) {
    await probe.guarded(() => probe.race(round));
  }
  return report;
}

class Probe {
  constructor(
    private readonly options: ProbeOptions,
    private readonly report: ProbeReport,
  ) {}

  /** Counts an iteration's failure; an AccessError ends the probe. */
  async guarded(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      if (error instanceof AccessError) throw error;
      this.report.errors += 1;
      this.report.firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }

  async iteration(index: number): Promise<void> {
    const { store, runPrefix } = this.options;
    const lease = `${runPrefix}lease-${index}`;
    const segment = `${runPrefix}segment-${index}`;
    const manifest = `${runPrefix}manifest-${index}`;
    const body = payload(this.options.objectBytes, index);

    const leaseV1 = await this.timed("create_if_absent", () =>
      store.put(lease, bytes(`holder=a;${index}`), { ifNoneMatch: true }),
    );
    await this.expectPrecondition(this.report.rivalAcquireRejected, () =>
      store.put(lease, bytes(`holder=b;${index}`), { ifNoneMatch: true }),
    );
    const leaseV2 = await this.timed("cas", () =>
      store.put(lease, bytes(`holder=a;renewed;${index}`), { ifMatch: leaseV1 }),
    );
    await this.expectPrecondition(this.report.staleCasRejected, () =>
      store.put(lease, bytes(`holder=zombie;${index}`), { ifMatch: leaseV1 }),
    );

    const segmentVersion = await this.timed("put", () => store.put(segment, body));
    const head = await this.timed("head", () => store.head(segment));
    const got = await this.timed("get", () => store.get(segment));
    this.report.readAfterWrite.total += 1;
    if (
      head?.version === segmentVersion &&
      got?.version === segmentVersion &&
      got.size === body.length &&
      equalBytes(got.bytes, body)
    )
      this.report.readAfterWrite.passed += 1;

    const manifestV1 = await this.timed("create_if_absent", () =>
      store.put(manifest, bytes(`seq=0`), { ifNoneMatch: true }),
    );
    const manifestV2 = await this.timed("cas", () =>
      store.put(manifest, bytes(`seq=1;${segment}`), { ifMatch: manifestV1 }),
    );
    await this.timed("list", () => store.list(runPrefix, { pageSize: 100 }));

    await this.timed("delete", () => store.delete(lease, { ifMatch: leaseV2 }));
    await this.timed("delete", () => store.delete(segment, { ifMatch: segmentVersion }));
    await this.timed("delete", () => store.delete(manifest, { ifMatch: manifestV2 }));
  }

  async race(round: number): Promise<void> {
    const { store, runPrefix, racers } = this.options;
    const key = `${runPrefix}race-${round}`;
    this.report.raceRounds += 1;
    const results = await Promise.allSettled(
      Array.from({ length: racers }, (_, racer) =>
        store.put(key, bytes(`racer=${racer}`), { ifNoneMatch: true }),
      ),
    );
    const winners = results.filter((result) => result.status === "fulfilled") as Array<
      PromiseFulfilledResult<VersionToken>
    >;
    if (winners.length > 1) this.report.raceDoubleWinners += 1;
    // A 412 is a lost race; a 429 (nothing written) a racer that never got to compete.
    const unexpected = results.find(
      (result) =>
        result.status === "rejected" &&
        !(result.reason instanceof PreconditionFailedError) &&
        !(result.reason instanceof RateLimitedError),
    ) as PromiseRejectedResult | undefined;
    if (winners[0]) await store.delete(key, { ifMatch: winners[0].value });
    if (unexpected) throw unexpected.reason;
    if (winners.length === 0) throw new Error(`race round ${round}: no racer won`);
  }

  private async timed<T>(operation: OperationClass, call: () => Promise<T>): Promise<T> {
    return this.retryingRateLimits(async () => {
      const startedMs = this.options.nowMs();
      const result = await call();
      this.report.latenciesMs[operation].push(this.options.nowMs() - startedMs);
      return result;
    });
  }

  /** A 429 wrote nothing: wait and try again (GCS allows about one mutation/s per object). */
  private async retryingRateLimits<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof RateLimitedError) || attempt >= RATE_LIMIT_RETRIES_MAX) throw error;
        this.report.rateLimitedRetries += 1;
        await this.options.sleepMs(1_000 * 2 ** Math.min(attempt, 3));
      }
    }
  }

  /** A conditional write that must be refused; a 412 passes, success fails the tally. */
  private async expectPrecondition(tally: Tally, call: () => Promise<unknown>): Promise<void> {
    tally.total += 1;
    try {
      await this.retryingRateLimits(call);
    } catch (error) {
      if (error instanceof PreconditionFailedError) {
        tally.passed += 1;
        return;
      }
      throw error;
    }
  }
}

/** The report as `key=value` lines, E0-5 style. */
export function formatProbeReport(report: ProbeReport): string[] {
  const lines: string[] = [];
  for (const operation of OPERATION_CLASSES) {
    const samples = report.latenciesMs[operation];
    lines.push(`${operation}_n=${samples.length}`);
    if (samples.length === 0) continue;
    lines.push(`${operation}_p50_ms=${round(percentile(samples, 50))}`);
    lines.push(`${operation}_p99_ms=${round(percentile(samples, 99))}`);
  }
  const tally = (value: Tally) => `${value.passed}/${value.total}`;
  lines.push(`rival_acquire_rejected=${tally(report.rivalAcquireRejected)}`);
  lines.push(`stale_cas_rejected=${tally(report.staleCasRejected)}`);
  lines.push(`read_after_write_ok=${tally(report.readAfterWrite)}`);
  lines.push(`race_rounds=${report.raceRounds}`);
  lines.push(`race_double_winners=${report.raceDoubleWinners}`);
  lines.push(`rate_limited_retries=${report.rateLimitedRetries}`);
  lines.push(`errors=${report.errors}`);
  if (report.firstError !== undefined) lines.push(`first_error=${report.firstError.replace(/\s+/g, " ")}`);
  lines.push(`e0_result=${probePassed(report) ? "pass" : "fail"}`);
  return lines;
}

/** Every safety answer right, and nothing failed. */
export function probePassed(report: ProbeReport): boolean {
  const all = (value: Tally) => value.passed === value.total;
  return (
    report.errors === 0 &&
    report.raceDoubleWinners === 0 &&
    all(report.rivalAcquireRejected) &&
    all(report.staleCasRejected) &&
    all(report.readAfterWrite)
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Deterministic filler, different per iteration so a stale read cannot pass as fresh. */
function payload(size: number, iteration: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + iteration * 7) & 0xff;
  return data;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
