/**
 * The package as a consumer gets it: `npm pack` (prepack builds dist/), the tarball unpacked into
 * an empty project's node_modules the way `npm install` lays it out, `tsc --noEmit --strict` on a
 * config that imports the public API by package name (a writer class with private fields
 * implementing WriterRole), plain `node` importing it, and a scenario run through the installed
 * CLI on that config; then `blobsim init` there, the starter it writes type-checked the same way
 * and its scenario test run with node's test runner. Nothing downloads: blobsim's own dependencies are this checkout's
 * node_modules, linked (npm's offline cache here does not hold them all).
 */
import { execFile } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "..");
const tsc = join(repo, "node_modules/typescript/bin/tsc");
let project = "";

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "blobsim-consumer-"));
  await run("npm", ["pack", "--silent", "--pack-destination", project], { cwd: repo });
  const tarball = readdirSync(project).find((name) => name.endsWith(".tgz"));
  if (!tarball) throw new Error("npm pack wrote no tarball");
  const installed = join(project, "node_modules/blobsim");
  mkdirSync(installed, { recursive: true });
  await run("tar", ["xzf", join(project, tarball), "--strip-components=1", "-C", installed]);
  symlinkSync(join(repo, "node_modules"), join(installed, "node_modules"), "dir");
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  copyFileSync(join(repo, "api/consumer/blobsim.config.ts"), join(project, "blobsim.config.ts"));
  mkdirSync(join(project, "starter"));
  await run(process.execPath, [join(installed, "bin/blobsim.js"), "init"], { cwd: join(project, "starter") });
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        // Other packages' declarations are theirs to check; blobsim's own are exercised through
        // the config (its @ts-expect-error fails if they resolve to `any`).
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [join(repo, "node_modules/@types")],
      },
      files: [
        "blobsim.config.ts",
        "starter/blobsim.config.ts",
        "starter/my-binding.ts",
        "starter/blobsim.scenario.test.ts",
      ],
    }),
  );
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("ships declarations and JavaScript, not the tests", async () => {
    const { stdout } = await run("tar", [
      "tzf",
      join(
        project,
        readdirSync(project).find((n) => n.endsWith(".tgz"))!,
      ),
    ]);
    const files = stdout.split("\n");
    expect(files).toContain("package/dist/api/index.d.ts");
    expect(files).toContain("package/dist/api/index.js");
    expect(files).toContain("package/bin/blobsim.js");
    expect(files.filter((file) => file.endsWith(".test.ts"))).toEqual([]);
  });

  it("type-checks a consumer's config and the init starter with tsc --noEmit --strict", async () => {
    await run(process.execPath, [tsc, "-p", project], { cwd: project });
  });

  it("imports under plain node (no loader)", async () => {
    const script =
      'import { defineConfig, blobsimBinding, FencedError } from "blobsim";' +
      "const config = defineConfig({ bindings: { blobsim: blobsimBinding() } });" +
      "console.log(Object.keys(config.bindings).join(), typeof FencedError);";
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: project });
    expect(stdout.trim()).toBe("blobsim function");
  });

  it("runs a scenario on the consumer's config through the installed CLI", async () => {
    const { stdout } = await run(
      process.execPath,
      ["node_modules/blobsim/bin/blobsim.js", "run", "--config", "blobsim.config.ts", "--seeds", "2"],
      { cwd: project },
    );
    // The config includes only lease.zombie: two seeds, both passing, on the wrapped writer.
    expect(stdout).toMatch(/^SUMMARY seeds=2 failed=0 /m);
  });

  it("runs the init starter's scenario test (node --test), green before its first edit", async () => {
    const tsx = import.meta.resolve("tsx");
    const { stdout } = await run(process.execPath, ["--import", tsx, "--test", "blobsim.scenario.test.ts"], {
      cwd: join(project, "starter"),
    });
    expect(stdout).toMatch(/^# pass 1$/m);
  });
});
