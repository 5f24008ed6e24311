/**
 * The trace viewer: one seed's run drawn as a timeline with a swimlane per process, shared by
 * `blobsim replay --html F` (a page of its own) and the HTML report (one embedded per forensic
 * variant and per failing seed). It reads the trace events as the simulation recorded them
 * ({t, p, k, f}):
 *
 * - `store.<op>` with fields key, outcome, ms, version: a blob store call. The event is logged
 *   when the call settles, so it is drawn as a bar from t - ms to t, coloured by outcome
 *   (ok, 412 precondition, 429 rate limited, 404, ambiguous, other errors); a successful put of
 *   a manifest key is a manifest CAS.
 * - acks (`write.acked`, `commit.acked`, a bare `ack`): tall green ticks, each linked by a thin
 *   line to the manifest CAS it was acked behind (the last one before it).
 * - `lease.*`: lease changes (diamonds). `commit.*` and `wal.*`: commit steps (circles).
 * - `proc.start` / `proc.exit` / `proc.kill` / `proc.crash` / `proc.pause` / `proc.resume`:
 *   the lane's life line, kills as a red cross, pauses (zombie windows) hatched.
 * - `violation` and the events a violation cites: highlighted in red, with a line at its time.
 * - anything else: a small grey tick, so nothing recorded is hidden.
 *
 * Below the timeline: the events behind the violation and, on the replay page, plots where
 * looking beats reading: store latency percentiles per operation, the share of calls answered
 * 429 over time, and the writes per manifest CAS. A plot whose events do not occur says so.
 *
 * The page carries the events compactly (names interned, gzip + base64) and the browser draws
 * them (assets/timeline.js): a folded timeline in the report costs its data, not its SVG.
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { replayCommand, type SeedRun } from "../harness/result.ts";
import type { TraceEvent, TraceValue } from "../sim/trace.ts";
import { BASE_CSS, escapeHtml, htmlPage, quantile, round } from "./html-util.ts";

export interface TraceViewInput {
  /** Heading, e.g. "K01 on kernel.timers-and-kills seed 1". */
  title: string;
  scenario: string;
  seed: number;
  variant: string | null;
  traceHash: string;
  /** Events to draw (already capped by the caller if the trace is long). */
  events: readonly TraceEvent[];
  /** Events the run recorded in total (more than `events.length` when capped). */
  totalEvents: number;
  violation: { invariant: string; message: string; atMs: number } | null;
  /** Events the violation cites as proof. */
  evidence: readonly TraceEvent[];
  replay: string;
}

/** Events at most, by default, in a viewer embedded in the report. */
export const EMBEDDED_EVENTS_MAX = 1500;

const LANE_HEIGHT_PX = 18;
const AXIS_HEIGHT_PX = 26;
const PLOT_WIDTH_PX = 1000;

type OutcomeClass = "ok" | "precondition" | "ratelimit" | "notfound" | "ambiguous" | "error";

const OUTCOME_COLOURS: Record<OutcomeClass, string> = {
  ok: "#3b82f6",
  precondition: "#f59e0b",
  ratelimit: "#eab308",
  notfound: "#06b6d4",
  ambiguous: "#8b5cf6",
  error: "#dc2626",
};

export function outcomeClass(outcome: TraceValue | undefined): OutcomeClass {
  const text = String(outcome ?? "ok").toLowerCase();
  if (/429|rate/.test(text)) return "ratelimit";
  if (/412|precondition/.test(text)) return "precondition";
  if (/404|not.?found|miss|null/.test(text)) return "notfound";
  if (/ambig/.test(text)) return "ambiguous";
  if (/^(ok|2\d\d|hit|found|success|true)$/.test(text)) return "ok";
  return "error";
}

/**
 * Keeps a long trace drawable: every structural event (process life, leases, commits,
 * violations, swarm draws) and the cited evidence, then the events nearest the focus time.
 */
export function capEvents(
  events: readonly TraceEvent[],
  maxEvents: number,
  focusMs: number | null,
  evidence: readonly TraceEvent[] = [],
): TraceEvent[] {
  if (events.length <= maxEvents) return [...events];
  const keep = new Set<number>();
  const isEvidence = (e: TraceEvent) => evidence.some((x) => x.t === e.t && x.p === e.p && x.k === e.k);
  events.forEach((e, i) => {
    if (e.k === "violation" || isEvidence(e)) keep.add(i);
  });
  const structural = /^(proc\.|lease\.|commit\.|wal\.|swarm$)/;
  events.forEach((e, i) => {
    if (keep.size < maxEvents / 2 && structural.test(e.k)) keep.add(i);
  });
  const focus = focusMs ?? events[events.length - 1]!.t;
  const byDistance = events
    .map((e, i) => ({ i, d: Math.abs(e.t - focus) }))
    .filter(({ i }) => !keep.has(i))
    .sort((a, b) => a.d - b.d || a.i - b.i);
  for (const { i } of byDistance) {
    if (keep.size >= maxEvents) break;
    keep.add(i);
  }
  return [...keep].sort((a, b) => a - b).map((i) => events[i]!);
}

function formatMs(ms: number): string {
  if (ms >= 60_000) return `${round(ms / 60_000, 2)} min`;
  if (ms >= 1000) return `${round(ms / 1000, 2)} s`;
  return `${ms} ms`;
}

/** An acknowledgement: `write.acked`, `commit.acked`, or a bare `ack`. */
export const isAck = (kind: string): boolean => /(^|\.)ack(ed)?$/.test(kind);

/** A successful conditional put of a manifest: the commit point of strict mode. */
export const isManifestCas = (e: TraceEvent): boolean =>
  e.k === "store.put" && /manifest/.test(String(e.f?.key ?? "")) && outcomeClass(e.f?.outcome) === "ok";

/** Compact events for the page: names interned, each event `[t, process, kind, fields | 0]`. */
export interface CompactTimeline {
  procs: string[];
  kinds: string[];
  ev: Array<[number, number, number, TraceEvent["f"] | 0]>;
  /** Indices (into `ev`) of the events the violation cites, the violation included. */
  cited: number[];
  violation: TraceViewInput["violation"];
}

const eventKey = (e: TraceEvent) => `${e.t}|${e.p}|${e.k}|${JSON.stringify(e.f ?? {})}`;

export function compactTimeline(view: TraceViewInput): CompactTimeline {
  const procs: string[] = [];
  const kinds: string[] = [];
  const procIndex = new Map<string, number>();
  const kindIndex = new Map<string, number>();
  const intern = (value: string, list: string[], index: Map<string, number>) => {
    let i = index.get(value);
    if (i === undefined) {
      i = list.length;
      list.push(value);
      index.set(value, i);
    }
    return i;
  };
  const evidence = new Set(view.evidence.map(eventKey));
  const cited: number[] = [];
  const ev = view.events.map((e, i): [number, number, number, TraceEvent["f"] | 0] => {
    if (e.k === "violation" || evidence.has(eventKey(e))) cited.push(i);
    return [e.t, intern(e.p, procs, procIndex), intern(e.k, kinds, kindIndex), e.f ?? 0];
  });
  return { procs, kinds, ev, cited, violation: view.violation };
}

/** The timeline's data as the page carries it: gzip, then base64 (a tenth of the JSON's size). */
export function encodeTimeline(view: TraceViewInput): string {
  return gzipSync(Buffer.from(JSON.stringify(compactTimeline(view))), { level: 9 }).toString("base64");
}

let viewerCounter = 0;

/**
 * The timeline for one seed, as an HTML fragment (the page supplies CSS and JS): header,
 * violation, tools, minimap, the lanes (drawn in the browser by assets/timeline.js from the
 * embedded data), the events behind the violation and, with `plots`, the trace's plots.
 */
export function renderTraceView(view: TraceViewInput, options: { plots?: boolean } = {}): string {
  const id = `tv${++viewerCounter}`;
  const events = view.events;
  const endMs = Math.max(1, view.violation?.atMs ?? 0, ...events.map((e) => e.t));
  const capped =
    view.totalEvents > events.length
      ? `<p class="muted">Showing ${events.length} of ${view.totalEvents} events (process life, leases, commits, the violation, the events it cites and those nearest it). <code>${escapeHtml(view.replay)} --html F.html</code> shows more.</p>`
      : "";
  const violationBox = view.violation
    ? `<div class="tv-violation" data-violation="${escapeHtml(view.violation.invariant)}"><b>Violation: ${escapeHtml(view.violation.invariant)}</b> at ${view.violation.atMs} ms — ${escapeHtml(view.violation.message)}</div>`
    : `<div class="tv-pass">No violation: the run passed.</div>`;
  const cas = writesPerManifestCas(events);
  return `<section class="tv" id="${id}">
<div class="tv-head"><h3>${escapeHtml(view.title)}</h3>
<div class="muted mono">scenario ${escapeHtml(view.scenario)} · seed ${view.seed}${view.variant ? ` · variant ${escapeHtml(view.variant)}` : ""} · trace hash ${escapeHtml(view.traceHash)} · ${view.totalEvents} events · ${formatMs(endMs)} simulated · <span class="tv-counts">${events.filter((e) => isAck(e.k)).length} acks, ${cas.length} manifest CAS</span></div>
<div class="mono replay">${escapeHtml(view.replay)}</div></div>
${violationBox}
<div class="tv-tools"><button data-zoom="in" title="zoom in">+</button><button data-zoom="out" title="zoom out">−</button><button data-zoom="fit">fit</button>${view.violation ? `<button data-jump="violation" title="zoom to the events the violation cites">jump to violation</button>` : ""}
${legend()}</div>
<svg class="tv-minimap" width="100%" height="34"><title>the whole run: events over time; red: cited by the violation; the box is the visible window (click to go there)</title></svg>
<div class="tv-body"><div class="tv-labels" style="padding-top:${AXIS_HEIGHT_PX}px"></div>
<div class="tv-scroll"><svg class="tv-svg" width="${PLOT_WIDTH_PX}" height="${AXIS_HEIGHT_PX}"></svg></div></div>
<div class="tv-detail mono">Click an event for its fields.</div>
${capped}
<script type="application/gzip+base64" class="tv-data">${encodeTimeline(view)}</script>
${evidenceTable(view)}
${options.plots ? renderPlots(events) : ""}
</section>`;
}

function legend(): string {
  const item = (swatch: string, label: string) =>
    `<span class="lg"><svg width="16" height="12">${swatch}</svg>${label}</span>`;
  return `<span class="legend">${[
    item(`<rect x="1" y="2" width="14" height="8" fill="${OUTCOME_COLOURS.ok}"/>`, "store call (ok)"),
    item(`<rect x="1" y="2" width="14" height="8" fill="${OUTCOME_COLOURS.precondition}"/>`, "412"),
    item(`<rect x="1" y="2" width="14" height="8" fill="${OUTCOME_COLOURS.ratelimit}"/>`, "429"),
    item(`<rect x="1" y="2" width="14" height="8" fill="${OUTCOME_COLOURS.error}"/>`, "error"),
    item(`<path d="M8 0l6 6l-6 6l-6-6z" fill="#059669"/>`, "lease"),
    item(`<circle cx="8" cy="6" r="4" fill="#1e3a8a"/>`, "commit/WAL"),
    item(`<line x1="8" x2="8" y1="0" y2="12" stroke="#16a34a" stroke-width="2.5"/>`, "ack"),
    item(
      `<line x1="1" x2="15" y1="10" y2="2" stroke="#16a34a" stroke-opacity=".5"/>`,
      "ack ← its manifest CAS",
    ),
    item(`<path d="M3 1l10 10m0-10l-10 10" stroke="#dc2626" stroke-width="2.5"/>`, "kill"),
    item(`<rect x="1" y="1" width="14" height="10" class="pause-swatch"/>`, "paused"),
    item(`<circle cx="8" cy="6" r="5" fill="none" stroke="#dc2626" stroke-width="2"/>`, "cited by violation"),
  ].join("")}</span>`;
}

function evidenceTable(view: TraceViewInput): string {
  if (!view.violation) return "";
  const at = view.violation.atMs;
  const cited = view.evidence;
  const before = view.events.filter((e) => e.t <= at && e.k !== "violation").slice(-6);
  const row = (e: TraceEvent, cls: string) =>
    `<tr class="${cls}"><td class="mono">${e.t}</td><td class="mono">${escapeHtml(e.p)}</td><td class="mono">${escapeHtml(e.k)}</td><td class="mono">${escapeHtml(
      e.f
        ? Object.entries(e.f)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(" ")
        : "",
    )}</td></tr>`;
  return `<details class="tv-events-table" open><summary>Events behind the violation</summary>
<table><thead><tr><th>t ms</th><th>process</th><th>kind</th><th>fields</th></tr></thead><tbody>
${cited.map((e) => row(e, "cited")).join("\n")}
<tr><td colspan="4" class="muted">last events before the violation:</td></tr>
${before.map((e) => row(e, "")).join("\n")}
</tbody></table></details>`;
}

// ---- plots ----

interface StoreCall {
  t: number;
  op: string;
  ms: number;
  cls: OutcomeClass;
  key: string;
}

function storeCalls(events: readonly TraceEvent[]): StoreCall[] {
  return (
    events
      // store.apply marks the instant a call took effect inside the store, not a call of its own.
      .filter((e) => e.k.startsWith("store.") && e.k !== "store.apply")
      .map((e) => ({
        t: e.t,
        op: e.k.slice("store.".length),
        ms: typeof e.f?.ms === "number" ? e.f.ms : Number.NaN,
        cls: outcomeClass(e.f?.outcome),
        key: String(e.f?.key ?? ""),
      }))
  );
}

export interface LatencyRow {
  op: string;
  calls: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  rateLimitedShare: number;
}

export function storeLatencyTable(events: readonly TraceEvent[]): LatencyRow[] {
  const calls = storeCalls(events);
  const ops = [...new Set(calls.map((c) => c.op))].sort();
  return ops.map((op) => {
    const mine = calls.filter((c) => c.op === op);
    const latencies = mine
      .map((c) => c.ms)
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    return {
      op,
      calls: mine.length,
      p50: quantile(latencies, 0.5),
      p90: quantile(latencies, 0.9),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
      rateLimitedShare: mine.filter((c) => c.cls === "ratelimit").length / mine.length,
    };
  });
}

/**
 * Writes carried by each successful manifest CAS: the `writes`/`batch` field of the commit record
 * logged with it if there is one, else the acks that follow it before the next CAS (a strict
 * writer acks only after the CAS that made the write durable, so an ack belongs to the last CAS
 * before it). A CAS that carries no write (creating the manifest, a fence stamp) counts 0.
 */
export function writesPerManifestCas(events: readonly TraceEvent[]): number[] {
  const counts: number[] = [];
  const declared: Array<number | null> = [];
  for (const e of events) {
    if (isManifestCas(e)) {
      counts.push(0);
      declared.push(null);
      continue;
    }
    if (counts.length === 0) continue;
    const last = counts.length - 1;
    if (e.k.startsWith("commit.") || e.k.startsWith("wal.")) {
      const w = e.f?.writes ?? e.f?.batch;
      if (typeof w === "number" && declared[last] === null) declared[last] = w;
    }
    if (isAck(e.k)) counts[last]!++;
  }
  return counts.map((acked, i) => declared[i] ?? acked);
}

function plotCard(title: string, body: string): string {
  return `<figure class="plot"><figcaption>${escapeHtml(title)}</figcaption>${body}</figure>`;
}

function noData(text: string): string {
  return `<p class="muted nodata">${escapeHtml(text)}</p>`;
}

function latencyPlot(rows: LatencyRow[]): string {
  if (rows.length === 0) return noData("No blob store calls (store.*) in this trace.");
  const w = 460;
  const rowH = 34;
  const h = 30 + rows.length * rowH;
  const maxMs = Math.max(1, ...rows.map((r) => (Number.isFinite(r.max) ? r.max : 0)));
  const sx = (ms: number) => 90 + (ms / maxMs) * (w - 110);
  const parts: string[] = [];
  rows.forEach((r, i) => {
    const y = 22 + i * rowH;
    parts.push(`<text class="plot-label" x="84" y="${y + 14}" text-anchor="end">${escapeHtml(r.op)}</text>`);
    if (!Number.isFinite(r.p50)) {
      parts.push(`<text class="plot-note" x="92" y="${y + 14}">no ms field</text>`);
      return;
    }
    parts.push(
      `<rect x="90" y="${y + 4}" width="${round(sx(r.p50) - 90, 2)}" height="14" fill="#3b82f6"><title>p50 ${r.p50} ms</title></rect>`,
      `<rect x="${round(sx(r.p50), 2)}" y="${y + 4}" width="${round(sx(r.p90) - sx(r.p50), 2)}" height="14" fill="#93c5fd"><title>p90 ${r.p90} ms</title></rect>`,
      `<rect x="${round(sx(r.p90), 2)}" y="${y + 4}" width="${round(sx(r.p99) - sx(r.p90), 2)}" height="14" fill="#dbeafe"><title>p99 ${r.p99} ms</title></rect>`,
      `<line x1="${round(sx(r.max), 2)}" x2="${round(sx(r.max), 2)}" y1="${y + 2}" y2="${y + 20}" stroke="#1e293b"><title>max ${r.max} ms</title></line>`,
      `<text class="plot-note" x="92" y="${y + 31}">p50 ${r.p50} · p90 ${r.p90} · p99 ${r.p99} · max ${r.max} ms · ${r.calls} calls</text>`,
    );
  });
  parts.push(`<text class="plot-note" x="${w - 10}" y="12" text-anchor="end">ms (0 – ${maxMs})</text>`);
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${parts.join("")}</svg>`;
}

function rateLimitPlot(events: readonly TraceEvent[]): string {
  const calls = storeCalls(events);
  if (calls.length === 0) return noData("No blob store calls (store.*) in this trace.");
  const limited = calls.filter((c) => c.cls === "ratelimit").length;
  const buckets = 24;
  const endMs = Math.max(1, ...calls.map((c) => c.t));
  const totals = Array.from({ length: buckets }, () => 0);
  const hits = Array.from({ length: buckets }, () => 0);
  for (const c of calls) {
    const b = Math.min(buckets - 1, Math.floor((c.t / endMs) * buckets));
    totals[b]!++;
    if (c.cls === "ratelimit") hits[b]!++;
  }
  const w = 460;
  const h = 150;
  const bw = (w - 50) / buckets;
  const parts: string[] = [
    `<line x1="40" x2="${w - 6}" y1="${h - 24}" y2="${h - 24}" stroke="#cbd5e1"/>`,
    `<text class="plot-note" x="36" y="20" text-anchor="end">100%</text>`,
    `<text class="plot-note" x="36" y="${h - 24}" text-anchor="end">0%</text>`,
  ];
  for (let b = 0; b < buckets; b++) {
    const share = totals[b]! === 0 ? 0 : hits[b]! / totals[b]!;
    const bh = share * (h - 44);
    parts.push(
      `<rect x="${round(42 + b * bw, 2)}" y="${round(h - 24 - bh, 2)}" width="${round(bw - 2, 2)}" height="${round(bh, 2)}" fill="#eab308"><title>${round(((b * endMs) / buckets) | 0, 0)}–${round((((b + 1) * endMs) / buckets) | 0, 0)} ms: ${hits[b]} of ${totals[b]} calls answered 429</title></rect>`,
    );
  }
  parts.push(
    `<text class="plot-note" x="42" y="${h - 8}">0</text><text class="plot-note" x="${w - 6}" y="${h - 8}" text-anchor="end">${formatMs(endMs)}</text>`,
  );
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${parts.join("")}</svg><p class="plot-note">${limited} of ${calls.length} store calls answered 429 (${round((100 * limited) / calls.length)}%).</p>`;
}

function writesPerCasPlot(events: readonly TraceEvent[]): string {
  const counts = writesPerManifestCas(events);
  if (counts.length === 0)
    return noData("No successful manifest CAS (store.put on a manifest key) in this trace.");
  const histogram = new Map<number, number>();
  for (const c of counts) histogram.set(c, (histogram.get(c) ?? 0) + 1);
  const keys = [...histogram.keys()].sort((a, b) => a - b);
  const w = 460;
  const h = 150;
  const bw = Math.min(40, (w - 50) / keys.length);
  const top = Math.max(...histogram.values());
  const parts = keys.map((k, i) => {
    const n = histogram.get(k)!;
    const bh = (n / top) * (h - 50);
    return `<rect x="${round(42 + i * bw, 2)}" y="${round(h - 26 - bh, 2)}" width="${round(bw - 3, 2)}" height="${round(bh, 2)}" fill="#6366f1"><title>${n} CAS carried ${k} writes</title></rect><text class="plot-note" x="${round(42 + i * bw + bw / 2 - 1.5, 2)}" y="${h - 12}" text-anchor="middle">${k}</text>`;
  });
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  return `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${parts.join("")}<line x1="40" x2="${w - 6}" y1="${h - 26}" y2="${h - 26}" stroke="#cbd5e1"/></svg><p class="plot-note">${counts.length} manifest CAS, ${round(mean, 2)} writes each on average (x: writes per CAS, bar: how many CAS).</p>`;
}

export function renderPlots(events: readonly TraceEvent[]): string {
  return `<div class="plots">${plotCard("Store latency per operation (p50 / p90 / p99, max)", latencyPlot(storeLatencyTable(events)))}${plotCard("Share of store calls answered 429, over time", rateLimitPlot(events))}${plotCard("Writes per manifest CAS", writesPerCasPlot(events))}</div>`;
}

// ---- page assets ----

export const TRACE_VIEWER_CSS = `
.tv{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:16px 0}
.tv h3{margin:0 0 2px}.tv .replay{margin-top:4px;color:#334155;background:#f1f5f9;display:inline-block;padding:2px 6px;border-radius:4px}
.tv-violation{margin:10px 0;padding:8px 12px;border-left:4px solid var(--red);background:#fdecea;color:#7f1d1d;border-radius:4px}
.tv-pass{margin:10px 0;padding:8px 12px;border-left:4px solid var(--green);background:#e6f6ea;border-radius:4px}
.tv-tools{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin:6px 0}
.tv-tools button{border:1px solid var(--line);background:#fff;border-radius:5px;padding:2px 9px;cursor:pointer;font-size:13px}
.tv-tools button:hover{background:#eef2f7}
.legend{display:flex;flex-wrap:wrap;gap:10px;margin-left:12px;font-size:12px;color:var(--muted)}
.lg{display:inline-flex;align-items:center;gap:3px}
.pause-swatch{fill:#fde68a;stroke:#d97706;stroke-dasharray:2 2}
.tv-body{display:flex;border:1px solid var(--line);border-radius:6px;max-height:560px;overflow-y:auto}
.tv-labels{flex:0 0 130px;border-right:1px solid var(--line);background:#fbfcfd}
.lane-label{height:${LANE_HEIGHT_PX}px;line-height:${LANE_HEIGHT_PX}px;font:11.5px ui-monospace,Menlo,monospace;padding:0 6px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.lane-label.killed{color:#b91c1c}
.tv-scroll{flex:1;overflow-x:auto}
.tv-svg{display:block}
.tv-svg .grid{stroke:#eef1f5}.tv-svg .tick{font:10px system-ui;fill:#8492a6}
.tv-svg .lane-alt{fill:#f8fafc}
.tv-svg .life{stroke:#cbd5e1;stroke-width:2}
.tv-svg .pause{fill:#fde68a;fill-opacity:.7;stroke:#d97706;stroke-dasharray:3 2}
.tv-svg .ev{cursor:pointer}
.tv-svg .lease{fill:#059669}.tv-svg .commit{fill:#1e3a8a}
.tv-svg .kill{stroke:#dc2626;stroke-width:2.5;fill:none}
.tv-svg .edge{stroke:#64748b;stroke-width:1.5}
.tv-svg .tickmark{stroke:#94a3b8;stroke-width:1}
.tv-svg .ack{stroke:#16a34a;stroke-width:2.5}
.tv-svg .ack-link{stroke:#16a34a;stroke-opacity:.35;stroke-width:1}
.tv-svg .store.cas{stroke:#1e3a8a;stroke-width:1}
.tv-svg .evidence.flash{animation:tv-flash 1s ease-in-out 3}
@keyframes tv-flash{50%{stroke-width:6;stroke-opacity:.5}}
.tv-minimap{display:block;width:100%;height:34px;margin:2px 0 6px;background:#fbfcfd;border:1px solid var(--line);border-radius:4px;cursor:pointer}
.tv-minimap .mini-bar{fill:#94a3b8}.tv-minimap .mini-ack{stroke:#16a34a;stroke-width:1}
.tv-minimap .mini-kill{stroke:#f97316;stroke-width:1.5}.tv-minimap .mini-cited{stroke:#dc2626;stroke-width:2}
.tv-minimap .mini-violation{stroke:#dc2626;stroke-width:2;stroke-dasharray:4 2}
.tv-minimap .mini-window{fill:#3b82f6;fill-opacity:.12;stroke:#1d4ed8;stroke-width:1.5;vector-effect:non-scaling-stroke}
.tv-svg .violation-dot{fill:#dc2626}
.tv-svg .evidence{fill:none;stroke:#dc2626;stroke-width:2.5;pointer-events:none}
.tv-svg .violation-line{stroke:#dc2626;stroke-width:2;stroke-dasharray:6 3}
.tv-svg .violation-label{font:bold 11px system-ui;fill:#b91c1c}
.tv-svg .selected{stroke:#111827;stroke-width:2.5}
.tv-detail{margin:6px 0;padding:6px 8px;background:#f8fafc;border:1px dashed var(--line);border-radius:4px;min-height:28px;white-space:pre-wrap}
.tv-events-table{margin:10px 0}.tv-events-table summary{cursor:pointer;font-weight:600;margin-bottom:6px}
.tv-events-table tr.cited td{background:#fdecea}
.plots{display:flex;flex-wrap:wrap;gap:14px;margin-top:10px}
.plot{margin:0;background:#fbfcfd;border:1px solid var(--line);border-radius:6px;padding:8px 10px;flex:1 1 440px}
.plot figcaption{font-weight:600;font-size:13px;margin-bottom:4px}
.plot-label{font:12px ui-monospace,Menlo,monospace;fill:#1e293b}.plot-note{font-size:11px;fill:#64748b;color:#64748b;margin:2px 0}
.nodata{font-size:12.5px}
`;

/** Drawing, zoom, minimap, jump-to-violation and click-for-details for every viewer on the page. */
export const TRACE_VIEWER_JS = readFileSync(new URL("./assets/timeline.js", import.meta.url), "utf8");

/** A whole page for one seed: what `blobsim replay --html F` writes. */
export function traceViewerPage(view: TraceViewInput): string {
  const body = `<main><h1>blobsim replay</h1><p class="muted">One seed's run, a lane per process. Same seed, same run: <code>${escapeHtml(view.replay)}</code></p>${renderTraceView(view, { plots: true })}</main>`;
  return htmlPage(`blobsim ${view.title}`, BASE_CSS + TRACE_VIEWER_CSS, body, TRACE_VIEWER_JS);
}

/** Events a replay page keeps at most; `--trace` has them all. */
export const REPLAY_PAGE_EVENTS_MAX = 20_000;

/** The page `blobsim replay … --html F` writes for one seed run (kept full-trace). */
export function replayPage(run: SeedRun): string {
  const { result } = run;
  const variant = result.variant;
  return traceViewerPage({
    title: `${result.scenario} seed ${result.seed}${variant ? ` with ${variant}` : ""}`,
    scenario: result.scenario,
    seed: result.seed,
    variant,
    traceHash: result.traceHash,
    // A page stays openable: long runs keep process life, leases, commits and the events
    // nearest the violation; --trace has them all.
    events: capEvents(run.trace, REPLAY_PAGE_EVENTS_MAX, result.violation?.atMs ?? null, run.violationEvents),
    totalEvents: result.events,
    violation: result.violation,
    evidence: run.violationEvents.filter((event) => event.k !== "violation"),
    replay: replayCommand(result),
  });
}
