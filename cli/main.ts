/**
 * The `blobsim` command. Usage errors print one line and exit 2, never a stack trace.
 */
import { builtinRegistry } from "../fixtures/registry.ts";
import { installDefaultRegistry } from "../harness/default-registry.ts";
import { UnknownNameError } from "../harness/run-seed.ts";
import { ScenarioModuleError } from "../harness/scenario-modules.ts";
import { UsageError } from "../harness/seeds.ts";
import { UnknownCriterionError } from "../reports/criteria.ts";
import { benchCommand, benchHelp } from "./bench.ts";
import { checkDeterminismCommand, checkDeterminismHelp } from "./check-determinism.ts";
import { huntCommand, huntHelp } from "./hunt.ts";
import { listCommand, listHelp } from "./list.ts";
import { probeCommand, probeHelp } from "./probe.ts";
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
  bench: { help: benchHelp, run: benchCommand },
  probe: { help: probeHelp, run: probeCommand },
  report: { help: reportHelp, run: reportCommand },
};

const usage = `blobsim: deterministic simulation of an object-store database engine
usage: blobsim <command> [options]   (blobsim <command> --help for each)
commands: ${Object.keys(commands).join(", ")}`;

export async function main(argv: string[]): Promise<number> {
  // Code that runs seeds without naming a registry (the report's collectors) gets the built-ins.
  installDefaultRegistry(builtinRegistry);
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
      error instanceof UnknownCriterionError ||
      error instanceof ScenarioModuleError
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
