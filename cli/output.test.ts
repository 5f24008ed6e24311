/** FAIL lines and progress, on a fake terminal and a fake CI log with a hand-driven clock. */
import { describe, expect, it } from "vitest";
import type { SeedResult } from "../harness/result.ts";
import { failLine, progress, type ProgressIo } from "./output.ts";

function fakeIo(terminal: boolean) {
  const io = {
    now: 0,
    err: "",
    out: [] as string[],
    terminal,
    writeErr: (text: string) => {
      io.err += text;
    },
    writeOut: (line: string) => {
      io.out.push(line);
      io.err += `<stdout:${line}>`;
    },
    nowMs: () => io.now,
  };
  return io satisfies ProgressIo;
}

const failed: SeedResult = {
  scenario: "wal.crash-restart",
  seed: 42,
  variant: "B03",
  ok: false,
  status: "violation",
  violation: { invariant: "acked-write-durability", message: 'acked write w17 "k" lost', atMs: 1234 },
  violations: 1,
  events: 10,
  simMs: 2000,
  traceHash: "0123456789abcdef",
  metrics: {},
  swarm: {},
  decisions: [],
  reach: {},
  wallMs: 5,
};

describe("FAIL lines", () => {
  it("carry the invariant, the trace hash, the message and the replay command last", () => {
    expect(failLine(failed)).toBe(
      'FAIL wal.crash-restart seed=42 variant=B03 invariant=acked-write-durability trace=0123456789abcdef at_ms=1234 message="acked write w17 \\"k\\" lost" replay: npx blobsim replay wal.crash-restart --seed 42 --variant B03',
    );
  });

  it("cut a long message (the replay shows it whole)", () => {
    const long = { ...failed, violation: { ...failed.violation!, message: "x".repeat(500) } };
    expect(failLine(long).length).toBeLessThan(400);
    expect(failLine(long)).toMatch(/x…" replay: /);
  });
});

describe("progress", () => {
  it("in a CI log: a line every 10% and every 10 s, with seeds, failures and ETA", () => {
    const io = fakeIo(false);
    const bar = progress(200, "run", io);
    for (let done = 1; done <= 15; done++) {
      io.now += 100;
      bar.tick(done, 0);
    }
    expect(io.err).toBe("");
    io.now += 10_000; // 10 s with no new tenth: a line anyway
    bar.tick(16, 1);
    for (let done = 17; done <= 200; done++) bar.tick(done, 1);
    bar.end();
    const lines = io.err.trim().split("\n");
    expect(lines[0]).toBe("PROGRESS run seeds=16/200 (8%) failed=1 elapsed_s=12 eta_s=132");
    expect(lines.slice(1).map((l) => /\((\d+)%\)/.exec(l)![1])).toEqual([
      "10",
      "20",
      "30",
      "40",
      "50",
      "60",
      "70",
      "80",
      "90",
      "100",
    ]);
    expect(lines.at(-1)).toMatch(/^PROGRESS run seeds=200\/200 \(100%\) failed=1 elapsed_s=12 eta_s=0$/);
  });

  it("on a terminal: a FAIL line is printed on a cleared line, then the bar is drawn again", () => {
    const io = fakeIo(true);
    const bar = progress(10, "run", io);
    bar.tick(3, 0);
    bar.log("FAIL x seed=3");
    bar.end();
    // The bar is cleared before the line, so the two never share a line.
    expect(io.err).toMatch(/\] 3\/10 failed=0 eta_s=\d+\r\x1b\[2K<stdout:FAIL x seed=3>\r\x1b\[2Krun \[/);
    expect(io.out).toEqual(["FAIL x seed=3"]);
    expect(io.err.endsWith("\n")).toBe(true);
  });
});
