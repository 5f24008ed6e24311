/**
 * The charting library report.html inlines: d3 and Observable Plot's UMD builds, read from
 * node_modules (the page must work offline, so nothing is linked), then the report's own chart
 * code (assets/charts.js). About 490 KB of the 2 MB the page may weigh.
 *
 * Why Observable Plot: its marks (rect regions, areas for reference bands, lines, dots, bars)
 * say each chart in a few lines and draw SVG, which prints sharply and a test can inspect; it is
 * kept by Observable, d3's authors, with releases through 2025. uPlot is smaller (about 50 KB)
 * but canvas-only and built for time series: the regions, bands and labelled scatter here would
 * be hand-drawn on its canvas. Vega-Lite (with vega and vega-embed) weighs about 1 MB.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** A file inside an installed package (packages whose exports map hides their dist/ folder). */
function packageFile(name: string, relative: string): string {
  let dir = dirname(require.resolve(name));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, relative))) {
    if (dirname(dir) === dir) throw new Error(`${name}: ${relative} not found`);
    dir = dirname(dir);
  }
  return join(dir, relative);
}

/** Inline-safe: no `</script` can end the element early. */
const inline = (text: string) => text.replace(/<\/script/gi, "<\\/script");

let cached: string | null = null;

/** d3 + Plot + the report's charts, as one inline script. */
export function chartScript(): string {
  cached ??= [
    readFileSync(packageFile("d3", "dist/d3.min.js"), "utf8"),
    readFileSync(packageFile("@observablehq/plot", "dist/plot.umd.min.js"), "utf8"),
    readFileSync(new URL("./assets/charts.js", import.meta.url), "utf8"),
  ]
    .map(inline)
    .join("\n;\n");
  return cached;
}
