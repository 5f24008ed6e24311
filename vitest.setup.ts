// Tests look scenario and variant IDs up in the built-in registry unless they pass their own.
import { builtinRegistry } from "./fixtures/registry.ts";
import { installDefaultRegistry } from "./harness/default-registry.ts";

installDefaultRegistry(builtinRegistry);
