import { describe, expect, it } from "vitest";
import { loadProfiles, parseProfiles, perDatabase, WorkloadProfileError } from "./profiles.ts";

const good = {
  id: "tool",
  title: "a tool",
  writesPerS: 1,
  databases: 2,
  concurrentWriters: 5,
  sameRowShare: 0.5,
  writeBytes: 100,
  p99BudgetMs: 200,
  latencyCritical: false,
};
const file = (profiles: unknown[]) => JSON.stringify({ profiles });

describe("workload profiles", () => {
  it("loads the shipped profiles: green, amber and red shapes among them", () => {
    const profiles = loadProfiles();
    expect(profiles.length).toBeGreaterThanOrEqual(5);
    expect(profiles.some((p) => p.sameRowShare > 0 && p.latencyCritical)).toBe(true);
    expect(profiles.some((p) => p.sameRowShare === 0 && p.databases === 1 && p.writesPerS > 1)).toBe(true);
  });

  it("spreads writers and writes over the databases, rounding writers up", () => {
    expect(perDatabase(parseProfiles(file([good]), "t")[0]!)).toEqual({ writesPerS: 0.5, writers: 3 });
  });

  it.each([
    [{ ...good, writesPerS: 0 }, /writesPerS must be a number > 0/],
    [{ ...good, writesPerS: "5" }, /writesPerS must be a number > 0/],
    [{ ...good, sameRowShare: 1.5 }, /sameRowShare must be in \[0, 1\]/],
    [{ ...good, databases: 1.5 }, /databases must be a whole number/],
    [{ ...good, latencyCritical: "yes" }, /latencyCritical must be true or false/],
    [{ ...good, id: "Bad Id" }, /id must be lowercase/],
    [{ ...good, concurrentWriters: 200, databases: 1 }, /200 writers per database/],
    [{ ...good, extra: 1 }, /unknown field "extra"/],
    [(({ p99BudgetMs: _, ...rest }) => rest)(good), /missing field "p99BudgetMs"/],
  ])("rejects a bad profile with a typed error naming the field (%#)", (profile, message) => {
    expect(() => parseProfiles(file([profile]), "t.json")).toThrow(WorkloadProfileError);
    expect(() => parseProfiles(file([profile]), "t.json")).toThrow(message);
  });

  it("names the file, the profile, the field and the bad value", () => {
    expect(() => parseProfiles(file([good, { ...good, id: "two", writesPerS: "5" }]), "t.json")).toThrow(
      't.json: profiles[1] (two): writesPerS must be a number > 0, got "5"',
    );
    expect(() => parseProfiles(file([null]), "t.json")).toThrow(
      "t.json: profiles[0]: a profile must be an object",
    );
  });

  it("rejects duplicate ids, an empty list and text that is not JSON", () => {
    expect(() => parseProfiles(file([good, good]), "t.json")).toThrow(/appears twice/);
    expect(() => parseProfiles(file([]), "t.json")).toThrow(/at least one profile/);
    expect(() => parseProfiles("{", "t.json")).toThrow(/t.json: not JSON/);
  });
});
