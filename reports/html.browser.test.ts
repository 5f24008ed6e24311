/**
 * The HTML pages in a real headless Chromium: the replay page of K01 seed 1 and a small report
 * built in-process. Both must load without console or page errors and show the violation.
 * Chromium is required: a missing browser fails this test, it never skips. `npm ci` installs one
 * (@sparticuz/chromium, see ./chromium.ts); BLOBSIM_CHROMIUM or a system Chromium also do.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kernelEarlyAck } from "../fixtures/forensic/kernel-early-ack.ts";
import { runSeed } from "../harness/run-seed.ts";
import { findScenario } from "../scenarios/index.ts";
import { findChromium } from "./chromium.ts";
import { checkVariants } from "./collect.ts";
import { buildReport } from "./evidence.ts";
import { reportHtml } from "./html.ts";
import { replayPage } from "./trace-viewer.ts";

const INVARIANT = "acked-write-durability";

let browser: Browser;
let dir: string;

let missing: string | null = null;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "blobsim-html-"));
  // Each test then fails with this message (a throw here would only mark the tests skipped).
  let launch;
  try {
    launch = await findChromium();
  } catch (error) {
    missing = `${(error as Error).message}; the HTML browser test cannot run without it`;
    return;
  }
  browser = await chromium.launch({
    executablePath: launch.executablePath,
    args: launch.args,
    env: { ...process.env, ...launch.env },
  });
});

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens a page from a file and collects every console error and uncaught page error. */
async function open(html: string, name: string): Promise<{ page: Page; errors: string[] }> {
  if (missing !== null) throw new Error(missing);
  const path = join(dir, name);
  writeFileSync(path, html);
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  await page.goto(`file://${path}`, { waitUntil: "load" });
  return { page, errors };
}

describe("HTML in headless Chromium", () => {
  it("the replay page of K01 seed 1 renders its violation on the timeline", async () => {
    // Exactly what `blobsim replay kernel.timers-and-kills --seed 1 --variant K01 --html F` writes.
    const run = await runSeed("kernel.timers-and-kills", 1, { variant: "K01", keepFullTrace: true });
    const { result } = run;
    expect(result.violation?.invariant).toBe(INVARIANT);
    const html = replayPage(run);
    const { page, errors } = await open(html, "replay.html");
    const box = page.locator(".tv-violation");
    await expect(box.count()).resolves.toBe(1);
    expect(await box.getAttribute("data-violation")).toBe(INVARIANT);
    expect(await box.innerText()).toContain(INVARIANT);
    expect(await box.isVisible()).toBe(true);
    // On the timeline itself: the violation dot, and the line labelled with the invariant.
    expect(await page.locator(".tv-svg .violation-dot").count()).toBeGreaterThan(0);
    expect(await page.locator(".tv-svg .violation-label").textContent()).toContain(INVARIANT);
    // The viewer's script ran: clicking the violation dot shows its fields.
    await page.locator(".tv-svg .violation-dot").first().dispatchEvent("click");
    expect(await page.locator(".tv-detail").innerText()).toContain("kind=violation");
    await page.screenshot({ path: join(tmpdir(), "blobsim-replay-K01.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a small report shows the gate, the criteria, and K01's violation in its folded timeline", async () => {
    const scenarios = ["kernel.timers-and-kills", "kernel.zombie-timers"]
      .map((id) => findScenario(id))
      .filter((s) => s !== undefined);
    expect(scenarios.length).toBe(2);
    const results = [];
    for (const scenario of scenarios)
      for (const seed of [0, 1]) results.push((await runSeed(scenario.id, seed, {})).result);
    const variants = await checkVariants([kernelEarlyAck]);
    const report = buildReport({
      scenarios,
      results,
      variants: variants.checks,
      mode: "run",
      generatedAt: "2026-01-01T00:00:00.000Z",
      wallS: 0,
    });
    const { page, errors } = await open(reportHtml(report, variants.timelines), "report.html");
    expect(await page.locator("[data-gate]").count()).toBe(1);
    expect(await page.locator("tr[data-criterion]").count()).toBe(report.criteria.length);
    // Timelines are folded by default; the violation is in the DOM and shows when unfolded.
    const fold = page.locator('details.tv-fold[data-variant="K01"]');
    expect(await fold.getAttribute("open")).toBeNull();
    expect(await fold.locator(":scope > summary").innerText()).toContain(INVARIANT);
    await fold.locator(":scope > summary").click();
    const box = fold.locator(".tv-violation");
    expect(await box.isVisible()).toBe(true);
    expect(await box.innerText()).toContain(INVARIANT);
    expect(await fold.locator(".tv-svg .violation-label").textContent()).toContain(INVARIANT);
    // The status filter hides the rows of other statuses.
    await page.locator('.filters button[data-status="failing"]').click();
    expect(await page.locator("tr[data-criterion]:visible").count()).toBe(report.summary.failing);
    expect(errors).toEqual([]);
    await page.close();
  });
});
