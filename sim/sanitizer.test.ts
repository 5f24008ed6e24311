import { describe, expect, it } from "vitest";
import { runSanitized, trustedSection } from "./sanitizer.ts";

function sanitizedRun() {
  const offences: string[] = [];
  return {
    offences,
    run: {
      nowMs: () => 1_000,
      random: () => 0.5,
      onViolation: (api: string, stack: string) => offences.push(`${api}\n${stack}`),
      allow: ["allowed-caller-marker"],
    },
  };
}

describe("determinism sanitizer", () => {
  it("fails direct wall-clock, timer and randomness use inside a run, with the stack", async () => {
    const { offences, run } = sanitizedRun();
    const attempts = [
      () => Math.random(),
      () => Date.now(),
      () => new Date(),
      () => setTimeout(() => undefined, 1),
      () => setImmediate(() => undefined),
      () => performance.now(),
      () => crypto.randomUUID(),
    ];
    await runSanitized(run, async () => {
      await Promise.resolve();
      for (const attempt of attempts) expect(attempt).toThrow(/inside a simulated run/);
    });
    expect(offences).toHaveLength(attempts.length);
    expect(offences[0]).toMatch(/^Math\.random\n.*sanitizer\.test\.ts/s);
  });

  it("leaves code outside a run alone, and dates with explicit values too", async () => {
    const { offences, run } = sanitizedRun();
    await runSanitized(run, async () => {
      expect(new Date(5).getTime()).toBe(5);
    });
    expect(typeof Math.random()).toBe("number");
    expect(Date.now()).toBeGreaterThan(1_000_000);
    expect(offences).toEqual([]);
  });

  it("serves a trusted section the run's values, and checks what it starts asynchronously as usual", async () => {
    const { offences, run } = sanitizedRun();
    await runSanitized(run, async () => {
      expect(trustedSection(() => [Date.now(), new Date().getTime(), Math.random()])).toEqual([
        1_000, 1_000, 0.5,
      ]);
      // The section is synchronous: a read after its first await is outside it.
      const late = trustedSection(async () => {
        await Promise.resolve();
        return Date.now();
      });
      await expect(late).rejects.toThrow(/inside a simulated run/);
      expect(() => Date.now()).toThrow(/inside a simulated run/);
    });
    expect(offences).toHaveLength(2);
  });
});
