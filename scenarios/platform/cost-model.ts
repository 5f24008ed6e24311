/**
 * The E5-2 cost model: a run's operation counts (store requests by GCS price class, bytes
 * stored, platform CPU- and memory-seconds, requests) priced with a table kept as data
 * (fixtures/prices/*.json) and projected to a 30-day month.
 */
import { readFileSync } from "node:fs";

export interface PriceTable {
  currency: string;
  storage: { standardGbMonth: number; classAPer10k: number; classBPer10k: number; deletePer10k: number };
  platform: {
    vcpuSecond: number;
    gibSecond: number;
    requestsPerMillion: number;
    vcpu: number;
    memoryGib: number;
  };
  freeTierMonthly: { vcpuSeconds: number; gibSeconds: number; requests: number };
}

export class PriceTableError extends Error {
  override name = "PriceTableError";
}

/** Parses and checks a price table: every price a finite number >= 0, naming the bad field. */
export function parsePriceTable(text: string, source: string): PriceTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PriceTableError(`${source}: not JSON (${(error as Error).message})`);
  }
  const table = raw as PriceTable;
  const sections = ["storage", "platform", "freeTierMonthly"] as const;
  for (const section of sections) {
    const values = (table as unknown as Record<string, unknown>)[section];
    if (typeof values !== "object" || values === null)
      throw new PriceTableError(`${source}: missing section "${section}"`);
    for (const [name, value] of Object.entries(values))
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
        throw new PriceTableError(
          `${source}: ${section}.${name} must be a number >= 0, got ${JSON.stringify(value)}`,
        );
  }
  for (const name of ["standardGbMonth", "classAPer10k", "classBPer10k"] as const)
    if (!(name in table.storage)) throw new PriceTableError(`${source}: missing storage.${name}`);
  for (const name of ["vcpuSecond", "gibSecond", "requestsPerMillion", "vcpu", "memoryGib"] as const)
    if (!(name in table.platform)) throw new PriceTableError(`${source}: missing platform.${name}`);
  return table;
}

export const GCS_CLOUD_RUN_PRICES_URL = new URL("../../fixtures/prices/gcs-cloud-run.json", import.meta.url);

export function loadPriceTable(url: URL = GCS_CLOUD_RUN_PRICES_URL): PriceTable {
  return parsePriceTable(readFileSync(url, "utf8"), url.pathname);
}

/** What a run used, over `periodMs` of simulated time. */
export interface Usage {
  periodMs: number;
  classA: number;
  classB: number;
  deletes: number;
  /** Bytes stored in steady state (after retention GC). */
  bytesStored: number;
  /** Billed instance time with CPU allocated (request-based billing). */
  cpuBusyMs: number;
  requests: number;
}

export interface MonthlyCost {
  storageUsd: number;
  classAUsd: number;
  classBUsd: number;
  platformCpuUsd: number;
  platformMemoryUsd: number;
  requestsUsd: number;
  /** Object storage + operations: what the database itself costs. */
  storeUsd: number;
  /** Everything, before free tiers. */
  totalUsd: number;
  /** Everything, after the platform's monthly free tier. */
  totalAfterFreeTierUsd: number;
}

const MONTH_MS = 30 * 24 * 3600 * 1000;

export function monthlyCost(usage: Usage, prices: PriceTable): MonthlyCost {
  if (!(usage.periodMs > 0)) throw new RangeError(`usage.periodMs must be > 0, got ${usage.periodMs}`);
  const scale = MONTH_MS / usage.periodMs;
  const classAUsd = ((usage.classA * scale) / 10_000) * prices.storage.classAPer10k;
  const classBUsd = ((usage.classB * scale) / 10_000) * prices.storage.classBPer10k;
  const deletesUsd = ((usage.deletes * scale) / 10_000) * prices.storage.deletePer10k;
  const storageUsd = (usage.bytesStored / 1024 ** 3) * prices.storage.standardGbMonth;
  const cpuSeconds = (usage.cpuBusyMs / 1000) * scale * prices.platform.vcpu;
  const gibSeconds = (usage.cpuBusyMs / 1000) * scale * prices.platform.memoryGib;
  const requests = usage.requests * scale;
  const platformCpuUsd = cpuSeconds * prices.platform.vcpuSecond;
  const platformMemoryUsd = gibSeconds * prices.platform.gibSecond;
  const requestsUsd = (requests / 1e6) * prices.platform.requestsPerMillion;
  const storeUsd = storageUsd + classAUsd + classBUsd + deletesUsd;
  const free = prices.freeTierMonthly;
  const afterFree =
    Math.max(0, cpuSeconds - free.vcpuSeconds) * prices.platform.vcpuSecond +
    Math.max(0, gibSeconds - free.gibSeconds) * prices.platform.gibSecond +
    (Math.max(0, requests - free.requests) / 1e6) * prices.platform.requestsPerMillion;
  return {
    storageUsd,
    classAUsd,
    classBUsd,
    platformCpuUsd,
    platformMemoryUsd,
    requestsUsd,
    storeUsd,
    totalUsd: storeUsd + platformCpuUsd + platformMemoryUsd + requestsUsd,
    totalAfterFreeTierUsd: storeUsd + afterFree,
  };
}
