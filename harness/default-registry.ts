/**
 * The registry `runSeed` and `seedTests` use when none is passed: whatever the process
 * installed. The CLI and the worker threads always pass theirs explicitly; this slot is the
 * convenience for tests, whose setup file (vitest.setup.ts) installs the built-in registry, so
 * `runSeed("kernel.timers-and-kills", 1)` keeps working without the harness importing the
 * catalogs itself.
 */
import type { Registry } from "./registry.ts";

let installed: Registry | undefined;

export function installDefaultRegistry(registry: Registry): void {
  installed = registry;
}

export function defaultRegistry(): Registry | undefined {
  return installed;
}
