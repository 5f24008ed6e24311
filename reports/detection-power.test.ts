import { describe, expect, it } from "vitest";
import { detectionPower, formatPower } from "./detection-power.ts";

describe("detection power", () => {
  it("90 seeds find a 5% bug with at least 99% probability, 30 seeds do not", () => {
    expect(detectionPower(90)).toBeGreaterThanOrEqual(0.99);
    expect(detectionPower(89)).toBeLessThan(0.99);
    expect(detectionPower(30)).toBeLessThan(0.8);
  });
  it("is zero without seeds and formats rounding down", () => {
    expect(detectionPower(0)).toBe(0);
    expect(formatPower(detectionPower(90))).toBe("99.0%");
    expect(formatPower(0.99999)).toBe("99.9%");
  });
});
