import { describe, expect, it } from "vitest";
import { encodeLease, LEASE_FORMAT_VERSION, leaseKey } from "../engine/lease/lease-record.ts";
import { emptyManifest, encodeManifest, type Manifest, manifestKey } from "../engine/manifest/manifest.ts";
import { SimBlobStore } from "../sim/blob-store.ts";
import { World } from "../sim/world.ts";
import { checkSingleWriter, SINGLE_WRITER } from "./single-writer.ts";
import { SingleWriterTap } from "./single-writer-tap.ts";

const LEASE = leaseKey("db");
const MANIFEST = manifestKey("db");

type Step =
  | { kind: "lease"; process: string; holder: string; token: number }
  | { kind: "manifest"; process: string; writer: string; token: number; seq: number }
  | { kind: "claim"; process: string; holder: string; token: number };

/** Applies the steps in order (unconditional writes, no faults) and runs the checker. */
async function judge(steps: Step[]): Promise<World> {
  const world = new World({ seed: 1 });
  const store = new SimBlobStore(world, { rateLimitEnabled: false });
  const tap = new SingleWriterTap(world, store, LEASE, MANIFEST);
  const driver = world.spawn("driver");
  const processes = new Map(["A", "B"].map((name) => [name, world.spawn(name)]));
  void driver.start(async (self) => {
    for (const step of steps) {
      const process = processes.get(step.process)!;
      const client = store.client(process);
      if (step.kind === "lease")
        await client.put(
          LEASE,
          encodeLease({
            formatVersion: LEASE_FORMAT_VERSION,
            holder: step.holder,
            fencingToken: step.token,
            acquiredAtMs: 0,
            expiresAtMs: 60_000,
            released: false,
          }),
        );
      else if (step.kind === "manifest") {
        const manifest: Manifest = {
          ...emptyManifest("db"),
          fencingToken: step.token,
          writerId: step.writer,
          commitSeq: step.seq,
        };
        await client.put(MANIFEST, encodeManifest(manifest));
      } else tap.events(process).acquired({ holder: step.holder, fencingToken: step.token });
      await self.sleep(10);
    }
  });
  await world.run();
  checkSingleWriter(world, tap);
  return world;
}

const handover: Step[] = [
  { kind: "lease", process: "A", holder: "A", token: 1 },
  { kind: "manifest", process: "A", writer: "A", token: 1, seq: 1 },
  { kind: "claim", process: "A", holder: "A", token: 1 },
  { kind: "manifest", process: "A", writer: "A", token: 1, seq: 2 },
  { kind: "lease", process: "B", holder: "B", token: 2 },
  { kind: "manifest", process: "A", writer: "A", token: 1, seq: 3 }, // before B's stamp: allowed
  { kind: "manifest", process: "B", writer: "B", token: 2, seq: 4 },
  { kind: "claim", process: "B", holder: "B", token: 2 },
];

describe("single-writer checker", () => {
  it("accepts a clean handover (the old holder's last commit lands before the stamp)", async () => {
    const world = await judge(handover);
    expect(world.violations).toEqual([]);
  });

  it("names both writers when a superseded holder commits after the new one acquired", async () => {
    const world = await judge([
      ...handover,
      { kind: "manifest", process: "A", writer: "A", token: 1, seq: 5 },
    ]);
    const messages = world.violations.map((violation) => violation.message);
    expect(world.violations.every((violation) => violation.invariant === SINGLE_WRITER)).toBe(true);
    expect(messages.some((message) => /by A .* after B \(token 2\) acquired/.test(message))).toBe(true);
    const superseded = world.violations.find((violation) => /acquired the lease/.test(violation.message))!;
    expect(superseded.events.map((event) => event.k)).toEqual([
      "lease.acquired",
      "store.applied",
      "violation",
    ]);
  });

  it("catches tokens going backwards, a skipped commitSeq and a token nobody won", async () => {
    const backwards = await judge([
      { kind: "lease", process: "A", holder: "A", token: 2 },
      { kind: "lease", process: "B", holder: "B", token: 1 },
    ]);
    expect(backwards.violations[0]?.message).toMatch(/lease token went backwards/);
    const skipped = await judge([
      { kind: "lease", process: "A", holder: "A", token: 1 },
      { kind: "manifest", process: "A", writer: "A", token: 1, seq: 1 },
      { kind: "manifest", process: "A", writer: "A", token: 1, seq: 3 },
    ]);
    expect(skipped.violations[0]?.message).toMatch(/commitSeq did not advance by one/);
    const unowned = await judge([{ kind: "manifest", process: "B", writer: "B", token: 4, seq: 1 }]);
    expect(unowned.violations[0]?.message).toMatch(/never won in the lease/);
  });
});
