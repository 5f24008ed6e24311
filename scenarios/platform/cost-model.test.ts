import { describe, expect, it } from "vitest";
import { loadPriceTable, monthlyCost, parsePriceTable, PriceTableError } from "./cost-model.ts";

describe("cost model", () => {
  const prices = loadPriceTable();

  it("prices 1,000 strict writes a day (2 class A ops each) at about $0.30 a month of operations", () => {
    const day = 24 * 3600 * 1000;
    const cost = monthlyCost(
      { periodMs: day, classA: 2_000, classB: 0, deletes: 0, bytesStored: 0, cpuBusyMs: 0, requests: 0 },
      prices,
    );
    // 60,000 class A ops a month at $0.05 per 10k.
    expect(cost.classAUsd).toBeCloseTo(0.3, 6);
    expect(cost.totalUsd).toBeCloseTo(0.3, 6);
  });

  it("applies the platform free tier only to the after-free-tier total", () => {
    const month = 30 * 24 * 3600 * 1000;
    const cost = monthlyCost(
      {
        periodMs: month,
        classA: 0,
        classB: 0,
        deletes: 0,
        bytesStored: 1024 ** 3,
        cpuBusyMs: 1_000_000,
        requests: 1000,
      },
      prices,
    );
    expect(cost.storageUsd).toBeCloseTo(prices.storage.standardGbMonth, 9);
    expect(cost.platformCpuUsd).toBeGreaterThan(0);
    expect(cost.totalAfterFreeTierUsd).toBeCloseTo(cost.storeUsd, 9);
  });

  it("rejects a price table with a bad field, naming it", () => {
    const bad = JSON.stringify({ ...prices, storage: { ...prices.storage, classAPer10k: "0.05" } });
    expect(() => parsePriceTable(bad, "bad.json")).toThrow(PriceTableError);
    expect(() => parsePriceTable(bad, "bad.json")).toThrow(/storage\.classAPer10k/);
    expect(() => parsePriceTable("{", "broken.json")).toThrow(/broken\.json: not JSON/);
  });
});
