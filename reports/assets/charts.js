/*
 * The report's charts, drawn in the browser with Observable Plot (inlined with d3 beside this
 * script; no network) from the chart data reports/charts.ts embeds as #chart-data. Every mark
 * that draws a data series has the class "series", so a test can count them.
 */
(function () {
  "use strict";
  var holder = document.getElementById("chart-data");
  if (!holder || typeof Plot === "undefined") return;
  var data = JSON.parse(holder.textContent);
  var QUADRANT = { green: "#1e8e3e", amber: "#d97706", red: "#c62828" };
  var STATUS = { proven: "#34a853", passing: "#4c8bf5", failing: "#d93025", "no-evidence": "#b8c0cc" };
  var OP = { put: "#2563eb", cond_put: "#7c3aed", get: "#0891b2" };
  var WIDTH = 560;
  var S = "series";

  function bytesLabel(b) {
    if (b >= 1048576) return b / 1048576 + " MB";
    if (b >= 1024) return b / 1024 + " KB";
    return b + " B";
  }

  var charts = {
    placement: function (c) {
      var xs = c.profiles.map(function (p) {
        return p.writesPerSPerDatabase;
      });
      var ys = c.profiles.map(function (p) {
        return p.p99OfBudget;
      });
      var xMin = Math.min(0.01, d3.min(xs) / 2);
      var xMax = Math.max(c.sequentialCommitsPerS * 10, d3.max(xs) * 3);
      var yMin = Math.min(0.05, d3.min(ys) / 2);
      var yMax = Math.max(3, d3.max(ys) * 2);
      var regions = [
        {
          region: "green: fits, one-at-a-time commits keep up",
          x1: xMin,
          x2: c.sequentialCommitsPerS,
          y1: yMin,
          y2: 1,
          fill: QUADRANT.green,
        },
        {
          region: "amber: fits, lives on group commit",
          x1: c.sequentialCommitsPerS,
          x2: xMax,
          y1: yMin,
          y2: 1,
          fill: QUADRANT.amber,
        },
        {
          region: "red: p99 over budget, coupled Postgres",
          x1: xMin,
          x2: xMax,
          y1: 1,
          y2: yMax,
          fill: QUADRANT.red,
        },
      ];
      return Plot.plot({
        width: WIDTH,
        height: 340,
        marginRight: 110,
        // Plain decimals: the default SI ticks print 0.01 as "10m", which reads as minutes.
        x: {
          type: "log",
          domain: [xMin, xMax],
          label: "writes/s on one database →",
          grid: true,
          tickFormat: "~g",
        },
        y: {
          type: "log",
          domain: [yMin, yMax],
          label: "↑ p99 commit ÷ budget",
          grid: true,
          tickFormat: "~g",
        },
        marks: [
          Plot.rect(regions, {
            x1: "x1",
            x2: "x2",
            y1: "y1",
            y2: "y2",
            fill: "fill",
            fillOpacity: 0.13,
            title: "region",
            className: S,
          }),
          Plot.ruleY([1], { stroke: QUADRANT.red, strokeDasharray: "4 3" }),
          Plot.ruleX([c.sequentialCommitsPerS], { stroke: QUADRANT.amber, strokeDasharray: "4 3" }),
          Plot.dot(c.profiles, {
            x: "writesPerSPerDatabase",
            y: "p99OfBudget",
            r: 6,
            fill: function (p) {
              return QUADRANT[p.quadrant] || "#64748b";
            },
            stroke: "#1d2430",
            title: function (p) {
              return (
                p.profile +
                ": " +
                p.quadrant +
                "\n" +
                p.writesPerSPerDatabase +
                " writes/s per database\np99 " +
                p.p99Ms +
                " ms of " +
                p.p99BudgetMs +
                " ms budget"
              );
            },
            className: S,
          }),
          Plot.text(c.profiles, {
            x: "writesPerSPerDatabase",
            y: "p99OfBudget",
            text: function (p) {
              return p.profile + " (" + p.quadrant + ")";
            },
            dx: 9,
            textAnchor: "start",
            fontSize: 11,
            className: S,
          }),
        ],
      });
    },
    groupCommit: function (c) {
      var pts = c.points;
      return Plot.plot({
        width: WIDTH,
        height: 300,
        marginRight: 70,
        x: {
          type: "log",
          base: 2,
          label: "concurrent writers →",
          ticks: pts.map(function (p) {
            return p.writers;
          }),
          tickFormat: "d",
          grid: true,
        },
        y: { type: "log", label: "↑ per second", grid: true },
        marks: [
          Plot.ruleY([c.casCapPerS], { stroke: "#94a3b8", strokeDasharray: "4 3" }),
          Plot.line(pts, {
            x: "writers",
            y: function (p) {
              return p.commitsPerS.median;
            },
            stroke: "#2563eb",
            strokeWidth: 2,
            marker: "circle",
            className: S,
          }),
          Plot.line(pts, {
            x: "writers",
            y: function (p) {
              return p.casPerS.median;
            },
            stroke: "#ea580c",
            strokeWidth: 2,
            marker: "circle",
            className: S,
          }),
          Plot.text(pts.slice(-1), {
            x: "writers",
            y: function (p) {
              return p.commitsPerS.median;
            },
            text: function () {
              return "acked commits/s";
            },
            dx: -8,
            dy: -6,
            textAnchor: "end",
            fill: "#2563eb",
          }),
          Plot.text(pts.slice(-1), {
            x: "writers",
            y: function (p) {
              return p.casPerS.median;
            },
            text: function () {
              return "manifest CAS/s";
            },
            dy: -10,
            textAnchor: "end",
            fill: "#ea580c",
          }),
          Plot.tip(
            pts,
            Plot.pointerX({
              x: "writers",
              y: function (p) {
                return p.commitsPerS.median;
              },
              title: function (p) {
                return (
                  p.writers +
                  " writers: " +
                  p.commitsPerS.median +
                  " commits/s (" +
                  p.commitsPerS.min +
                  "–" +
                  p.commitsPerS.max +
                  "), " +
                  p.casPerS.median +
                  " CAS/s, " +
                  p.writesPerCas +
                  " writes per CAS"
                );
              },
            }),
          ),
        ],
      });
    },
    latency: function (c) {
      var marks = [
        Plot.areaY(c.band, {
          x: "bytes",
          y1: "lowMs",
          y2: "highMs",
          fill: "#16a34a",
          fillOpacity: 0.15,
          className: S,
        }),
        Plot.text(c.band.slice(2, 3), {
          x: "bytes",
          y: "highMs",
          text: function () {
            return "E0 reference band";
          },
          dy: -8,
          fill: "#15803d",
          fontSize: 11,
        }),
      ];
      ["put", "cond_put", "get"].forEach(function (op) {
        var rows = c.store.filter(function (r) {
          return r.op === op;
        });
        marks.push(
          Plot.line(rows, {
            x: "bytes",
            y: function (r) {
              return r.p50Ms.median;
            },
            stroke: OP[op],
            strokeWidth: 2,
            marker: "circle",
            className: S,
          }),
          Plot.text(rows.slice(-1), {
            x: "bytes",
            y: function (r) {
              return r.p50Ms.median;
            },
            text: function () {
              return op + " p50";
            },
            dx: 6,
            // put and conditional put sit on top of each other: their labels do not.
            dy: op === "put" ? -10 : op === "cond_put" ? 4 : 0,
            textAnchor: "start",
            fill: OP[op],
            fontSize: 11,
          }),
        );
      });
      marks.push(
        Plot.dot(c.commits, {
          x: "bytes",
          y: "p50Ms",
          symbol: "diamond",
          r: 5,
          fill: "#1d2430",
          title: function (r) {
            return r.profile + ": commit p50 " + r.p50Ms + " ms, p99 " + r.p99Ms + " ms (Exp 1)";
          },
          className: S,
        }),
      );
      return Plot.plot({
        width: WIDTH,
        height: 320,
        marginRight: 80,
        x: {
          type: "log",
          label: "object / write size →",
          ticks: [1024, 16384, 262144, 1048576, 4194304, 16777216],
          tickFormat: bytesLabel,
          grid: true,
        },
        y: { type: "log", label: "↑ ms (p50)", grid: true },
        marks: marks,
      });
    },
    contention: function (c) {
      var pts = c.points;
      return Plot.plot({
        width: WIDTH,
        height: 300,
        marginRight: 110,
        x: {
          type: "log",
          base: 2,
          label: "writers →",
          ticks: pts.map(function (p) {
            return p.writers;
          }),
          tickFormat: "d",
          grid: true,
        },
        y: { type: "log", label: "↑ commits/s", grid: true },
        marks: [
          Plot.ruleY([c.expectedCeilingPerS], { stroke: "#c62828", strokeDasharray: "4 3" }),
          Plot.line(pts, {
            x: "writers",
            y: function (p) {
              return p.independentPerS.median;
            },
            stroke: "#2563eb",
            strokeWidth: 2,
            marker: "circle",
            className: S,
          }),
          Plot.line(pts, {
            x: "writers",
            y: function (p) {
              return p.contendedPerS.median;
            },
            stroke: "#c62828",
            strokeWidth: 2,
            marker: "circle",
            className: S,
          }),
          Plot.text(pts.slice(-1), {
            x: "writers",
            y: function (p) {
              return p.independentPerS.median;
            },
            text: function () {
              return "own rows";
            },
            dx: 6,
            textAnchor: "start",
            fill: "#2563eb",
          }),
          Plot.text(pts.slice(-1), {
            x: "writers",
            y: function (p) {
              return p.contendedPerS.median;
            },
            text: function () {
              return "one row (the wall)";
            },
            dx: 6,
            dy: -8,
            textAnchor: "start",
            fill: "#c62828",
          }),
        ],
      });
    },
    cost: function (c) {
      return Plot.plot({
        width: WIDTH,
        height: 240,
        marginTop: 30,
        marginLeft: 210,
        marginRight: 40,
        x: {
          label: "US$ per month →",
          grid: true,
          domain: [
            0,
            Math.max(
              c.bandUsd.high * 1.5,
              d3.max(c.parts, function (p) {
                return p.usd.max;
              }) * 1.1,
            ),
          ],
        },
        y: {
          label: null,
          domain: c.parts.map(function (p) {
            return p.part;
          }),
        },
        marks: [
          Plot.rectX([c.bandUsd], { x1: "low", x2: "high", fill: "#16a34a", fillOpacity: 0.2, className: S }),
          Plot.text([c.bandUsd], {
            x: "high",
            frameAnchor: "top",
            text: function () {
              return "reference band $" + c.bandUsd.low + "–" + c.bandUsd.high;
            },
            // Above the frame, in the top margin, so no bar covers it.
            dx: 4,
            dy: -16,
            textAnchor: "start",
            fill: "#15803d",
            fontSize: 11,
          }),
          Plot.barX(c.parts, {
            y: "part",
            x: function (p) {
              return p.usd.median;
            },
            fill: function (p) {
              return p.part === "store after free tier" ? "#c2410c" : "#94a3b8";
            },
            className: S,
            title: function (p) {
              return p.part + ": $" + p.usd.median + " (" + p.usd.min + "–" + p.usd.max + ")";
            },
          }),
          Plot.ruleY(c.parts, {
            y: "part",
            x1: function (p) {
              return p.usd.min;
            },
            x2: function (p) {
              return p.usd.max;
            },
            stroke: "#1d2430",
          }),
        ],
      });
    },
    criteria: function (rows) {
      var passed = rows.map(function (r) {
        return { id: r.id, status: r.status, n: r.seeds - r.failedSeeds };
      });
      var failed = rows
        .filter(function (r) {
          return r.failedSeeds > 0;
        })
        .map(function (r) {
          return { id: r.id, from: r.seeds - r.failedSeeds, to: r.seeds };
        });
      return Plot.plot({
        width: WIDTH * 2,
        height: 22 + rows.length * 11,
        marginLeft: 70,
        x: { label: "seeds run (red: failed) →", grid: true, axis: "top" },
        y: {
          label: null,
          domain: rows.map(function (r) {
            return r.id;
          }),
          tickSize: 0,
        },
        style: { fontSize: "9px" },
        marks: [
          Plot.barX(passed, {
            y: "id",
            x: "n",
            fill: function (r) {
              return STATUS[r.status] || "#94a3b8";
            },
            title: function (r) {
              return r.id + ": " + r.n + " seeds passed (" + r.status + ")";
            },
            className: S,
          }),
          Plot.barX(failed, { y: "id", x1: "from", x2: "to", fill: "#d93025", className: S }),
        ],
      });
    },
  };

  document.querySelectorAll("figure.chart[data-chart]").forEach(function (figure) {
    var name = figure.getAttribute("data-chart");
    var input = data[name];
    if (input === null || input === undefined || !charts[name]) return;
    try {
      figure.querySelector(".chart-body").appendChild(charts[name](input));
      figure.setAttribute("data-rendered", "yes");
    } catch (error) {
      figure.setAttribute("data-rendered", "error");
      figure.querySelector(".chart-body").textContent = "chart failed: " + error.message;
      console.error(error);
    }
  });
})();
