#!/usr/bin/env node
// Loads the TypeScript sources through tsx (no build step), then hands over to the CLI.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
