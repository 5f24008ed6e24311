/**
 * What the CLI prints while seeds run: one FAIL line per failure (the violation's message, the
 * trace hash and the replay command), and progress: a bar on a terminal, or, when stderr is not
 * a terminal (CI logs), one PROGRESS line every 10 s or every 10% with seeds done, failures and
 * the ETA. A FAIL line is never glued to the bar: the bar is cleared, the line printed, the bar
 * drawn again below it.
 */
import { performance } from "node:perf_hooks";
import type { SeedResult } from "../harness/result.ts";
import { replayCommand } from "../harness/result.ts";

/** Long messages are cut: the replay shows the whole violation. */
export const FAIL_MESSAGE_CHARS_MAX = 200;

export function failLine(result: SeedResult): string {
  const invariant = result.violation?.invariant ?? result.status;
  const variant = result.variant ? ` variant=${result.variant}` : "";
  const text = result.violation?.message ?? "";
  const cut = text.length > FAIL_MESSAGE_CHARS_MAX ? `${text.slice(0, FAIL_MESSAGE_CHARS_MAX - 1)}…` : text;
  const at = result.violation ? ` at_ms=${result.violation.atMs}` : "";
  return `FAIL ${result.scenario} seed=${result.seed}${variant} invariant=${invariant} trace=${result.traceHash}${at} message=${JSON.stringify(cut)} replay: ${replayCommand(result)}`;
}

/**
 * The seed's swarm draw, printed under its FAIL line: the fault mix it ran with. It is stored with
 * the result too, but is not part of the trace hash (the hash covers behaviour only).
 */
export function swarmLine(result: SeedResult): string {
  const components = Object.entries(result.swarm).map(
    ([component, options]) =>
      `${component}: ${Object.entries(options)
        .map(([name, value]) => `${name}=${String(value)}`)
        .join(" ")}`,
  );
  return `  swarm ${components.length > 0 ? components.join("; ") : "(no draws)"}`;
}

export interface Progress {
  tick(done: number, failed: number): void;
  /** Prints a line to stdout without gluing it to the bar. */
  log(line: string): void;
  end(): void;
}

/** Where progress goes and how time is read; the defaults are the real process's. */
export interface ProgressIo {
  /** A terminal gets the bar; anything else gets PROGRESS lines. */
  terminal: boolean;
  writeErr(text: string): void;
  writeOut(line: string): void;
  nowMs(): number;
}

const realIo = (): ProgressIo => ({
  terminal: process.stderr.isTTY === true && !process.env.CI,
  writeErr: (text) => process.stderr.write(text),
  writeOut: (line) => console.log(line),
  nowMs: () => performance.now(),
});

/** In a CI log: a line at least this often… */
export const PROGRESS_INTERVAL_MS = 10_000;
/** …and at every tenth of the run. */
export const PROGRESS_STEPS = 10;
const BAR_WIDTH = 30;

function etaS(done: number, total: number, elapsedMs: number): string {
  return done === 0 ? "?" : (((elapsedMs / done) * (total - done)) / 1000).toFixed(0);
}

export function progress(total: number, label: string, io: ProgressIo = realIo()): Progress {
  const started = io.nowMs();
  if (io.terminal) return terminalBar(total, label, io, started);
  let lastLineMs = started;
  let lastStep = 0;
  return {
    tick(done, failed) {
      const now = io.nowMs();
      const step = Math.floor((done * PROGRESS_STEPS) / Math.max(1, total));
      if (step <= lastStep && now - lastLineMs < PROGRESS_INTERVAL_MS) return;
      lastStep = Math.max(lastStep, step);
      lastLineMs = now;
      const percent = Math.floor((100 * done) / Math.max(1, total));
      io.writeErr(
        `PROGRESS ${label} seeds=${done}/${total} (${percent}%) failed=${failed} elapsed_s=${((now - started) / 1000).toFixed(0)} eta_s=${etaS(done, total, now - started)}\n`,
      );
    },
    log: (line) => io.writeOut(line),
    end: () => undefined,
  };
}

function terminalBar(total: number, label: string, io: ProgressIo, started: number): Progress {
  let drawn = "";
  const draw = (done: number, failed: number) => {
    const filled = Math.round((done / Math.max(1, total)) * BAR_WIDTH);
    drawn = `${label} [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${done}/${total} failed=${failed} eta_s=${etaS(done, total, io.nowMs() - started)}`;
    io.writeErr(`\r\x1b[2K${drawn}`);
  };
  let lastFilled = -1;
  let last = { done: 0, failed: 0 };
  return {
    tick(done, failed) {
      last = { done, failed };
      const filled = Math.round((done / Math.max(1, total)) * BAR_WIDTH);
      if (filled === lastFilled && done !== total) return;
      lastFilled = filled;
      draw(done, failed);
    },
    log(line) {
      // Clear the bar's line, print, and draw the bar again under the printed line.
      if (drawn) io.writeErr("\r\x1b[2K");
      io.writeOut(line);
      if (drawn) draw(last.done, last.failed);
    },
    end() {
      if (drawn) io.writeErr("\n");
    },
  };
}
