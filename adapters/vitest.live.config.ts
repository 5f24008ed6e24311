/**
 * Live tests only (`*.live.test.ts`): they talk to a real GCS bucket, so the default `npm test`
 * excludes them and `npm run test:live` (adapters/gcs/live/run-live.ts) runs them when
 * BLOBSIM_GCS_BUCKET and credentials are set.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    include: ["**/*.live.test.ts"],
    exclude: ["node_modules/**", "**/.worktrees/**"],
    // Real network: generous, and one file at a time so the bucket sees one probe at once.
    testTimeout: 600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: "forks",
  },
});
