import { describe, expect, it } from "vitest";
import { exitCodeOf, type SeedStatus } from "./result.ts";

const of = (...statuses: SeedStatus[]) => exitCodeOf(statuses.map((status) => ({ status })));

describe("the run's exit code", () => {
  it("ranks violation (1) over crash (4) over liveness and timeout (3) over pass (0)", () => {
    expect(of()).toBe(0);
    expect(of("pass", "pass")).toBe(0);
    expect(of("pass", "timeout")).toBe(3);
    expect(of("liveness", "pass")).toBe(3);
    expect(of("liveness", "crash", "timeout")).toBe(4);
    expect(of("crash", "violation", "liveness")).toBe(1);
  });
});
