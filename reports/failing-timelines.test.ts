import { describe, expect, it } from "vitest";
import { runSeed } from "../harness/run-seed.ts";
import { failingSeedTimelines } from "./failing-timelines.ts";

describe("failing seed timelines", () => {
  it("replays the first failing seed of each scenario with its full trace, and none for passing seeds", async () => {
    const failing = (await runSeed("kernel.timers-and-kills", 1, { variant: "K01" })).result;
    const failingLater = (await runSeed("kernel.timers-and-kills", 2, { variant: "K01" })).result;
    const passing = (await runSeed("kernel.zombie-timers", 0, {})).result;
    expect(failing.ok).toBe(false);
    const timelines = await failingSeedTimelines([passing, failing, failingLater]);
    expect([...timelines.keys()]).toEqual(["seed:kernel.timers-and-kills:1"]);
    const view = timelines.get("seed:kernel.timers-and-kills:1")!;
    expect(view.traceHash).toBe(failing.traceHash);
    expect(view.violation?.invariant).toBe("acked-write-durability");
    expect(view.totalEvents).toBe(failing.events);
    expect(view.replay).toBe("npx blobsim replay kernel.timers-and-kills --seed 1 --variant K01");
  });

  it("embeds at most the asked number", async () => {
    const failing = (await runSeed("kernel.timers-and-kills", 1, { variant: "K01" })).result;
    expect((await failingSeedTimelines([failing], 0)).size).toBe(0);
  });
});
