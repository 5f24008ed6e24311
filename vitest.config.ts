import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    // *.live.test.ts talk to real GCS: `npm run test:live` runs them (adapters/vitest.live.config.ts).
    exclude: ["node_modules/**", "**/.worktrees/**", "**/*.live.test.ts"],
    // Simulations are CPU-bound; two cores here. Tests assert behaviour, never wall time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    setupFiles: ["./vitest.setup.ts"],
  },
});
