/**
 * What the store scenarios share: building the simulated store (with this seed's swarm fault
 * mix, or a fixed one), handing out clients through the blob store seam, retrying what is safe
 * to retry, turning answers into what a caller believes, and percentiles.
 */
import type { BlobStore } from "../../engine/blobstore/blob-store.ts";
import {
  AmbiguousWriteError,
  PreconditionFailedError,
  RateLimitedError,
  TransientError,
} from "../../engine/blobstore/errors.ts";
import { checkStoreHistory, STORE_HISTORY_INVARIANT } from "../../invariants/store-history.ts";
import type { RacerBelief } from "../../invariants/store-race.ts";
import { type BlobStoreOptions, drawBlobStoreOptions, SimBlobStore } from "../../sim/blob-store.ts";
import type { SimProcess } from "../../sim/process.ts";
import type { ScenarioContext } from "../scenario.ts";
import { seamedStore } from "./seams.ts";

/** The store for this run: the seed's swarm fault mix (or none), then the scenario's overrides. */
export function buildStore(
  ctx: ScenarioContext,
  overrides: Partial<BlobStoreOptions> = {},
  swarm = true,
): SimBlobStore {
  const drawn = swarm ? drawBlobStoreOptions(ctx.world) : {};
  return new SimBlobStore(ctx.world, { ...drawn, ...overrides });
}

/** `process`'s client, passed through the blob store seam (a forensic variant may break it). */
export function clientFor(ctx: ScenarioContext, sim: SimBlobStore, process: SimProcess): BlobStore {
  return seamedStore(ctx.seams.blobstore, sim.client(process));
}

/** Whether an error says for sure that nothing was applied and a retry is safe. */
export function retryable(error: unknown): boolean {
  return error instanceof TransientError || error instanceof RateLimitedError;
}

/**
 * Runs `call` until it stops failing with a retryable error, sleeping a jittered exponential
 * backoff between attempts (base `backoffMs`, at most `attemptsMax` attempts).
 */
export async function withRetry<T>(
  process: SimProcess,
  call: () => Promise<T>,
  backoffMs = 200,
  attemptsMax = 12,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!retryable(error) || attempt >= attemptsMax) throw error;
      const capMs = Math.min(8_000, backoffMs * 2 ** (attempt - 1));
      await process.sleep(Math.round(process.rng.between(capMs / 2, capMs)));
    }
  }
}

/** What a caller may believe from a mutation's answer. */
export function beliefOf(outcome: { ok: true } | { ok: false; error: unknown }): RacerBelief {
  if (outcome.ok) return "ok";
  if (outcome.error instanceof PreconditionFailedError) return "412";
  if (outcome.error instanceof AmbiguousWriteError) return "unknown";
  return "error";
}

/** Settles to what the call did, never rejects. */
export function outcomeOf<T>(
  call: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** Replays the store's history and reports any precondition or generation breach. */
export function checkHistory(ctx: ScenarioContext, sim: SimBlobStore): void {
  for (const problem of checkStoreHistory(sim.history, sim.options.flavor, sim.objects()))
    ctx.world.violate(STORE_HISTORY_INVARIANT, problem);
}

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();
