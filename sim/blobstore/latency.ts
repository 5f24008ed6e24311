/**
 * The timing of one simulated request: upload of the request body, server time, download of
 * the response body. Server time is log-normal per operation class (seeded), with a tunable
 * slow tail; bodies move at the stream's bandwidth, so large objects are bandwidth-bound.
 * The request applies (or reads its snapshot) at one instant inside the server time.
 */
import type { Rng } from "../rng.ts";
import type { BlobStoreOptions } from "./options.ts";

export type StoreOp = "get" | "head" | "put" | "list" | "delete";

export interface RequestTiming {
  /** From the call to the apply point: request upload plus part of the server time. */
  applyAfterMs: number;
  /** Server time left after the apply point (the response body's download comes on top). */
  serverRestMs: number;
  slowTail: boolean;
}

export function medianServerMs(options: BlobStoreOptions, op: StoreOp): number {
  switch (op) {
    case "get":
      return options.getMedianMs;
    case "head":
      return options.headMedianMs;
    case "put":
      return options.putMedianMs;
    case "list":
      return options.listMedianMs;
    case "delete":
      return options.deleteMedianMs;
  }
}

/** Draws the request's server time and apply point; times are whole milliseconds (>= 1). */
export function drawTiming(
  rng: Rng,
  options: BlobStoreOptions,
  op: StoreOp,
  uploadBytes: number,
): RequestTiming {
  const slowTail = options.slowTailProbability > 0 && rng.chance(options.slowTailProbability);
  let serverMs = rng.logNormal(medianServerMs(options, op), options.latencySigma);
  if (slowTail) serverMs *= options.slowTailFactor;
  const uploadMs = (uploadBytes * 1000) / options.uploadBytesPerS;
  // The apply point sits somewhere in the middle of the server's work on the request.
  const applyFraction = rng.between(0.3, 0.8);
  const applyAfterMs = Math.max(1, Math.round(uploadMs + serverMs * applyFraction));
  const serverRestMs = serverMs * (1 - applyFraction);
  return { applyAfterMs, serverRestMs, slowTail };
}

/** From the apply point to the answer reaching the caller. */
export function responseDelayMs(
  timing: RequestTiming,
  options: BlobStoreOptions,
  downloadBytes: number,
): number {
  const downloadMs = (downloadBytes * 1000) / options.downloadBytesPerS;
  return Math.max(1, Math.round(timing.serverRestMs + downloadMs));
}
