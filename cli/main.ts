/**
 * The `blobsim` command. Usage errors print one line and exit 2, never a stack trace.
 */
import { UnknownNameError } from "../harness/run-seed.ts";
import { UsageError } from "../harness/seeds.ts";
import { UnknownCriterionError } from "../reports/criteria.ts";
import { benchCommand, benchHelp } from "./bench.ts";
import { checkDeterminismCommand, checkDeterminismHelp } from "./check-determinism.ts";
import { huntCommand, huntHelp } from "./hunt.ts";
import { listCommand, listHelp } from "./list.ts";
import { probeCommand, probeHelp } from "./probe.ts";
import { recordCommand, recordHelp } from "./record.ts";
import { replayCommand_, replayHelp } from "./replay.ts";
import { reportCommand, reportHelp } from "./report.ts";
import { runCommand, runHelp } from "./run.ts";
import { validateCatalogs } from "./validate.ts";

interface Command {
  help: string;
  run(args: string[]): Promise<number>;
}

export const commands: Record<string, Command> = {
  list: { help: listHelp, run: listCommand },
  run: { help: runHelp, run: runCommand },
  replay: { help: replayHelp, run: replayCommand_ },
  "check-determinism": { help: checkDeterminismHelp, run: checkDeterminismCommand },
  hunt: { help: huntHelp, run: huntCommand },
  record: { help: recordHelp, run: recordCommand },
  bench: { help: benchHelp, run: benchCommand },
  probe: { help: probeHelp, run: probeCommand },
  report: { help: reportHelp, run: reportCommand },
};

const usage = `blobsim: deterministic simulation of an object-store database engine
usage: blobsim <command> [options]   (blobsim <command> --help for each)
commands: ${Object.keys(commands).join(", ")}`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  try {
    if (!command)
      throw new UsageError(`unknown command: ${name} (commands: ${Object.keys(commands).join(", ")})`);
    if (args.includes("--help") || args.includes("-h")) {
      console.log(command.help);
      return 0;
    }
    validateCatalogs();
    return await command.run(args);
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof UnknownNameError ||
      error instanceof UnknownCriterionError
    ) {
      console.error(`blobsim: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

// A closed pipe (`blobsim list | head`) is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

if (process.argv[1] && /blobsim(\.js)?$|cli[/\\]main\.ts$/.test(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}
