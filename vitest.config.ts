import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "**/.worktrees/**"],
    // Simulations are CPU-bound; two cores here. Tests assert behaviour, never wall time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
