/** report.md: the traceability report in Markdown, for a pull request or a sign-off ticket. */
import { coverageMarkdown } from "./coverage.ts";
import type { CriterionStatus, ReportData } from "./evidence.ts";
import { formatPower } from "./detection-power.ts";
import { PLACEMENT_COLUMNS, placementCells } from "./placement.ts";

const STATUS_TEXT: Record<CriterionStatus, string> = {
  proven: "✅ proven",
  passing: "🟦 passing",
  failing: "❌ failing",
  incomplete: "🟧 incomplete evidence",
  "no-evidence": "⬜ no evidence yet",
};

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function reportMarkdown(report: ReportData): string {
  const s = report.summary;
  const lines: string[] = [];
  lines.push("# blobsim traceability report", "");
  lines.push(
    `Generated ${report.generatedAt} · ${report.mode === "merged" ? `merged from ${report.inputs.length} run --json files${report.shards.length ? ` (shards ${report.shards.join(", ")})` : ""}` : "evidence run by `blobsim report`"} · ${s.seeds} seeds over ${s.scenariosRun} scenarios · ${s.wallS} s wall`,
    "",
  );
  lines.push("## Sign-off (SIGN-1)", "");
  lines.push(`**${report.signOff.verdict}**`, "");
  if (!report.signOff.complete)
    lines.push("Evidence missing:", "", ...report.signOff.missing.map((m) => `- ${cell(m)}`), "");
  lines.push("| gate criterion | status |", "|---|---|");
  for (const g of report.signOff.gate) lines.push(`| ${g.id} | ${STATUS_TEXT[g.status]} |`);
  lines.push("");
  lines.push(
    `- Decision boundary applied per profile (PLC-1): ${STATUS_TEXT[report.signOff.placement]}`,
    `- Risk register rated: ${report.signOff.risksRated ? "yes, every risk below has a residual" : "no"}`,
    `- Criteria: ${s.proven} proven, ${s.passing} passing (checker not yet shown able to fail), ${s.failing} failing, ${s.incomplete} with incomplete evidence, ${s.noEvidence} without evidence, of ${s.criteria}`,
    `- Forensic variants: ${s.variantsHolding} of ${s.variants} hold (recorded seed fails, real engine passes it)`,
    "",
  );
  if (report.warnings.length > 0) {
    lines.push("**Warnings**", "");
    for (const w of report.warnings) lines.push(`- ${w}`);
    lines.push("");
  }

  lines.push("## Criteria", "");
  lines.push(
    "| ID | level | criterion | status | scenarios run | seeds (failed) | variants proving the checker | note |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const c of report.criteria) {
    const proving = c.variants.filter((v) => v.proves).map((v) => `${v.variant} → ${v.scenario}`);
    lines.push(
      `| ${c.id} | ${c.level} | ${cell(c.title)} | ${STATUS_TEXT[c.status]} | ${c.scenarios.map((id) => `\`${id}\``).join(", ") || "—"} | ${c.seeds ? `${c.seeds} (${c.failedSeeds})` : "—"} | ${proving.join(", ") || "—"} | ${cell(c.note)}${c.firstFailure ? ` — first: \`${c.firstFailure.replay}\`` : ""} |`,
    );
  }
  lines.push("");

  lines.push("## Risk register", "");
  lines.push("| ID | risk | criteria | scenarios | residual (target) | basis |", "|---|---|---|---|---|---|");
  for (const r of report.risks) {
    lines.push(
      `| ${r.id} | ${cell(r.title)} | ${r.criteria.map((c) => `${c.id} ${c.status}`).join(", ")} | ${r.scenarios.map((id) => `\`${id}\``).join(", ") || "—"} | **${r.residual}** (${r.target}) | ${cell(r.basis)} |`,
    );
  }
  lines.push("");

  if (report.placement.length > 0) {
    lines.push("## Placement (PLC-1)", "", "Medians over the seeds of `experiments.placement`.", "");
    lines.push(`| ${PLACEMENT_COLUMNS.join(" | ")} |`, `|${PLACEMENT_COLUMNS.map(() => "---").join("|")}|`);
    for (const row of report.placement) lines.push(`| ${placementCells(row).map(cell).join(" | ")} |`);
    lines.push("");
  }

  lines.push("## Forensic variants", "");
  lines.push(
    "| variant | title | recorded | still fails | same trace hash | real engine passes | proves | problems |",
    "|---|---|---|---|---|---|---|---|",
  );
  for (const v of report.variants) {
    const yes = (b: boolean) => (v.buggy ? (b ? "yes" : "**NO**") : "—");
    lines.push(
      `| ${v.variant} | ${cell(v.title)} | ${v.recorded ? `\`${v.recorded.scenario}\` seed ${v.recorded.seed}` : "**none**"} | ${yes(v.reproduces)} | ${yes(v.sameHash)} | ${yes(v.realPasses)} | ${v.proves.join(", ") || "—"} | ${cell(v.problems.join("; ")) || "—"} |`,
    );
  }
  lines.push("");

  lines.push(...coverageMarkdown(report.coverage));

  lines.push("## Scenarios", "");
  lines.push(
    "Detection power: the chance the main job's default seeds find a bug that fails 5% of a scenario's seeds, 1 − 0.95^seeds.",
    "",
    "| scenario | lane | criteria | seeds | failed | main-job seeds (detection power) | first failure |",
    "|---|---|---|---|---|---|---|",
  );
  for (const sc of report.scenarios) {
    const f = sc.failures[0];
    lines.push(
      `| \`${sc.id}\` | ${sc.lane} | ${sc.criteria.join(", ")} | ${sc.seeds ? `${sc.seeds} (${sc.seedRanges})` : "not run"} | ${sc.failed} | ${sc.defaultSeeds} (${formatPower(sc.detectionPower)}) | ${f ? `seed ${f.seed} ${f.invariant}: \`${f.replay}\`` : "—"} |`,
    );
  }
  const withMetrics = report.scenarios.filter((sc) => Object.keys(sc.metrics).length > 0);
  if (withMetrics.length > 0) {
    lines.push("", "### Metrics (min / median / max over seeds)", "");
    for (const sc of withMetrics) {
      lines.push(
        `- \`${sc.id}\`: ${Object.entries(sc.metrics)
          .map(([name, m]) => `${name} ${m.min} / ${m.median} / ${m.max}`)
          .join("; ")}`,
      );
    }
  }
  lines.push("");
  return lines.join("\n");
}
