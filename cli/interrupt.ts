/**
 * SIGINT/SIGTERM during a long command: the first signal stops new seeds from starting and
 * gives the running ones `graceMs` to finish, after which `abandon` settles and the command
 * stops waiting for them; it then writes what it has and exits 130. While the watch is on, the
 * signals do not kill the process.
 */
export const INTERRUPT_GRACE_MS = 2_000;

export interface InterruptWatch {
  readonly interrupted: boolean;
  /** Settles `graceMs` after the first signal. */
  readonly abandon: Promise<void>;
  dispose(): void;
}

export function interruptWatch(graceMs = INTERRUPT_GRACE_MS): InterruptWatch {
  let interrupted = false;
  let abandonNow: () => void = () => undefined;
  const abandon = new Promise<void>((resolve) => (abandonNow = resolve));
  let grace: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(
      `\nblobsim: ${signal}: starting no more seeds; waiting up to ${graceMs / 1000} s for running ones\n`,
    );
    grace = setTimeout(abandonNow, graceMs);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    get interrupted() {
      return interrupted;
    },
    abandon,
    dispose() {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
      if (grace) clearTimeout(grace);
    },
  };
}
