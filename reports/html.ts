/**
 * report.html: the traceability report as one self-contained page (inline CSS, JS and SVG; no
 * network). Sign-off banner first, then criteria, risks, forensic variants with the timeline of
 * each variant's failing seed (the shared trace viewer), and the scenarios.
 */
import { chartScript } from "./chart-library.ts";
import { formatPower } from "./detection-power.ts";
import { type ChartData, chartData } from "./charts.ts";
import { coverageHtml } from "./coverage.ts";
import type { CriterionStatus, ReportData } from "./evidence.ts";
import { BASE_CSS, escapeHtml, htmlPage, inlineJson } from "./html-util.ts";
import { PLACEMENT_COLUMNS, placementCells } from "./placement.ts";
import { renderTraceView, TRACE_VIEWER_CSS, TRACE_VIEWER_JS, type TraceViewInput } from "./trace-viewer.ts";

const STATUS_LABEL: Record<CriterionStatus, string> = {
  proven: "proven",
  passing: "passing",
  failing: "failing",
  incomplete: "incomplete evidence",
  "no-evidence": "no evidence yet",
};

const pill = (status: CriterionStatus) => `<span class="pill ${status}">${STATUS_LABEL[status]}</span>`;
const code = (text: string) => `<code>${escapeHtml(text)}</code>`;

const REPORT_CSS = `
.crit-area td{background:#f1f5f9;font-weight:600;font-size:12px;text-transform:uppercase;color:#475569;letter-spacing:.04em}
.statusbar{display:flex;height:12px;border-radius:6px;overflow:hidden;margin:8px 0 2px;border:1px solid var(--line)}
.statusbar div{height:100%}
.filters{margin:6px 0;display:flex;gap:6px;flex-wrap:wrap}
.filters button{border:1px solid var(--line);background:#fff;border-radius:12px;padding:2px 10px;cursor:pointer;font-size:12.5px}
.filters button.on{background:#1d2430;color:#fff}
td.note{color:#475569;font-size:13px;max-width:380px}
.ok{color:var(--green);font-weight:600}.bad{color:var(--red);font-weight:600}
nav.toc{font-size:13px;margin:6px 0 0}nav.toc a{margin-right:14px}
.charts{display:flex;flex-wrap:wrap;gap:14px}
figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;flex:1 1 560px;max-width:100%;overflow-x:auto}
figure.chart.wide{flex-basis:100%}
figure.chart figcaption{font-weight:600;margin-bottom:2px}figure.chart .chart-note{font-size:12.5px;color:var(--muted);margin:0 0 6px}
details.tv-fold{margin:6px 0;border:1px solid var(--line);border-radius:6px;padding:4px 10px}details.tv-fold>summary{cursor:pointer}
`;

const REPORT_JS = `
(function(){
  var buttons = document.querySelectorAll('.filters button');
  buttons.forEach(function(b){ b.addEventListener('click', function(){
    buttons.forEach(function(x){ x.classList.remove('on'); }); b.classList.add('on');
    var want = b.getAttribute('data-status');
    document.querySelectorAll('tr[data-status]').forEach(function(row){
      row.style.display = (want === 'all' || row.getAttribute('data-status') === want) ? '' : 'none';
    });
  }); });
  function openTarget(){ var t = location.hash && document.getElementById(location.hash.slice(1));
    var d = t && t.querySelector('details.tv-fold'); if (d) d.open = true; }
  window.addEventListener('hashchange', openTarget); openTarget();
})();
`;

/**
 * The page. `timelines` holds the ones worth embedding (one per forensic variant, keyed by its id,
 * and the failing seeds of this report, keyed `seed:<scenario>:<seed>`); every other seed is a
 * replay command away.
 */
export function reportHtml(report: ReportData, timelines: ReadonlyMap<string, TraceViewInput>): string {
  const s = report.summary;
  const charts = chartData(report.scenarios, report.criteria, report.placement);
  const sign = report.signOff;
  const parts: string[] = [];
  parts.push(`<main><h1>blobsim traceability report</h1>
<div class="muted">Generated ${escapeHtml(report.generatedAt)} · ${report.mode === "merged" ? `merged from ${report.inputs.length} <code>run --json</code> files${report.shards.length ? ` (shards ${escapeHtml(report.shards.join(", "))})` : ""}` : "evidence run by <code>blobsim report</code>"} · ${s.wallS} s wall</div>
<nav class="toc"><a href="#signoff">Sign-off</a><a href="#charts">Charts</a><a href="#criteria">Criteria</a><a href="#risks">Risks</a><a href="#variants">Forensic variants</a>${report.placement.length > 0 ? `<a href="#placement">Placement</a>` : ""}<a href="#scenarios">Scenarios</a></nav>`);

  // Sign-off.
  parts.push(`<h2 id="signoff">Sign-off (SIGN-1)</h2>
<div class="banner ${sign.gateGreen ? "green" : "red"}" data-gate="${sign.gateGreen ? "green" : "not-green"}"><b>${escapeHtml(sign.verdict)}</b></div>
<div class="kpis">
<div class="kpi"><b>${s.proven}</b><span>proven</span></div>
<div class="kpi"><b>${s.passing}</b><span>passing, checker unproven</span></div>
<div class="kpi"><b class="${s.failing ? "bad" : ""}">${s.failing}</b><span>failing</span></div>
<div class="kpi"><b>${s.noEvidence}</b><span>no evidence yet</span></div>
<div class="kpi"><b>${s.seeds}</b><span>seeds over ${s.scenariosRun} scenarios</span></div>
<div class="kpi"><b class="${s.failedSeeds ? "bad" : ""}">${s.failedSeeds}</b><span>seeds failed</span></div>
<div class="kpi"><b>${s.variantsHolding}/${s.variants}</b><span>forensic variants hold</span></div>
</div>
${statusBar(report)}
<table><thead><tr><th>gate criterion</th><th>status</th><th>evidence</th></tr></thead><tbody>
${sign.gate
  .map((g) => {
    const c = report.criteria.find((x) => x.id === g.id)!;
    return `<tr><td><b>${g.id}</b> <span class="muted">${escapeHtml(c.title)}</span></td><td>${pill(g.status)}</td><td class="note">${escapeHtml(c.note)}</td></tr>`;
  })
  .join("\n")}
</tbody></table>
<p>Decision boundary per profile (PLC-1): ${pill(sign.placement)} · Risk register rated: ${sign.risksRated ? "yes" : "no"}</p>
${report.warnings.length ? `<div class="card"><b>Warnings</b><ul>${report.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul></div>` : ""}`);

  parts.push(chartsSection(charts));
  const failing = [...timelines.entries()].filter(([key]) => key.startsWith("seed:"));
  if (failing.length > 0)
    parts.push(
      `<h2 id="failing-seeds">Failing seeds</h2>${failing
        .map(
          ([key, view]) =>
            `<details class="tv-fold" data-seed="${escapeHtml(key)}"><summary><b>${escapeHtml(view.scenario)}</b> seed ${view.seed}${view.violation ? ` — ${escapeHtml(view.violation.invariant)} at ${view.violation.atMs} ms` : ""}</summary>${renderTraceView(view)}</details>`,
        )
        .join("\n")}`,
    );

  // Criteria.
  parts.push(`<h2 id="criteria">Criteria</h2>
<p class="muted">Proven: its scenarios ran and passed here, and a forensic variant shows the checker catches its bug. Passing: ran and passed, checker not yet shown able to fail.</p>
<div class="filters"><button class="on" data-status="all">all ${report.criteria.length}</button>${(
    ["proven", "passing", "failing", "incomplete", "no-evidence"] as const
  )
    .map(
      (st) =>
        `<button data-status="${st}">${STATUS_LABEL[st]} ${report.criteria.filter((c) => c.status === st).length}</button>`,
    )
    .join("")}</div>
<table id="criteria-table"><thead><tr><th>ID</th><th>criterion</th><th>status</th><th>scenarios run</th><th>seeds (failed)</th><th>variants proving the checker</th><th>note</th></tr></thead><tbody>`);
  let area = "";
  for (const c of report.criteria) {
    if (c.area !== area) {
      area = c.area;
      parts.push(`<tr class="crit-area"><td colspan="7">${escapeHtml(area)}</td></tr>`);
    }
    const proving = c.variants
      .filter((v) => v.proves)
      .map(
        (v) =>
          `<a href="#variant-${escapeHtml(v.variant)}">${escapeHtml(v.variant)}</a> → ${code(v.scenario ?? "")}`,
      );
    parts.push(
      `<tr data-status="${c.status}" data-criterion="${escapeHtml(c.id)}"><td><b>${escapeHtml(c.id)}</b><br><span class="muted">${c.level} · ${escapeHtml(c.source)}</span></td><td>${escapeHtml(c.title)}</td><td>${pill(c.status)}</td><td>${c.scenarios.map(code).join("<br>") || "—"}${c.notRun.length ? `<br><span class="muted">not run: ${c.notRun.map(escapeHtml).join(", ")}</span>` : ""}</td><td>${c.seeds ? `${c.seeds} (<span class="${c.failedSeeds ? "bad" : ""}">${c.failedSeeds}</span>)` : "—"}</td><td>${proving.join("<br>") || "—"}</td><td class="note">${escapeHtml(c.note)}${c.firstFailure ? `<br>${code(c.firstFailure.replay)}` : ""}</td></tr>`,
    );
  }
  parts.push("</tbody></table>");

  // Risks.
  parts.push(`<h2 id="risks">Risk register</h2>
<p class="muted">Residual derived from the evidence: failing → High (R-02 Critical); all criteria proven → the register's target; partial → at least Med; none → High.</p>
<table><thead><tr><th>ID</th><th>risk</th><th>criteria</th><th>scenarios</th><th>residual</th><th>target</th><th>basis</th></tr></thead><tbody>
${report.risks
  .map(
    (r) =>
      `<tr data-risk="${r.id}"><td><b>${r.id}</b></td><td>${escapeHtml(r.title)}</td><td>${r.criteria.map((c) => `${escapeHtml(c.id)} ${pill(c.status)}`).join("<br>")}</td><td>${r.scenarios.map(code).join("<br>") || "—"}</td><td><span class="pill ${r.residual}">${r.residual}</span></td><td>${r.target}</td><td class="note">${escapeHtml(r.basis)}</td></tr>`,
  )
  .join("\n")}
</tbody></table>`);

  // Variants.
  parts.push(`<h2 id="variants">Forensic variants</h2>
<p class="muted">Real bugs put back through the engine's seams. Each holds when its recorded seed still fails with its invariant (same trace hash) and the real engine passes that seed.</p>
<table><thead><tr><th>variant</th><th>recorded seed</th><th>still fails</th><th>same hash</th><th>real passes</th><th>proves</th><th>problems</th></tr></thead><tbody>
${report.variants
  .map((v) => {
    const yn = (b: boolean) =>
      v.buggy ? (b ? `<span class="ok">yes</span>` : `<span class="bad">NO</span>`) : "—";
    return `<tr><td><a href="#variant-${escapeHtml(v.variant)}"><b>${escapeHtml(v.variant)}</b></a><br><span class="muted">${escapeHtml(v.title)}</span></td><td>${v.recorded ? `${code(v.recorded.scenario)} seed ${v.recorded.seed}` : `<span class="bad">none</span>`}</td><td>${yn(v.reproduces)}</td><td>${yn(v.sameHash)}</td><td>${yn(v.realPasses)}</td><td>${v.proves.join(", ") || "—"}</td><td class="note">${escapeHtml(v.problems.join("; ")) || "—"}</td></tr>`;
  })
  .join("\n")}
</tbody></table>`);
  for (const v of report.variants) {
    const view = timelines.get(v.variant);
    // Collapsed by default: one timeline per variant would make the page tens of thousands of px.
    parts.push(`<div id="variant-${escapeHtml(v.variant)}">`);
    parts.push(
      view
        ? `<details class="tv-fold" data-variant="${escapeHtml(v.variant)}"><summary><b>${escapeHtml(v.variant)}</b> timeline: ${code(view.scenario)} seed ${view.seed}${view.violation ? ` — ${escapeHtml(view.violation.invariant)} at ${view.violation.atMs} ms` : ""}</summary>${renderTraceView(view)}</details>`
        : `<div class="card"><b>${escapeHtml(v.variant)}</b>: no timeline (${escapeHtml(v.problems[0] ?? "no recorded seed")}).</div>`,
    );
    parts.push("</div>");
  }

  // Placement (PLC-1), when the placement scenario ran.
  if (report.placement.length > 0)
    parts.push(`<h2 id="placement">Placement (PLC-1)</h2>
<div class="muted">Medians over the seeds of ${code("experiments.placement")}.</div>
<table><thead><tr>${PLACEMENT_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>
${report.placement
  .map(
    (row) =>
      `<tr data-quadrant="${escapeHtml(row.quadrant)}">${placementCells(row)
        .map((c) => `<td>${escapeHtml(c)}</td>`)
        .join("")}</tr>`,
  )
  .join("\n")}
</tbody></table>`);

  // Coverage: reach points and BUGGIFY sites with their hits.
  if (report.coverage) parts.push(coverageHtml(report.coverage));

  // Scenarios.
  parts.push(`<h2 id="scenarios">Scenarios</h2>
<table><thead><tr><th>scenario</th><th>lane</th><th>criteria</th><th>seeds</th><th>failed</th><th>main-job seeds (detection power of a 5% bug)</th><th>first failure</th><th>metrics (min / median / max)</th></tr></thead><tbody>
${report.scenarios
  .map((sc) => {
    const f = sc.failures[0];
    const metrics = Object.entries(sc.metrics)
      .map(([name, m]) => `${escapeHtml(name)} ${m.min} / ${m.median} / ${m.max}`)
      .join("<br>");
    return `<tr><td>${code(sc.id)}<br><span class="muted">${escapeHtml(sc.title)}</span></td><td>${sc.lane}</td><td>${sc.criteria.join(", ")}</td><td>${sc.seeds ? `${sc.seeds}<br><span class="muted mono">${escapeHtml(sc.seedRanges)}</span>` : "not run"}</td><td class="${sc.failed ? "bad" : ""}">${sc.failed}</td><td>${sc.defaultSeeds} (${formatPower(sc.detectionPower)})</td><td>${f ? `seed ${f.seed} ${escapeHtml(f.invariant)}<br>${code(f.replay)}` : "—"}</td><td class="mono">${metrics || "—"}</td></tr>`;
  })
  .join("\n")}
</tbody></table></main>`);
  return htmlPage(
    "blobsim traceability report",
    BASE_CSS + TRACE_VIEWER_CSS + REPORT_CSS,
    parts.join("\n"),
    `${TRACE_VIEWER_JS}\n;\n${REPORT_JS}\n;\n${chartScript()}`,
  );
}

function chartFigure(
  name: keyof ChartData,
  title: string,
  note: string,
  present: boolean,
  wide = false,
): string {
  return `<figure class="chart${wide ? " wide" : ""}" data-chart="${name}"><figcaption>${escapeHtml(title)}</figcaption><p class="chart-note">${escapeHtml(note)}</p><div class="chart-body">${present ? "" : `<p class="muted">Not run for this report: no figures.</p>`}</div></figure>`;
}

function chartsSection(charts: ChartData): string {
  const cost = charts.cost;
  return `<h2 id="charts">Charts</h2>
<p class="muted">The figures behind the decision boundary and the budgets, drawn (the same numbers are under <code>charts</code> in report.json). Medians over the seeds.</p>
<div class="charts">
${chartFigure("placement", "Placement boundary (PLC-1)", "Each workload profile against the decision regions; the dot's colour is the quadrant the rule chose. A red dot outside the red region is red by Exp 2 (group commit below its write rate) or Exp 3 (contended rows).", charts.placement !== null)}
${chartFigure("groupCommit", "Group commit (Exp 2)", "Acked commits/s rise with the writers while manifest CAS/s stay pinned near the per-object cap (dashed).", charts.groupCommit !== null)}
${chartFigure("latency", "Latency by size (E0-5, Exp 1)", "Store p50 per operation against the band E0's measurements allow (44 ms at 1 KB, then NIC speed); diamonds: each profile's strict commit p50 at its write size (Exp 1; a commit is a segment PUT then the manifest CAS, about two round trips).", charts.latency !== null)}
${chartFigure("contention", "Contention wall (Exp 3)", "N writers on one row stay at 1 / commit latency (dashed) while N writers on their own rows scale.", charts.contention !== null)}
${chartFigure("cost", "Soak cost against the reference band (E5-2)", cost ? `Modeled monthly cost: $${cost.totalAfterFreeTierUsd.median.toFixed(2)} after the free tier, ${cost.vsBandHigh}× the band's top ($${cost.bandUsd.high}); recorded, not failed on (strict mode pays up to two class-A requests a write).` : "The soak did not run.", cost !== null)}
${chartFigure("criteria", "Seeds per criterion", "Seeds run per criterion, coloured by status (green proven, blue passing, grey no evidence); failed seeds in red.", true, true)}
</div>
<script type="application/json" id="chart-data">${inlineJson(charts)}</script>`;
}

function statusBar(report: ReportData): string {
  const total = Math.max(1, report.criteria.length);
  const colours: Record<CriterionStatus, string> = {
    proven: "#34a853",
    passing: "#4c8bf5",
    failing: "#d93025",
    incomplete: "#f29900",
    "no-evidence": "#d5dbe3",
  };
  const segments = (["proven", "passing", "failing", "incomplete", "no-evidence"] as const)
    .map((st) => {
      const n = report.criteria.filter((c) => c.status === st).length;
      return n
        ? `<div style="width:${(100 * n) / total}%;background:${colours[st]}" title="${n} ${STATUS_LABEL[st]}"></div>`
        : "";
    })
    .join("");
  return `<div class="statusbar">${segments}</div><div class="muted" style="font-size:12px">${report.criteria.length} criteria of the catalog: green proven, blue passing, red failing, orange incomplete evidence, grey no evidence yet</div>`;
}
