/**
 * The E1 probe: the engine's own Lease (engine/lease) run against a store, so that on real GCS
 * (through the adapter) the lease protocol meets the real conditional writes. Lease time is a
 * logical clock the probe advances, so expiry needs no waiting; GCS never sees time anyway.
 * Per iteration, on fresh keys:
 *
 *   E1-1  A acquires; B's acquire gets LockedError naming A and A's expiry
 *   E1-3  the lease expires; B takes over; A's manifest CAS on its stale version is refused,
 *         and A's fenced commit (lease check first) ends in FencedError
 *   E1-2  B's lease expires; C and D take over at once: exactly one wins, and the fencing
 *         token (lease and manifest) goes up by exactly one
 *
 * Errors other than the expected ones are counted (an AccessError stops the probe).
 */
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import { AccessError } from "../../engine/blobstore/errors.ts";
import { commitFenced } from "../../engine/lease/fenced-commit.ts";
import { LockedError } from "../../engine/lease/lease.ts";
import { casManifest, readManifest } from "../../engine/manifest/cas.ts";
import { FencedError, ManifestConflictError } from "../../engine/manifest/errors.ts";
import { manifestKey as manifestKeyOf } from "../../engine/manifest/manifest.ts";
import { openLease } from "../../engine/node/open-lease.ts";
import type { Clock } from "../../engine/runtime.ts";
import type { Tally } from "./lease-commit-probe.ts";

/** Logical lease time: `advance` jumps it; `sleepMs` really waits (429 backoff) and adds up. */
export class ProbeClock implements Clock {
  private offsetMs = 0;

  constructor(
    private readonly wait: (ms: number) => Promise<void>,
    private readonly epochMs = 1_800_000_000_000,
  ) {}

  nowMs(): number {
    return this.epochMs + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  async sleepMs(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    await this.wait(ms);
    this.offsetMs += ms;
  }
}

export interface E1ProbeOptions {
  store: BlobStore;
  /** Every key the probe writes starts with this (ends with "/"). */
  runPrefix: string;
  iterations: number;
  clock: ProbeClock;
}

export interface E1Report {
  lockedNamesHolder: Tally;
  zombieStaleCasRejected: Tally;
  zombieCommitFenced: Tally;
  takeoverRaceOneWinner: Tally;
  tokenIncrementsOnce: Tally;
  errors: number;
  firstError?: string;
}

const TTL_MS = 60_000;
const GRACE_MS = 5_000;

export async function runE1LeaseProbe(options: E1ProbeOptions): Promise<E1Report> {
  const tally = (): Tally => ({ passed: 0, total: 0 });
  const report: E1Report = {
    lockedNamesHolder: tally(),
    zombieStaleCasRejected: tally(),
    zombieCommitFenced: tally(),
    takeoverRaceOneWinner: tally(),
    tokenIncrementsOnce: tally(),
    errors: 0,
  };
  for (let iteration = 0; iteration < options.iterations; iteration++) {
    try {
      await e1Iteration(options, report, `${options.runPrefix}e1-${iteration}`);
    } catch (error) {
      if (error instanceof AccessError) throw error;
      report.errors += 1;
      report.firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }
  return report;
}

async function e1Iteration(options: E1ProbeOptions, report: E1Report, prefix: string): Promise<void> {
  const { store, clock } = options;
  const manifestKey = manifestKeyOf(prefix);
  // The lease as a deployment opens it (engine/node), keys derived from the prefix.
  const lease = (holder: string) =>
    openLease({
      store,
      prefix,
      dbId: "e1-probe",
      holder,
      clock,
      ttlMs: TTL_MS,
      takeoverGraceMs: GRACE_MS,
      seams: { acquireTimeoutMs: 0 },
    });
  const count = (tally: Tally, passed: boolean) => {
    tally.total += 1;
    if (passed) tally.passed += 1;
  };

  // E1-1: a live holder locks everyone else out, and the error says who and until when.
  const a = lease("writer-a");
  const aAcquired = await a.acquire();
  const aExpiresAtMs = clock.nowMs() + a.remainingMs();
  const locked = await lease("writer-b")
    .acquire()
    .then(
      () => null,
      (error: unknown) => error,
    );
  count(
    report.lockedNamesHolder,
    locked instanceof LockedError && locked.holder === "writer-a" && locked.expiresAtMs === aExpiresAtMs,
  );

  // E1-3: A's lease lapses, B takes over; A (the zombie) can no longer advance the manifest.
  clock.advance(TTL_MS + GRACE_MS + 1);
  const b = lease("writer-b");
  const bAcquired = await b.acquire();
  const staleCas = await casManifest(store, manifestKey, aAcquired.manifest.version, {
    ...aAcquired.manifest.manifest,
    commitSeq: aAcquired.manifest.manifest.commitSeq + 1,
  }).then(
    () => null,
    (error: unknown) => error,
  );
  count(report.zombieStaleCasRejected, staleCas instanceof ManifestConflictError);
  const zombieCommit = await commitFenced({ store, manifestKey, lease: a }, aAcquired.manifest, {
    ...aAcquired.manifest.manifest,
    commitSeq: aAcquired.manifest.manifest.commitSeq + 1,
  }).then(
    () => null,
    (error: unknown) => error,
  );
  count(report.zombieCommitFenced, zombieCommit instanceof FencedError);

  // E1-2: two takers of an expired lease at once: one wins, the token moves by exactly one.
  clock.advance(TTL_MS + GRACE_MS + 1);
  const takers = [lease("writer-c"), lease("writer-d")];
  const results = await Promise.allSettled(takers.map((taker) => taker.acquire()));
  const winners = results.filter((result) => result.status === "fulfilled");
  const losersLocked = results.every(
    (result) => result.status === "fulfilled" || result.reason instanceof LockedError,
  );
  count(report.takeoverRaceOneWinner, winners.length === 1 && losersLocked);
  const manifest = await readManifest(store, manifestKey);
  const winner = winners[0] as PromiseFulfilledResult<{ fencingToken: number }> | undefined;
  count(
    report.tokenIncrementsOnce,
    winner !== undefined &&
      winner.value.fencingToken === bAcquired.fencingToken + 1 &&
      manifest?.manifest.fencingToken === winner.value.fencingToken,
  );
  for (const [index, taker] of takers.entries())
    if (results[index]?.status === "fulfilled") await taker.release();
}

export function formatE1Report(report: E1Report): string[] {
  const tally = (value: Tally) => `${value.passed}/${value.total}`;
  const lines = [
    `e1_locked_names_holder=${tally(report.lockedNamesHolder)}`,
    `e1_zombie_stale_cas_rejected=${tally(report.zombieStaleCasRejected)}`,
    `e1_zombie_commit_fenced=${tally(report.zombieCommitFenced)}`,
    `e1_takeover_race_one_winner=${tally(report.takeoverRaceOneWinner)}`,
    `e1_token_increments_once=${tally(report.tokenIncrementsOnce)}`,
    `e1_errors=${report.errors}`,
  ];
  if (report.firstError !== undefined) lines.push(`e1_first_error=${report.firstError.replace(/\s+/g, " ")}`);
  return lines;
}

export function e1Passed(report: E1Report): boolean {
  const all = (value: Tally) => value.passed === value.total && value.total > 0;
  return (
    report.errors === 0 &&
    all(report.lockedNamesHolder) &&
    all(report.zombieStaleCasRejected) &&
    all(report.zombieCommitFenced) &&
    all(report.takeoverRaceOneWinner) &&
    all(report.tokenIncrementsOnce)
  );
}
