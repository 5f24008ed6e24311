/** Worker-thread entry: runs one seed and returns its result (no trace: results cross threads). */

import type { SeedResult } from "./result.ts";
import { runSeed } from "./run-seed.ts";

export interface SeedTask {
  scenario: string;
  seed: number;
  variant: string | null;
  sanitize: boolean;
}

export default async function runTask(task: SeedTask): Promise<SeedResult> {
  const run = await runSeed(task.scenario, task.seed, { variant: task.variant, sanitize: task.sanitize });
  return run.result;
}
