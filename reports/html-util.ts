/** Small helpers shared by the HTML report and the trace viewer: escaping, numbers, the page shell. */

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** JSON for an inline <script type="application/json">: `</script>` and friends cannot end it. */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

export function round(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return String(value);
  const factor = 10 ** digits;
  return String(Math.round(value * factor) / factor);
}

/** The value at quantile q (0..1) of an ascending-sorted list, nearest rank. */
export function quantile(sortedAscending: readonly number[], q: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.min(sortedAscending.length - 1, Math.max(0, Math.ceil(q * sortedAscending.length) - 1));
  return sortedAscending[rank]!;
}

/** A whole self-contained HTML document: inline CSS and JS, nothing fetched from the network. */
export function htmlPage(title: string, css: string, body: string, script: string): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network: inline styles and scripts only; images only as data: URLs.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${css}</style>`,
    "</head>",
    "<body>",
    body,
    `<script>${script}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

export const BASE_CSS = `
:root{--fg:#1d2430;--muted:#687385;--line:#e3e7ee;--bg:#f7f8fa;--card:#fff;--red:#c62828;--green:#1e8e3e;
--amber:#b26a00;--blue:#1f6feb;--grey:#9aa4b2;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font-size:14px;line-height:1.45}
main{max-width:1280px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}h3{font-size:15px;margin:18px 0 8px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.muted{color:var(--muted)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:12px 0}
table{border-collapse:collapse;width:100%;background:var(--card)}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);background:#fbfcfd;position:sticky;top:0}
.pill{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;white-space:nowrap}
.pill.proven{background:#dcf3e3;color:#11622a}.pill.passing{background:#e3edff;color:#174ea6}
.pill.failing{background:#fde2e1;color:#a50e0e}.pill.no-evidence{background:#eceff3;color:#5f6b7a}
.pill.incomplete{background:#fff1d6;color:#8a5300}
.pill.Low{background:#dcf3e3;color:#11622a}.pill.Med{background:#fff1d6;color:#8a5300}
.pill.High{background:#fde2e1;color:#a50e0e}.pill.Critical{background:#a50e0e;color:#fff}
.banner{border-radius:8px;padding:14px 18px;margin:14px 0;font-size:15px;border:1px solid}
.banner.green{background:#e6f6ea;border-color:#9fd8ae;color:#0d5323}
.banner.red{background:#fdecea;border-color:#f4b4ae;color:#8c1d18}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px}
.kpi b{display:block;font-size:20px}.kpi span{font-size:12px;color:var(--muted)}
a{color:var(--blue);text-decoration:none}a:hover{text-decoration:underline}
`;
