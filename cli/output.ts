/** What the CLI prints: failure lines with the replay command, a progress bar on terminals. */
import type { SeedResult } from "../harness/result.ts";
import { replayCommand } from "../harness/result.ts";

export function failLine(result: SeedResult): string {
  const invariant = result.violation?.invariant ?? result.status;
  const variant = result.variant ? ` variant=${result.variant}` : "";
  return `FAIL ${result.scenario} seed=${result.seed}${variant} invariant=${invariant} replay: ${replayCommand(result)}`;
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
  end(): void;
}

/** A progress bar on stderr when it is a terminal and we are not in CI; silent otherwise. */
export function progress(total: number, label: string): Progress {
  const shown = process.stderr.isTTY === true && !process.env.CI;
  if (!shown) return { tick: () => undefined, end: () => undefined };
  const width = 30;
  let last = -1;
  return {
    tick(done, failed) {
      const filled = Math.round((done / Math.max(1, total)) * width);
      if (filled === last && done !== total) return;
      last = filled;
      process.stderr.write(
        `\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} failed=${failed}`,
      );
    },
    end() {
      process.stderr.write("\n");
    },
  };
}
