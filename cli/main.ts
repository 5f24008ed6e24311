/**
 * The `blobsim` command. Usage errors print one line and exit 2, never a stack trace.
 */
import { readFileSync } from "node:fs";
import { builtinRegistry } from "../fixtures/registry.ts";
import { installDefaultRegistry } from "../harness/default-registry.ts";
import { UnknownNameError } from "../harness/run-seed.ts";
import { ConfigError } from "../harness/config.ts";
import { ScenarioModuleError } from "../harness/scenario-modules.ts";
import { UsageError } from "../harness/seeds.ts";
import { UnknownCriterionError } from "../reports/criteria.ts";
import type { Options } from "./args.ts";
import { benchCommand, benchFlags, benchHelp } from "./bench.ts";
import { checkDeterminismCommand, checkDeterminismFlags, checkDeterminismHelp } from "./check-determinism.ts";
import { didYouMean } from "./did-you-mean.ts";
import { helpText } from "./help.ts";
import { exploreCommand, exploreFlags, exploreHelp } from "./explore.ts";
import { huntCommand, huntFlags, huntHelp } from "./hunt.ts";
import { initCommand, initFlags, initHelp } from "./init.ts";
import { listCommand, listFlags, listHelp } from "./list.ts";
import { probeCommand, probeFlags, probeHelp } from "./probe.ts";
import { recordCommand, recordFlags, recordHelp } from "./record.ts";
import { replayCommand_, replayFlags, replayHelp } from "./replay.ts";
import { reportCommand, reportFlags, reportHelp } from "./report.ts";
import { runCommand, runFlags, runHelp } from "./run.ts";
import { sweepCommand, sweepFlags, sweepHelp } from "./sweep.ts";
import { shrinkCommand, shrinkFlags, shrinkHelp } from "./shrink.ts";
import { validateCatalogs } from "./validate.ts";

interface Command {
  /** Usage lines and what the command does; --help adds every flag of `flags` with its description. */
  help: string;
  flags: Options;
  run(args: string[]): Promise<number>;
}

export const commands: Record<string, Command> = {
  list: { help: listHelp, flags: listFlags, run: listCommand },
  run: { help: runHelp, flags: runFlags, run: runCommand },
  sweep: { help: sweepHelp, flags: sweepFlags, run: sweepCommand },
  replay: { help: replayHelp, flags: replayFlags, run: replayCommand_ },
  "check-determinism": {
    help: checkDeterminismHelp,
    flags: checkDeterminismFlags,
    run: checkDeterminismCommand,
  },
  hunt: { help: huntHelp, flags: huntFlags, run: huntCommand },
  shrink: { help: shrinkHelp, flags: shrinkFlags, run: shrinkCommand },
  explore: { help: exploreHelp, flags: exploreFlags, run: exploreCommand },
  record: { help: recordHelp, flags: recordFlags, run: recordCommand },
  bench: { help: benchHelp, flags: benchFlags, run: benchCommand },
  probe: { help: probeHelp, flags: probeFlags, run: probeCommand },
  report: { help: reportHelp, flags: reportFlags, run: reportCommand },
  init: { help: initHelp, flags: initFlags, run: initCommand },
};

/** The version in package.json, the one place it is kept. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

const usage = `blobsim: deterministic simulation of an object-store database engine
usage: blobsim <command> [options]   (blobsim <command> --help for each)
commands: ${Object.keys(commands).join(", ")}
--version prints the version`;

export async function main(argv: string[]): Promise<number> {
  // Code that runs seeds without naming a registry (the report's collectors) gets the built-ins.
  installDefaultRegistry(builtinRegistry);
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    console.log(`blobsim ${version()}`);
    return 0;
  }
  const command = commands[name];
  try {
    if (!command)
      throw new UsageError(
        `unknown command: ${name}${didYouMean(name, Object.keys(commands))} (commands: ${Object.keys(commands).join(", ")})`,
      );
    if (args.includes("--help") || args.includes("-h")) {
      console.log(helpText(command.help, command.flags));
      return 0;
    }
    validateCatalogs();
    return await command.run(args);
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof UnknownNameError ||
      error instanceof UnknownCriterionError ||
      error instanceof ScenarioModuleError ||
      error instanceof ConfigError
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
