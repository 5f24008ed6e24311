/** The lease record schema: each bad field named as the engine always named it, the key kept. */
import { describe, expect, it } from "vitest";
import { decodeLease, LeaseCorruptError } from "./lease-record.ts";

const good = {
  formatVersion: 1,
  holder: "w1",
  fencingToken: 3,
  acquiredAtMs: 10,
  expiresAtMs: 20,
  released: false,
};
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("lease record schema", () => {
  it("decodes a good record as it was written, extra fields kept", () => {
    expect(decodeLease(bytes({ ...good, note: "newer writer" }), "db/lease.json")).toEqual({
      ...good,
      note: "newer writer",
    });
  });

  it.each([
    [[], /not a JSON object/],
    [{ ...good, formatVersion: 2 }, /formatVersion 2 is not 1/],
    [{ ...good, holder: "" }, /holder must be a non-empty string/],
    [{ ...good, fencingToken: "3" }, /fencingToken must be an integer/],
    [{ ...good, fencingToken: 0, released: "no" }, /fencingToken must be positive/],
    [{ ...good, fencingToken: 0, expiresAtMs: 1.5 }, /expiresAtMs must be an integer/],
    [{ ...good, released: undefined }, /released must be a boolean/],
  ])("refuses %j with a LeaseCorruptError naming the key", (record, reason) => {
    let caught: unknown;
    try {
      decodeLease(bytes(record), "db/lease.json");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LeaseCorruptError);
    expect((caught as LeaseCorruptError).key).toBe("db/lease.json");
    expect((caught as Error).message).toMatch(reason);
  });
});
