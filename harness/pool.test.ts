import { describe, expect, it } from "vitest";
import { lostSeedResult, runOrdered, type SeedRunner } from "./pool.ts";
import { replayCommand, type SeedResult } from "./result.ts";
import type { SeedTask } from "./worker.ts";

/** A runner whose tasks finish in reverse order of submission, as a busy pool might. */
function reversingRunner(): SeedRunner {
  return {
    run: (task) =>
      new Promise<SeedResult>((resolve) =>
        setTimeout(() => resolve({ seed: task.seed } as SeedResult), 50 - task.seed * 5),
      ),
    close: async () => undefined,
  };
}

describe("runOrdered", () => {
  it("reports results in task order and nothing after a stop", async () => {
    const tasks: SeedTask[] = Array.from({ length: 8 }, (_, seed) => ({
      scenario: "x",
      seed,
      variant: null,
      sanitize: false,
    }));
    const seen: number[] = [];
    await runOrdered(reversingRunner(), tasks, 4, (result) => {
      seen.push(result.seed);
      return result.seed === 2 ? "stop" : undefined;
    });
    expect(seen).toEqual([0, 1, 2]);
  });
});

describe("lostSeedResult", () => {
  it("keeps the config and binding, so a crashed seed's replay line carries them", () => {
    const task = { scenario: "lease.zombie", seed: 3, variant: null, sanitize: false };
    const lost = lostSeedResult(
      { ...task, configModule: "/teams/mine/blobsim.config.ts", bindingName: "next" },
      "crash",
      5,
      { where: "worker thread", name: "Error", message: "boom", stack: "" },
    );
    expect(replayCommand(lost)).toBe(
      "npx blobsim replay lease.zombie --seed 3 --config /teams/mine/blobsim.config.ts --binding next",
    );
  });
});
