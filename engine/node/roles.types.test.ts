/**
 * The role interfaces are structural: a foreign writer class with its own private fields (and
 * an ECMAScript #private one) stands in for blobsim's writer without a cast. `npm run typecheck`
 * compiles this file; the test also drives it through a function that accepts only the role.
 */
import { describe, expect, it } from "vitest";
import type { AcquiredRole, CommitAck, EngineBinding, WriterRole } from "./roles.ts";
import { blobsimBinding } from "./blobsim-binding.ts";

class ForeignWriter implements WriterRole {
  private token = 0;
  #commits = 0;
  constructor(readonly holder: string) {}
  get fencingToken(): number {
    if (this.token === 0) throw new Error("not held");
    return this.token;
  }
  async acquire(): Promise<AcquiredRole> {
    this.token = 7;
    return { fencingToken: this.token, manifest: { position: 0 } };
  }
  async renew(): Promise<void> {}
  async release(): Promise<void> {
    this.token = 0;
  }
  async commit(_base: unknown, sizeBytes: number): Promise<CommitAck> {
    this.#commits++;
    return { manifest: { position: sizeBytes }, objectKey: `wal/${this.#commits}` };
  }
  async close(): Promise<void> {}
}

async function drive(writer: WriterRole): Promise<string> {
  const acquired = await writer.acquire();
  const ack = await writer.commit(acquired.manifest, 10);
  await writer.release();
  return `${acquired.fencingToken}:${ack.objectKey}`;
}

describe("role interfaces", () => {
  it("accept a class with private fields as a writer", async () => {
    expect(await drive(new ForeignWriter("w1"))).toBe("7:wal/1");
  });

  it("blobsim's own engine is a binding, its decoders read its formats", () => {
    const binding: EngineBinding = blobsimBinding();
    expect(binding.keys("db1")).toEqual({ lease: "db1/lease.json", manifest: "db1/manifest.json" });
    const lease = new TextEncoder().encode(
      JSON.stringify({
        formatVersion: 1,
        holder: "A",
        fencingToken: 3,
        acquiredAtMs: 1,
        expiresAtMs: 61,
        released: false,
      }),
    );
    expect(binding.decodeLease(lease, "db1/lease.json")).toEqual({
      holder: "A",
      token: 3,
      expiresAtMs: 61,
      released: false,
      acquiredAtMs: 1,
    });
    expect(() => binding.decodeLease(new Uint8Array([1, 2]), "k")).toThrow(/corrupt/);
  });
});
