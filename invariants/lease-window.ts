/**
 * The won lease's window against the store's history (issue 21), from the lease object's applied
 * writes (SingleWriterTap) and each process's clock offset:
 *
 * - lease-window (wait-out): a takeover of a holder that had not released applies only after the
 *   holder's last written expiry, in real (world) time, whenever the taker's clock is within the
 *   documented skew bound (takeoverGraceMs) of the holder's; past the bound only fencing keeps
 *   safety, and the single-writer checker judges that;
 * - lease-window (start): a won lease's window starts when it was won: its acquiredAtMs is the
 *   taker's clock within `startSlackMs` of the write's apply point (not when acquire began, before
 *   the wait), and it lasts at most the TTL. Judged only for formats that record when a window
 *   began (`acquiredAtMs`).
 *
 * Lease bytes are read through the binding's decoder (blobsim's own format by default), so a
 * foreign engine's lease is judged the same way.
 */
import { blobsimBinding, type DecodedLease, type RecordDecoders } from "../engine/node/index.ts";
import type { TappedWrite } from "./single-writer-tap.ts";

export interface LeaseWindowBounds {
  /** World epoch: a process's clock reads epochMs + world time + its offset. */
  epochMs: number;
  clockOffsetMs: (process: string) => number;
  ttlMs: number;
  takeoverGraceMs: number;
  /** How long before its apply point a lease write may have been built (store latency, retries). */
  startSlackMs: number;
}

export function leaseWindowProblems(
  writes: readonly TappedWrite[],
  leaseKey: string,
  bounds: LeaseWindowBounds,
  decoders: Pick<RecordDecoders, "decodeLease"> = blobsimBinding(),
): string[] {
  const problems: string[] = [];
  let previous: { record: DecodedLease; process: string } | null = null;
  for (const write of writes) {
    if (write.mutation.key !== leaseKey) continue;
    const record = decoders.decodeLease(write.bytes, leaseKey);
    const { process, atMs } = write.mutation;
    const won = previous === null || previous.record.holder !== record.holder;
    if (won && !record.released && record.acquiredAtMs !== undefined) {
      const takerNowMs = bounds.epochMs + atMs + bounds.clockOffsetMs(process);
      if (takerNowMs - record.acquiredAtMs > bounds.startSlackMs)
        problems.push(
          `${record.holder} won token ${record.token} at ${takerNowMs} on its clock, but its window starts at ${record.acquiredAtMs}`,
        );
      if (record.expiresAtMs - record.acquiredAtMs > bounds.ttlMs)
        problems.push(
          `${record.holder}'s window is ${record.expiresAtMs - record.acquiredAtMs} ms, TTL ${bounds.ttlMs} ms`,
        );
    }
    if (won && previous && !previous.record.released) {
      const skewMs = Math.abs(bounds.clockOffsetMs(process) - bounds.clockOffsetMs(previous.process));
      const expiryWorldMs =
        previous.record.expiresAtMs - bounds.clockOffsetMs(previous.process) - bounds.epochMs;
      if (skewMs <= bounds.takeoverGraceMs && atMs <= expiryWorldMs)
        problems.push(
          `${record.holder} took the lease over at ${atMs} ms while ${previous.record.holder}'s lease ran to ${expiryWorldMs} ms (skew ${skewMs} ms, within the grace ${bounds.takeoverGraceMs} ms)`,
        );
    }
    previous = { record, process };
  }
  return problems;
}
