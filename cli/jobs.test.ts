import { describe, expect, it, vi } from "vitest";
import { jobs, parse } from "./args.ts";
import { UsageError } from "../harness/seeds.ts";

const parsed = (...args: string[]) =>
  parse(args, { jobs: { type: "string", description: "worker threads" } });

describe("--jobs", () => {
  it("caps a count above the cores with one warning line and keeps 0 and non-numbers usage errors", () => {
    const warn = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(jobs(parsed("--jobs", "999"), 1, 2)).toBe(2);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toBe(
        "blobsim: --jobs 999 is more than the 2 cores here; using 2",
      );
      expect(jobs(parsed("--jobs", "2"), 1, 2)).toBe(2);
      expect(jobs(parsed(), 8, 2)).toBe(2);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
    for (const bad of ["0", "two", "-1", "1.5"])
      expect(() => jobs(parsed("--jobs", bad), 1, 2)).toThrow(UsageError);
  });
});
