/**
 * Retention options. Retention is off unless `retentionMs` is set: an unset option never deletes.
 * Every other option has a default; `resolveRetentionConfig` checks them once and throws a
 * RetentionConfigError naming the bad one.
 */
import { RetentionConfigError } from "./errors.ts";
import type { PlausibilityWindow } from "./plausibility.ts";

export interface RetentionOptions {
  /** Ops older than this may be pruned. Undefined: retention off (archive mode). */
  retentionMs?: number;
  /** Subtracted from the slowest active peer's cursor before it bounds the cutoff. */
  cursorSafetyMarginMs?: number;
  /** Rows removed per delete call (keeps each delete short). */
  batchLimit?: number;
  /** Delete calls per tick (bounds one tick's work). */
  maxBatchesPerTick?: number;
  /** Most ops served per sweep request. */
  sweepLimitMax?: number;
  plausibility: PlausibilityWindow;
}

export interface RetentionConfig {
  retentionMs: number | null;
  cursorSafetyMarginMs: number;
  batchLimit: number;
  maxBatchesPerTick: number;
  sweepLimitMax: number;
  plausibility: PlausibilityWindow;
}

export function resolveRetentionConfig(options: RetentionOptions): RetentionConfig {
  const config: RetentionConfig = {
    retentionMs: options.retentionMs ?? null,
    cursorSafetyMarginMs: options.cursorSafetyMarginMs ?? 3_600_000,
    batchLimit: options.batchLimit ?? 10_000,
    maxBatchesPerTick: options.maxBatchesPerTick ?? 10,
    sweepLimitMax: options.sweepLimitMax ?? 1_000,
    plausibility: options.plausibility,
  };
  if (config.retentionMs !== null) positive("retentionMs", config.retentionMs);
  nonNegative("cursorSafetyMarginMs", config.cursorSafetyMarginMs);
  positiveInteger("batchLimit", config.batchLimit);
  positiveInteger("maxBatchesPerTick", config.maxBatchesPerTick);
  positiveInteger("sweepLimitMax", config.sweepLimitMax);
  if (!options.plausibility) throw new RetentionConfigError("plausibility", options.plausibility);
  nonNegative("plausibility.dataEpochMs", config.plausibility.dataEpochMs);
  nonNegative("plausibility.maxFutureSkewMs", config.plausibility.maxFutureSkewMs);
  return config;
}

function nonNegative(option: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RetentionConfigError(option, value);
  }
}

function positive(option: string, value: number): void {
  nonNegative(option, value);
  if (value === 0) throw new RetentionConfigError(option, value);
}

function positiveInteger(option: string, value: number): void {
  positive(option, value);
  if (!Number.isInteger(value)) throw new RetentionConfigError(option, value);
}
