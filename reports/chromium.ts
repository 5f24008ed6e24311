/**
 * Finds a headless Chromium for the browser tests and the screenshot script, in this order:
 *
 * 1. `BLOBSIM_CHROMIUM`, when set: the path of a Chromium binary (it must exist).
 * 2. The one `npm ci` installs: the `@sparticuz/chromium` devDependency ships a brotli-packed
 *    Chromium inside the npm package. It is unpacked once per machine into
 *    `<tmpdir>/blobsim-chromium-<version>/` (packed into a private folder, then renamed, so two
 *    test runs unpacking at once never launch a half-written binary), then reused.
 * 3. A system Chromium (`/usr/bin/chromium`, `chromium-browser`, Google Chrome).
 *
 * Nothing is downloaded: the package's own "download from a URL" path is never taken.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface ChromiumLaunch {
  executablePath: string;
  args: string[];
  /** Extra environment for the browser process (fontconfig for the packaged fonts). */
  env: Record<string, string>;
  source: "BLOBSIM_CHROMIUM" | "@sparticuz/chromium" | "system";
}

export class ChromiumNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChromiumNotFoundError";
  }
}

/** Flags for a headless page in a sandbox-less container, without background network traffic. */
const HEADLESS_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const SYSTEM_CHROMIUMS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumLaunch> {
  const explicit = env.BLOBSIM_CHROMIUM;
  if (explicit !== undefined && explicit !== "") {
    if (!existsSync(explicit)) throw new ChromiumNotFoundError(`BLOBSIM_CHROMIUM=${explicit}: no such file`);
    return { executablePath: explicit, args: HEADLESS_ARGS, env: {}, source: "BLOBSIM_CHROMIUM" };
  }
  const packaged = await packagedChromium();
  if (packaged !== null) return packaged;
  const system = SYSTEM_CHROMIUMS.find((path) => existsSync(path));
  if (system !== undefined) return { executablePath: system, args: HEADLESS_ARGS, env: {}, source: "system" };
  throw new ChromiumNotFoundError(
    "no Chromium: run `npm ci` (it installs @sparticuz/chromium), or set BLOBSIM_CHROMIUM to a Chromium binary",
  );
}

/** The @sparticuz/chromium browser, unpacked into its per-version folder; null when not installed. */
async function packagedChromium(): Promise<ChromiumLaunch | null> {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve("@sparticuz/chromium");
  } catch {
    return null;
  }
  // The package exports no ./package.json: climb from its entry point (build/cjs/index.cjs).
  let packageDir = dirname(entry);
  while (!existsSync(join(packageDir, "package.json")) || !existsSync(join(packageDir, "bin"))) {
    if (dirname(packageDir) === packageDir) return null;
    packageDir = dirname(packageDir);
  }
  const packageJsonPath = join(packageDir, "package.json");
  const version = (JSON.parse(readFileSync(packageJsonPath, "utf8")) as { version: string }).version;
  const binDir = join(dirname(packageJsonPath), "bin");
  const folder = join(tmpdir(), `blobsim-chromium-${version}`);
  const executablePath = join(folder, "chromium");
  if (!existsSync(executablePath)) await unpack(binDir, folder);
  return {
    executablePath,
    // --single-process (in the package's own flags, for Lambda) makes a crash of one page take the
    // whole browser down; the tests open several pages, so they run the ordinary multi-process way.
    args: [...HEADLESS_ARGS, "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
    env: { FONTCONFIG_PATH: join(folder, "fonts") },
    source: "@sparticuz/chromium",
  };
}

async function unpack(binDir: string, folder: string): Promise<void> {
  mkdirSync(dirname(folder), { recursive: true });
  const part = mkdtempSync(`${folder}.part-`);
  // The package unpacks into os.tmpdir(): point that at the private folder for this one call.
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = part;
  try {
    const { default: Chromium } = await import("@sparticuz/chromium");
    const unpacked = await Chromium.executablePath(binDir);
    if (unpacked !== join(part, "chromium"))
      throw new ChromiumNotFoundError(`@sparticuz/chromium unpacked to ${unpacked}, expected ${part}`);
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
  // The package's fonts.conf names Lambda's folders; this one names the unpacked fonts and the
  // system's, so text renders on a machine with no fonts installed as on one with many.
  writeFileSync(
    join(part, "fonts", "fonts.conf"),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
      `  <dir>${join(folder, "fonts")}</dir>\n  <dir>/usr/share/fonts</dir>\n` +
      `  <cachedir>${join(folder, "fonts-cache")}</cachedir>\n</fontconfig>\n`,
  );
  try {
    renameSync(part, folder);
  } catch (error) {
    // Another run unpacked the same version first: use its folder, drop ours.
    rmSync(part, { recursive: true, force: true });
    if (!existsSync(join(folder, "chromium"))) throw error;
  }
}
