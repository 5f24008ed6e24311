/**
 * The one place a command writes a result file (JSON, JUnit): the cli branch's atomic-write and
 * folder checks slot in here without touching the run loop.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function writeOutputFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
