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
import { findVariant } from "../fixtures/forensic/index.ts";
import { runSeed } from "../harness/run-seed.ts";
import { findScenario } from "../scenarios/index.ts";
import { findChromium } from "./chromium.ts";
import { CHART_SERIES } from "./charts.ts";
import { checkVariants } from "./collect.ts";
import { buildReport, type ScenarioEvidence } from "./evidence.ts";
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
    const variants = await checkVariants([findVariant("K01")!]);
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

  it("B12's replay page shows its acks linked to their CAS and highlights the events the violation cites", async () => {
    const run = await runSeed("wal.e2b-kill-points", 0, { variant: "B12", keepFullTrace: true });
    expect(run.result.violation?.invariant).toBe(INVARIANT);
    const { page, errors } = await open(replayPage(run), "replay-b12.html");
    await page.locator('.tv[data-drawn="yes"]').waitFor();
    // Four acked writes (write.acked), each drawn and linked to the manifest CAS it was acked behind.
    expect(await page.locator(".tv-svg .ev.ack").count()).toBe(4);
    expect(await page.locator(".tv-svg .ack-link").count()).toBe(4);
    expect(await page.locator(".tv-counts").innerText()).toBe("4 acks, 3 manifest CAS");
    // Cited: the CAS, its commit record, write 4's ack, the kill point and kill, the restore.
    const cited = await page
      .locator(".tv-svg circle.evidence")
      .evaluateAll((els) => els.map((el) => el.querySelector("title")?.textContent ?? ""));
    expect(cited.some((t) => t.includes("write.acked id=4"))).toBe(true);
    expect(cited.some((t) => t.includes("store.put key=db/manifest.json"))).toBe(true);
    expect(cited.some((t) => t.includes("proc.kill"))).toBe(true);
    expect(cited.some((t) => t.includes("restore.done"))).toBe(true);
    // Jump to violation frames the causes (ack at 1481 ms … restore at 2589 ms), not the final check.
    await page.locator("[data-jump]").click();
    expect(await page.locator(".tv").getAttribute("data-jumped")).toBe("1481-2589");
    const visible = await page
      .locator(".tv-scroll")
      .evaluate((el) => ({ left: el.scrollLeft, width: el.clientWidth }));
    const ackX = await page
      .locator(".tv-svg .ev.ack")
      .nth(3)
      .evaluate((el) => Number(el.getAttribute("x1")));
    expect(ackX).toBeGreaterThan(visible.left);
    expect(ackX).toBeLessThan(visible.left + visible.width);
    // Zoom redraws: the tick labels keep their font size (no stretched text) and the minimap shows the window.
    const tickBefore = await page
      .locator(".tv-svg .tick")
      .first()
      .evaluate((el) => el.getBoundingClientRect().height);
    await page.locator('[data-zoom="in"]').click();
    const tickAfter = await page
      .locator(".tv-svg .tick")
      .first()
      .evaluate((el) => el.getBoundingClientRect().height);
    expect(tickAfter).toBeCloseTo(tickBefore, 0);
    const window = Number(await page.locator(".tv-minimap .mini-window").getAttribute("width"));
    expect(window).toBeLessThan(1000);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the report's charts render from the figures: every chart an SVG with its series", async () => {
    const spread = (median: number) => ({ min: median, median, max: median });
    const metrics = (entries: Record<string, number>) =>
      Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, spread(v)]));
    const scenario = (
      id: string,
      m: Record<string, number>,
      labels: Record<string, string> = {},
    ): ScenarioEvidence => ({
      id,
      title: id,
      lane: "sim",
      criteria: [],
      seeds: 2,
      failed: 0,
      seedRanges: "0-1",
      defaultSeeds: 2,
      detectionPower: 0.0975,
      seedsNeeded: null,
      seedsMissing: 0,
      failures: [],
      metrics: metrics(m),
      labels,
    });
    const writers = [1, 2, 4, 8, 16, 32, 64];
    const scenarios = [
      scenario(
        "experiments.exp2-group-commit-curve",
        Object.fromEntries(
          writers.flatMap((w) => [
            [`w${w}.commitsPerS`, w * 0.92],
            [`w${w}.casPerS`, 0.92],
            [`w${w}.writesPerCas`, w],
          ]),
        ),
      ),
      scenario("experiments.exp3-contention-wall", {
        sequentialCommitMs: 1090,
        "w2.contendedPerS": 0.92,
        "w2.independentPerS": 1.8,
        "w8.contendedPerS": 0.92,
        "w8.independentPerS": 7.3,
        "w32.contendedPerS": 0.91,
        "w32.independentPerS": 29,
      }),
      scenario(
        "store.latency",
        Object.fromEntries(
          ["put", "cond_put", "get"].flatMap((op) =>
            ["1kb", "1mb", "16mb"].flatMap((size, i) => [
              [`${op}_${size}_p50_ms`, 44 * (i + 1) ** 2],
              [`${op}_${size}_p99_ms`, 90 * (i + 1) ** 2],
            ]),
          ),
        ),
      ),
      scenario("experiments.exp1-latency-floor", { "bulk-sync.p50Ms": 90, "bulk-sync.p99Ms": 137 }),
      scenario("platform.e5-soak-72h", {
        monthlyClassAUsd: 0.25,
        monthlyClassBUsd: 0.014,
        monthlyStorageUsd: 0,
        monthlyTotalAfterFreeTierUsd: 0.27,
        monthlyPlatformUsd: 0.33,
      }),
    ];
    const placement = [
      {
        profile: "bulk-sync",
        p50Ms: 90,
        p99Ms: 137,
        p999Ms: 385,
        commitsPerS: 7.3,
        contendedPerS: null,
        quadrant: "red",
        backend: "coupled-postgres",
      },
      {
        profile: "bursty-admin",
        p50Ms: 91,
        p99Ms: 153,
        p999Ms: 304,
        commitsPerS: 1.8,
        contendedPerS: 0.92,
        quadrant: "green",
        backend: "this-engine",
      },
    ];
    const report = buildReport({
      scenarios: [],
      results: [],
      variants: [],
      mode: "run",
      generatedAt: "2026-01-01T00:00:00.000Z",
      wallS: 0,
    });
    const { page, errors } = await open(
      reportHtml(
        {
          ...report,
          scenarios,
          placement,
          // One criterion with a failed seed: the criteria chart's second series.
          criteria: report.criteria.map((c, i) =>
            i === 0 ? { ...c, status: "failing", seeds: 5, failedSeeds: 1 } : c,
          ),
        },
        new Map(),
      ),
      "charts.html",
    );
    for (const [name, series] of Object.entries(CHART_SERIES)) {
      const figure = page.locator(`figure.chart[data-chart="${name}"]`);
      expect(await figure.getAttribute("data-rendered"), name).toBe("yes");
      expect(await figure.locator("svg").first().isVisible(), name).toBe(true);
      // Each series is one mark that drew something.
      const drawn = await figure
        .locator("svg g.series")
        .evaluateAll((gs) => gs.filter((g) => g.childElementCount > 0).length);
      expect(drawn, name).toBe(series);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("a chart whose scenario did not run says so instead of drawing", async () => {
    const report = buildReport({
      scenarios: [],
      results: [],
      variants: [],
      mode: "run",
      generatedAt: "2026-01-01T00:00:00.000Z",
      wallS: 0,
    });
    const { page, errors } = await open(reportHtml(report, new Map()), "no-charts.html");
    const figure = page.locator('figure.chart[data-chart="groupCommit"]');
    expect(await figure.getAttribute("data-rendered")).toBeNull();
    expect(await figure.innerText()).toContain("Not run for this report");
    expect(errors).toEqual([]);
    await page.close();
  });
});
