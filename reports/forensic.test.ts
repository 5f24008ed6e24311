/**
 * What a forensic record proves: the recorded scenario's criteria, narrowed by the variant's
 * `proves`, and never a criterion the scenario does not declare.
 */
import { describe, expect, it } from "vitest";
import { findVariant } from "../fixtures/forensic/index.ts";
import { checkVariant } from "./forensic.ts";

describe("checkVariant", () => {
  it("narrows a record's proof to the criteria its invariant judges", async () => {
    const wipe = findVariant("B12-wipe")!;
    const { check } = await checkVariant(wipe);
    expect(check.problems).toEqual([]);
    // backup.full-wipe declares E6-C and E6-F; a lost row after the rebuild judges E6-C only.
    expect(check.proves).toEqual(["E6-C"]);
    const unnarrowed = await checkVariant({ ...wipe, proves: undefined });
    expect(unnarrowed.check.proves).toEqual(["E6-C", "E6-F"]);
  });

  it("refuses a claim on a criterion the recorded scenario does not declare", async () => {
    const { check } = await checkVariant({ ...findVariant("B12-wipe")!, proves: ["E6-C", "E4-4"] });
    expect(check.problems).toEqual([expect.stringContaining("claims to prove E4-4")]);
  });
});
