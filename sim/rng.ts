/**
 * Seeded random streams. One root seed per run; every component and every process forks its
 * own named stream from it, so a new draw in one component never shifts another's sequence.
 * Backed by seedrandom's Alea (fast, good enough for simulation, not for cryptography).
 */
import seedrandom from "seedrandom";
import type { Random } from "../engine/runtime.ts";

export class Rng implements Random {
  private readonly prng: () => number;

  constructor(readonly seedText: string) {
    this.prng = seedrandom.alea(seedText);
  }

  static root(seed: number): Rng {
    return new Rng(`blobsim:${seed}`);
  }

  /** An independent stream; the same name from the same parent always gives the same stream. */
  fork(name: string): Rng {
    return new Rng(`${this.seedText}/${name}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.prng() * (max - min + 1));
  }

  /** Uniform real in [min, max). */
  between(min: number, max: number): number {
    return min + this.prng() * (max - min);
  }

  chance(probability: number): boolean {
    return this.prng() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick from an empty list");
    return items[Math.floor(this.prng() * items.length)] as T;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.prng()) * mean;
  }

  /** Log-normal with the given median and shape sigma (the spread of the tail). */
  logNormal(median: number, sigma: number): number {
    // Box-Muller: one standard normal from two uniforms.
    const u1 = 1 - this.prng();
    const u2 = this.prng();
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return median * Math.exp(sigma * normal);
  }
}
