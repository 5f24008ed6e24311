import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidOpIdError } from "./errors.ts";
import { encodeOpId, OpIdGenerator, opIdAtTime, parseOpId, tryParseOpId, ZERO_OP_ID } from "./op-id.ts";

describe("op IDs", () => {
  it("round-trip and sort as strings in (time, sequence) order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.bigInt({ min: 0n, max: 2n ** 80n - 1n }),
        fc.integer({ min: 0, max: 2 ** 48 - 1 }),
        fc.bigInt({ min: 0n, max: 2n ** 80n - 1n }),
        (timeA, seqA, timeB, seqB) => {
          const a = encodeOpId(timeA, seqA);
          const b = encodeOpId(timeB, seqB);
          expect(parseOpId(a)).toEqual({ timeMs: timeA, sequence: seqA });
          const numeric = timeA === timeB ? Math.sign(Number(seqA - seqB)) : Math.sign(timeA - timeB);
          expect(Math.sign(a < b ? -1 : a > b ? 1 : 0)).toBe(numeric);
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ["", "length 0"],
    ["bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", "length"],
    ["01kdvdnhza0000000000000000", "bad character"],
    ["01KDVDNHZA000000000000000U", "bad character"],
    ["8ZZZZZZZZZ0000000000000000", "overflows"],
  ])("rejects %j with a typed error", (text, reason) => {
    expect(() => parseOpId(text)).toThrow(InvalidOpIdError);
    expect(() => parseOpId(text)).toThrow(reason);
    expect(tryParseOpId(text)).toBeNull();
  });

  it("hands out strictly increasing IDs even when the clock steps back", () => {
    const ids = new OpIdGenerator();
    const made = [1000, 1000, 999, 1001, 1001].map((ms) => ids.next(ms));
    for (let i = 1; i < made.length; i++) expect(made[i]! > made[i - 1]!).toBe(true);
    expect(opIdAtTime(1000) < made[0]!).toBe(true);
    expect(opIdAtTime(1001) > made[2]!).toBe(true);
    expect(parseOpId(ZERO_OP_ID).timeMs).toBe(0);
  });
});
