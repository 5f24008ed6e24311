/**
 * bucket-model/ is shared by the simulated store (sim/) and the loopback fake GCS (adapters/),
 * so it must be neither: it imports only engine/'s blob store types and errors and itself, and
 * reaches no clock, timer or randomness (the caller hands in `nowMs`), so the same calls give
 * the same table in a seeded run and over loopback.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importsOf } from "../scripts/import-graph.ts";

const modelDir = dirname(fileURLToPath(import.meta.url));
const repositoryDir = resolve(modelDir, "..");
const sources = readdirSync(modelDir)
  .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
  .map((name) => join(modelDir, name));

describe("bucket-model boundary", () => {
  it("imports only engine/blobstore and itself", () => {
    expect(sources.length).toBeGreaterThanOrEqual(2);
    const offending = sources.flatMap((file) =>
      importsOf(file, readFileSync(file, "utf8"))
        .map((site) => site.specifier)
        .filter((specifier) => {
          if (!specifier.startsWith(".")) return !specifier.startsWith("node:buffer");
          const target = relative(repositoryDir, resolve(dirname(file), specifier));
          return !(target.startsWith("bucket-model/") || target.startsWith("engine/blobstore/"));
        })
        .map((specifier) => `${relative(repositoryDir, file)} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it("reaches no clock, timer or randomness", () => {
    const reaches = sources.flatMap((file) =>
      [
        ...readFileSync(file, "utf8").matchAll(
          /\b(Date\.now|new Date|performance\.now|Math\.random|setTimeout|setInterval)\b/g,
        ),
      ].map((match) => `${relative(repositoryDir, file)}: ${match[1]}`),
    );
    expect(reaches).toEqual([]);
  });
});
