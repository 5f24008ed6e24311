/**
 * Every file a command writes (`--json`, `--junit`, `--html`, `--trace`, `--out DIR`) goes
 * through here, so that:
 * - each path is checked before the first seed runs: its folder is created, and a path that
 *   cannot be written (a file where a folder should be, a read-only folder, a folder where the
 *   file should be) stops the command with one line and exit 2, instead of losing an hour of
 *   seeds to an ENOENT at the end;
 * - each file is written atomically (write-file-atomic: a temp file beside it, fsync, rename),
 *   so a reader, or a run killed half-way, never sees a half-written report, and an old file from
 *   a previous run is either replaced whole or left untouched.
 */
import { accessSync, constants, linkSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { UsageError } from "../harness/seeds.ts";

/** An output path that cannot be written; a UsageError, so the CLI prints one line, exit 2. */
export class OutputPathError extends UsageError {
  override name = "OutputPathError";
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Creates `folder` (and its parents) and proves it writable by creating and removing a probe
 * file in it: `access(W_OK)` alone says yes to root on a read-only mount.
 */
function ensureWritableFolder(flag: string, folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new OutputPathError(`${flag}: cannot create folder ${folder} (${reason(error)})`);
  }
  const probe = join(folder, `.blobsim-probe-${process.pid}`);
  try {
    accessSync(folder, constants.W_OK);
    writeFileSync(probe, "");
    rmSync(probe, { force: true });
  } catch (error) {
    throw new OutputPathError(`${flag}: cannot write in ${folder} (${reason(error)})`);
  }
}

/**
 * Checks that `path` can be written as a file (creating its folder); returns it unchanged, or
 * undefined when the flag was not given. Call for every output before running anything.
 */
export function checkOutputFile(flag: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  if (path === "") throw new OutputPathError(`${flag} needs a file path`);
  const absolute = resolve(path);
  let isFolder = false;
  try {
    isFolder = statSync(absolute).isDirectory();
  } catch {
    // Does not exist yet: the usual case.
  }
  if (isFolder) throw new OutputPathError(`${flag} ${path}: is a folder, expected a file path`);
  ensureWritableFolder(flag, dirname(absolute));
  return path;
}

/** Checks that `folder` can hold output files (creating it); returns it. */
export function checkOutputFolder(flag: string, folder: string): string {
  if (folder === "") throw new OutputPathError(`${flag} needs a folder path`);
  ensureWritableFolder(flag, resolve(folder));
  return folder;
}

/** Writes one output file atomically (temp file + fsync + rename). */
export function writeOutputFile(path: string, text: string): void {
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileAtomic.sync(path, text);
  } catch (error) {
    throw new OutputPathError(`cannot write ${path} (${reason(error)})`);
  }
}

/**
 * Writes one output file create-if-absent (a sweep's result, a capsule): written whole beside
 * it, then hard-linked into place. link(2) fails on an existing name, so the file appears
 * complete or not at all, and a finished one is never replaced. "exists" when one was there.
 */
export function writeOutputFileIfAbsent(path: string, text: string): "created" | "exists" {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    writeFileSync(temp, text);
    linkSync(temp, path);
    return "created";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return "exists";
    throw new OutputPathError(`cannot write ${path} (${reason(error)})`);
  } finally {
    rmSync(temp, { force: true });
  }
}
