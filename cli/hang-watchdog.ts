/**
 * `replay` runs its seed in the main thread (to keep the whole trace), where nothing can stop a
 * seed that spins. This watchdog is a worker thread of its own: once the seed's wall budget has
 * passed it writes one line to stderr (fs.writeSync on fd 2 works while the main thread is
 * stuck), so the user learns the seed hangs instead of staring at a silent terminal.
 */
import { Worker } from "node:worker_threads";

const WATCHDOG_SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
setTimeout(() => writeSync(2, workerData.message), workerData.afterMs);
`;

export interface HangWatchdog {
  stop(): Promise<void>;
}

export function hangWatchdog(budgetS: number, what: string): HangWatchdog {
  const message =
    `blobsim: ${what} is still running after its wall budget of ${budgetS} s; it probably hangs ` +
    `(replay runs in this thread and cannot stop it: Ctrl-C ends it; ` +
    `\`blobsim run\` terminates such a seed and reports it as a timeout)\n`;
  const worker = new Worker(WATCHDOG_SOURCE, {
    eval: true,
    workerData: { message, afterMs: budgetS * 1000 },
  });
  worker.unref();
  return {
    async stop() {
      await worker.terminate();
    },
  };
}
