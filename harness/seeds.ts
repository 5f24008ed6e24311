/**
 * Seed selection and sharding. Seeds are unsigned 32-bit integers; `--from S --seeds N` means
 * S .. S+N-1. Shard i/n keeps every n-th seed of that list starting at the i-th, so shards
 * 1/n .. n/n together run exactly the unsharded seeds, with no overlap.
 */

export const SEED_MAX = 0xffff_ffff;

export class UsageError extends Error {
  override name = "UsageError";
}

export interface Shard {
  index: number; // 1-based
  count: number;
}

export function parseSeed(text: string, flag = "--seed"): number {
  if (!/^\d{1,10}$/.test(text)) throw new UsageError(`${flag} must be an unsigned integer, got "${text}"`);
  const seed = Number(text);
  if (seed > SEED_MAX) throw new UsageError(`${flag} must be at most ${SEED_MAX}, got ${text}`);
  return seed;
}

export function parseCount(text: string, flag: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1)
    throw new UsageError(`${flag} must be a positive integer, got "${text}"`);
  return Number(text);
}

export function parseShard(text: string): Shard {
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(text);
  if (!match) throw new UsageError(`--shard must look like i/n, got "${text}"`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${text}: need 1 <= i <= n`);
  return { index, count };
}

export interface SeedSelection {
  seed?: number;
  from?: number;
  seeds?: number;
  shard?: Shard;
}

export function selectSeeds(defaultCount: number, selection: SeedSelection): number[] {
  let seeds: number[];
  if (selection.seed !== undefined) seeds = [selection.seed];
  else {
    const from = selection.from ?? 0;
    const count = selection.seeds ?? defaultCount;
    if (from + count - 1 > SEED_MAX) throw new UsageError(`seed range ${from}+${count} passes ${SEED_MAX}`);
    seeds = Array.from({ length: count }, (_, i) => from + i);
  }
  const shard = selection.shard;
  return shard ? seeds.filter((_, i) => i % shard.count === shard.index - 1) : seeds;
}
