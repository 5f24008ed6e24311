import { describe, expect, it } from "vitest";
import { NetworkTimeoutError, type NetworkOptions, SimNetwork } from "./network.ts";
import { World } from "./world.ts";

const quiet: NetworkOptions = {
  delayMedianMs: 2,
  delaySigma: 0.3,
  lossRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  reorderExtraMs: 0,
  partitionMeanIntervalMs: 0,
  partitionMeanDurationMs: 0,
};

function pair(options: NetworkOptions, seed = 1) {
  const world = new World({ seed });
  const network = new SimNetwork(world, options);
  const a = world.spawn("a");
  const b = world.spawn("b");
  const seen: unknown[] = [];
  network.bind("a", "addr-a", a, () => undefined);
  network.bind("b", "addr-b", b, (request) => {
    seen.push(request);
    return { echo: request };
  });
  return { world, network, a, b, seen };
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    (value) => `ok:${JSON.stringify(value)}`,
    (error: unknown) => (error instanceof NetworkTimeoutError ? "timeout" : `error:${String(error)}`),
  );
}

describe("SimNetwork", () => {
  it("delivers requests and replies when no fault is on", async () => {
    const { world, network } = pair(quiet);
    const result = outcome(network.call("a", "addr-b", 7, 100));
    await world.run();
    expect(await result).toBe('ok:{"echo":7}');
  });

  it("drops everything across a partition until healed", async () => {
    const { world, network, seen } = pair(quiet);
    network.partition("a", "b");
    const cut = outcome(network.call("a", "addr-b", 1, 50));
    await world.run();
    expect(await cut).toBe("timeout");
    expect(seen).toEqual([]);
    network.heal("a", "b");
    const healed = outcome(network.call("a", "addr-b", 2, 50));
    await world.run();
    expect(await healed).toBe('ok:{"echo":2}');
  });

  it("loses what was in flight to an old address after a rebind, and answers at the new one", async () => {
    const { world, network, seen } = pair(quiet);
    const inFlight = outcome(network.call("a", "addr-b", 1, 50));
    network.rebind("b", "addr-b2");
    await world.run();
    expect(await inFlight).toBe("timeout");
    expect(seen).toEqual([]);
    const moved = outcome(network.call("a", "addr-b2", 2, 50));
    await world.run();
    expect(await moved).toBe('ok:{"echo":2}');
  });

  it("holds deliveries to a paused node until it resumes", async () => {
    const { world, network, b, seen } = pair(quiet);
    b.pause();
    const held = outcome(network.call("a", "addr-b", 1, 1_000));
    await world.run({ untilMs: 100 });
    expect(seen).toEqual([]);
    b.resume();
    await world.run();
    expect(await held).toBe('ok:{"echo":1}');
  });

  it("duplicates and loses by seed, the same way for the same seed", async () => {
    const lossy = { ...quiet, lossRate: 0.3, duplicateRate: 0.3, reorderRate: 0.5, reorderExtraMs: 10 };
    const runOnce = async (seed: number) => {
      const { world, network, seen } = pair(lossy, seed);
      const results = Array.from({ length: 40 }, (_, i) => outcome(network.call("a", "addr-b", i, 200)));
      await world.run();
      return {
        seen: seen.length,
        distinct: new Set(seen).size,
        results: await Promise.all(results),
        hash: world.trace.hash(),
      };
    };
    const first = await runOnce(3);
    const again = await runOnce(3);
    expect(again).toEqual(first);
    expect(first.results).toContain("timeout");
    expect(first.seen).toBeGreaterThan(first.distinct); // some requests were handled twice
    expect((await runOnce(4)).hash).not.toBe(first.hash);
  });
});
