/*
 * The trace viewer's browser half (inlined into the replay page and report.html; no network).
 * Each `.tv` section holds its seed's events as gzip+base64 JSON (`script.tv-data`), written by
 * reports/trace-viewer.ts. The timeline is drawn here, when the section is first shown (a folded
 * report timeline costs nothing until opened), and redrawn at each zoom level rather than
 * stretched, so text and markers keep their size. Also here: the minimap (event density over the
 * whole run, the visible window, click to go), ack-to-CAS links, click-for-details, and "jump to
 * violation", which frames the events the violation cites rather than the final check.
 */
(function () {
  "use strict";
  var LANE_PX = 18;
  var AXIS_PX = 26;
  var BASE_WIDTH_PX = 1000;
  var MINIMAP_PX = 34;
  var COLOURS = {
    ok: "#3b82f6",
    precondition: "#f59e0b",
    ratelimit: "#eab308",
    notfound: "#06b6d4",
    ambiguous: "#8b5cf6",
    error: "#dc2626",
  };
  var SVG_NS = "http://www.w3.org/2000/svg";

  function outcomeClass(outcome) {
    var text = String(outcome === undefined || outcome === null ? "ok" : outcome).toLowerCase();
    if (/429|rate/.test(text)) return "ratelimit";
    if (/412|precondition/.test(text)) return "precondition";
    if (/404|not.?found|miss|null/.test(text)) return "notfound";
    if (/ambig/.test(text)) return "ambiguous";
    if (/^(ok|2\d\d|hit|found|success|true)$/.test(text)) return "ok";
    return "error";
  }
  var isAck = function (k) {
    return /(^|\.)ack(ed)?$/.test(k);
  };
  var isManifestCas = function (e) {
    return (
      e.k === "store.put" &&
      /manifest/.test(String((e.f && e.f.key) || "")) &&
      outcomeClass(e.f && e.f.outcome) === "ok"
    );
  };
  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function formatMs(ms) {
    if (ms >= 60000) return Math.round((ms / 60000) * 100) / 100 + " min";
    if (ms >= 1000) return Math.round((ms / 1000) * 100) / 100 + " s";
    return Math.round(ms * 100) / 100 + " ms";
  }
  function niceStep(spanMs, ticks) {
    var raw = Math.max(0.001, spanMs / ticks);
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= raw) return steps[i] * power;
    return 10 * power;
  }
  function describe(e) {
    var fields = e.f
      ? Object.keys(e.f)
          .map(function (k) {
            return k + "=" + String(e.f[k]);
          })
          .join(" ")
      : "";
    return ("t=" + e.t + "ms " + e.p + " " + e.k + " " + fields).trim();
  }

  async function decode(text) {
    var bytes = Uint8Array.from(atob(text.trim()), function (c) {
      return c.charCodeAt(0);
    });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  /** Compact form → events: {procs, kinds, ev: [[t, procIndex, kindIndex, fields|0]]}. */
  function expand(data) {
    return data.ev.map(function (row) {
      var e = { t: row[0], p: data.procs[row[1]], k: data.kinds[row[2]] };
      if (row[3]) e.f = row[3];
      return e;
    });
  }

  function lanesOf(events) {
    var lanes = new Map();
    events.forEach(function (e) {
      var lane = lanes.get(e.p);
      if (!lane) {
        lane = {
          name: e.p,
          index: lanes.size,
          startMs: null,
          endMs: null,
          endKind: null,
          pauses: [],
          first: e.t,
        };
        lanes.set(e.p, lane);
      }
      if (e.k === "proc.start") lane.startMs = e.t;
      if (e.k === "proc.kill" || e.k === "proc.exit" || e.k === "proc.crash") {
        lane.endMs = e.t;
        lane.endKind = e.k;
      }
      if (e.k === "proc.pause") lane.pauses.push({ fromMs: e.t, toMs: null });
      if (e.k === "proc.resume") {
        var open = lane.pauses.find(function (p) {
          return p.toMs === null;
        });
        if (open) open.toMs = e.t;
      }
    });
    return lanes;
  }

  /** Each ack's manifest CAS: the last successful manifest put at or before it. */
  function ackLinks(events) {
    var links = [];
    var lastCas = -1;
    events.forEach(function (e, i) {
      if (isManifestCas(e)) lastCas = i;
      else if (isAck(e.k) && lastCas >= 0) links.push([lastCas, i]);
    });
    return links;
  }

  function draw(view) {
    var events = view.events;
    var widthPx = Math.round(BASE_WIDTH_PX * view.zoom);
    var x = function (t) {
      return Math.round(((Math.max(0, t) / view.endMs) * (widthPx - 10) + 5) * 100) / 100;
    };
    var lanes = view.lanes;
    var laneY = function (name) {
      return AXIS_PX + lanes.get(name).index * LANE_PX;
    };
    var heightPx = AXIS_PX + lanes.size * LANE_PX + 6;
    var out = [];
    // Time axis: ticks spaced for this zoom (about one per 100 px), text at its natural size.
    var step = niceStep(view.endMs, widthPx / 100);
    for (var t = 0; t <= view.endMs; t += step) {
      out.push(
        '<line class="grid" x1="' +
          x(t) +
          '" x2="' +
          x(t) +
          '" y1="' +
          (AXIS_PX - 6) +
          '" y2="' +
          heightPx +
          '"/>',
        '<text class="tick" x="' +
          x(t) +
          '" y="' +
          (AXIS_PX - 10) +
          '" text-anchor="' +
          (t === 0 ? "start" : "middle") +
          '">' +
          esc(formatMs(t)) +
          "</text>",
      );
    }
    lanes.forEach(function (lane) {
      var y = laneY(lane.name);
      var mid = y + LANE_PX / 2;
      if (lane.index % 2 === 1)
        out.push(
          '<rect class="lane-alt" x="0" y="' + y + '" width="' + widthPx + '" height="' + LANE_PX + '"/>',
        );
      var from = lane.startMs !== null ? lane.startMs : lane.first;
      var to = lane.endMs !== null ? lane.endMs : view.endMs;
      out.push(
        '<line class="life" x1="' + x(from) + '" x2="' + x(to) + '" y1="' + mid + '" y2="' + mid + '"/>',
      );
      lane.pauses.forEach(function (pause) {
        var end = pause.toMs !== null ? pause.toMs : to;
        out.push(
          '<rect class="pause" x="' +
            x(pause.fromMs) +
            '" y="' +
            (y + 2) +
            '" width="' +
            Math.max(2, x(end) - x(pause.fromMs)) +
            '" height="' +
            (LANE_PX - 4) +
            '"><title>paused ' +
            pause.fromMs +
            "–" +
            end +
            " ms (zombie: its timers do not fire)</title></rect>",
        );
      });
    });
    // Ack → CAS links under the markers: which manifest CAS made each acked write durable.
    view.links.forEach(function (link) {
      var cas = events[link[0]];
      var ack = events[link[1]];
      out.push(
        '<line class="ack-link" x1="' +
          x(cas.t) +
          '" y1="' +
          (laneY(cas.p) + LANE_PX / 2) +
          '" x2="' +
          x(ack.t) +
          '" y2="' +
          (laneY(ack.p) + LANE_PX / 2) +
          '"/>',
      );
    });
    events.forEach(function (e, i) {
      var mid = laneY(e.p) + LANE_PX / 2;
      var cx = x(e.t);
      var data = ' data-i="' + i + '"';
      var tip = "<title>" + esc(describe(e)) + "</title>";
      if (e.k.indexOf("store.") === 0 && e.k !== "store.apply") {
        var ms = e.f && typeof e.f.ms === "number" ? e.f.ms : 0;
        var cls = outcomeClass(e.f && e.f.outcome);
        var x0 = x(e.t - ms);
        var cas = isManifestCas(e) ? " cas" : "";
        out.push(
          '<rect class="ev store ' +
            cls +
            cas +
            '"' +
            data +
            ' x="' +
            x0 +
            '" y="' +
            (mid - 4) +
            '" width="' +
            Math.max(1.5, cx - x0) +
            '" height="8" fill="' +
            COLOURS[cls] +
            '">' +
            tip +
            "</rect>",
        );
      } else if (e.k.indexOf("lease.") === 0) {
        out.push(
          '<path class="ev lease"' +
            data +
            ' d="M' +
            cx +
            " " +
            (mid - 6) +
            'l5 6l-5 6l-5-6z">' +
            tip +
            "</path>",
        );
      } else if (isAck(e.k)) {
        out.push(
          '<line class="ev ack"' +
            data +
            ' x1="' +
            cx +
            '" x2="' +
            cx +
            '" y1="' +
            (mid - 7) +
            '" y2="' +
            (mid + 7) +
            '">' +
            tip +
            "</line>",
        );
      } else if (e.k.indexOf("commit.") === 0 || e.k.indexOf("wal.") === 0) {
        out.push(
          '<circle class="ev commit"' + data + ' cx="' + cx + '" cy="' + mid + '" r="4">' + tip + "</circle>",
        );
      } else if (e.k === "proc.kill" || e.k === "proc.crash") {
        out.push(
          '<path class="ev kill"' +
            data +
            ' d="M' +
            (cx - 5) +
            " " +
            (mid - 5) +
            'l10 10m0 -10l-10 10">' +
            tip +
            "</path>",
        );
      } else if (e.k === "violation") {
        out.push(
          '<circle class="ev violation-dot"' +
            data +
            ' cx="' +
            cx +
            '" cy="' +
            mid +
            '" r="6">' +
            tip +
            "</circle>",
        );
      } else if (e.k === "proc.start" || e.k === "proc.exit") {
        out.push(
          '<line class="ev edge"' +
            data +
            ' x1="' +
            cx +
            '" x2="' +
            cx +
            '" y1="' +
            (mid - 6) +
            '" y2="' +
            (mid + 6) +
            '">' +
            tip +
            "</line>",
        );
      } else {
        out.push(
          '<line class="ev tickmark"' +
            data +
            ' x1="' +
            cx +
            '" x2="' +
            cx +
            '" y1="' +
            (mid - 3) +
            '" y2="' +
            (mid + 3) +
            '">' +
            tip +
            "</line>",
        );
      }
      if (view.cited.has(i)) {
        out.push(
          '<circle class="evidence"' +
            data +
            ' cx="' +
            cx +
            '" cy="' +
            mid +
            '" r="9"><title>cited by the violation: ' +
            esc(describe(e)) +
            "</title></circle>",
        );
      }
    });
    if (view.violation) {
      var vx = x(view.violation.atMs);
      out.push(
        '<line class="violation-line" x1="' +
          vx +
          '" x2="' +
          vx +
          '" y1="' +
          (AXIS_PX - 4) +
          '" y2="' +
          heightPx +
          '"/>',
        // Left of the line unless that would run off the start of the axis.
        '<text class="violation-label" x="' +
          (vx < 260 ? vx + 8 : vx - 4) +
          '" y="' +
          (AXIS_PX + 10) +
          '" text-anchor="' +
          (vx < 260 ? "start" : "end") +
          '">' +
          esc(view.violation.invariant) +
          " @ " +
          view.violation.atMs +
          " ms</text>",
      );
    }
    view.svg.setAttribute("width", String(widthPx));
    view.svg.setAttribute("height", String(heightPx));
    view.svg.setAttribute("viewBox", "0 0 " + widthPx + " " + heightPx);
    view.svg.innerHTML = out.join("");
    view.x = x;
    updateMinimapWindow(view);
  }

  function drawMinimap(view) {
    var buckets = 200;
    var counts = new Array(buckets).fill(0);
    var marks = [];
    view.events.forEach(function (e, i) {
      var b = Math.min(buckets - 1, Math.floor((e.t / view.endMs) * buckets));
      counts[b]++;
      if (view.cited.has(i)) marks.push({ t: e.t, cls: "mini-cited" });
      else if (e.k === "proc.kill" || e.k === "proc.crash") marks.push({ t: e.t, cls: "mini-kill" });
      else if (isAck(e.k)) marks.push({ t: e.t, cls: "mini-ack" });
    });
    var top = Math.max.apply(null, counts.concat([1]));
    var w = BASE_WIDTH_PX;
    var bw = w / buckets;
    var out = [];
    counts.forEach(function (n, b) {
      if (n === 0) return;
      var h = Math.max(1, (n / top) * (MINIMAP_PX - 8));
      out.push(
        '<rect class="mini-bar" x="' +
          (b * bw).toFixed(2) +
          '" y="' +
          (MINIMAP_PX - h).toFixed(2) +
          '" width="' +
          Math.max(1, bw - 0.5).toFixed(2) +
          '" height="' +
          h.toFixed(2) +
          '"/>',
      );
    });
    marks.forEach(function (m) {
      var mx = ((m.t / view.endMs) * w).toFixed(2);
      out.push(
        '<line class="' +
          m.cls +
          '" x1="' +
          mx +
          '" x2="' +
          mx +
          '" y1="0" y2="' +
          (m.cls === "mini-ack" ? 6 : MINIMAP_PX) +
          '"/>',
      );
    });
    if (view.violation) {
      var vx = ((view.violation.atMs / view.endMs) * w).toFixed(2);
      out.push(
        '<line class="mini-violation" x1="' + vx + '" x2="' + vx + '" y1="0" y2="' + MINIMAP_PX + '"/>',
      );
    }
    out.push('<rect class="mini-window" x="0" y="0" width="' + w + '" height="' + MINIMAP_PX + '"/>');
    view.minimap.setAttribute("viewBox", "0 0 " + w + " " + MINIMAP_PX);
    view.minimap.setAttribute("preserveAspectRatio", "none");
    view.minimap.innerHTML = out.join("");
  }

  function updateMinimapWindow(view) {
    var win = view.minimap.querySelector(".mini-window");
    if (!win) return;
    var total = view.svg.width.baseVal.value || 1;
    var from = (view.scroll.scrollLeft / total) * BASE_WIDTH_PX;
    var width = Math.min(BASE_WIDTH_PX, (view.scroll.clientWidth / total) * BASE_WIDTH_PX);
    win.setAttribute("x", from.toFixed(2));
    win.setAttribute("width", Math.max(2, width).toFixed(2));
  }

  /** Zoom to `zoom`, keeping simulated time `centreMs` at fraction `at` of the visible width. */
  function zoomTo(view, zoom, centreMs, at) {
    view.zoom = Math.max(1, Math.min(4096, zoom));
    draw(view);
    var px = view.x(centreMs);
    view.scroll.scrollLeft = Math.max(0, px - view.scroll.clientWidth * at);
    updateMinimapWindow(view);
  }

  function visibleCentreMs(view) {
    var total = view.svg.width.baseVal.value || 1;
    return ((view.scroll.scrollLeft + view.scroll.clientWidth / 2) / total) * view.endMs;
  }

  /** The span of the cited events (the violation's causes), or the violation's instant. */
  function causalSpan(view) {
    var times = [];
    view.cited.forEach(function (i) {
      if (view.events[i].k !== "violation") times.push(view.events[i].t);
    });
    if (times.length === 0)
      return view.violation ? { from: view.violation.atMs, to: view.violation.atMs } : null;
    return { from: Math.min.apply(null, times), to: Math.max.apply(null, times) };
  }

  function jumpToCauses(view) {
    var span = causalSpan(view);
    if (!span) return;
    var spanMs = Math.max(span.to - span.from, view.endMs / 2000, 1);
    // The causes fill about 70% of the visible width.
    var zoom = (0.7 * view.scroll.clientWidth * view.endMs) / (spanMs * (BASE_WIDTH_PX - 10));
    zoomTo(view, zoom, span.from, 0.15);
    view.svg.querySelectorAll(".evidence").forEach(function (el) {
      el.classList.add("flash");
    });
    view.root.setAttribute("data-jumped", span.from + "-" + span.to);
  }

  async function init(root) {
    var holder = root.querySelector("script.tv-data");
    if (!holder || root.getAttribute("data-drawn")) return;
    root.setAttribute("data-drawn", "pending");
    var data = await decode(holder.textContent);
    var events = expand(data);
    var view = {
      root: root,
      events: events,
      lanes: lanesOf(events),
      links: ackLinks(events),
      cited: new Set(data.cited),
      violation: data.violation,
      endMs: Math.max(
        1,
        data.violation ? data.violation.atMs : 0,
        events.length ? events[events.length - 1].t : 0,
      ),
      zoom: 1,
      svg: root.querySelector(".tv-svg"),
      scroll: root.querySelector(".tv-scroll"),
      minimap: root.querySelector(".tv-minimap"),
    };
    root.querySelector(".tv-labels").innerHTML = Array.from(view.lanes.values())
      .map(function (lane) {
        return (
          '<div class="lane-label' +
          (lane.endKind === "proc.kill" ? " killed" : "") +
          '" title="' +
          esc(lane.name) +
          '">' +
          esc(lane.name) +
          "</div>"
        );
      })
      .join("");
    drawMinimap(view);
    draw(view);
    root.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var kind = button.getAttribute("data-zoom");
        if (kind === "fit") zoomTo(view, 1, 0, 0);
        else zoomTo(view, kind === "in" ? view.zoom * 2 : view.zoom / 2, visibleCentreMs(view), 0.5);
      });
    });
    var jump = root.querySelector("[data-jump]");
    if (jump)
      jump.addEventListener("click", function () {
        jumpToCauses(view);
      });
    view.scroll.addEventListener("scroll", function () {
      updateMinimapWindow(view);
    });
    view.minimap.addEventListener("click", function (ev) {
      var box = view.minimap.getBoundingClientRect();
      var atMs = ((ev.clientX - box.left) / box.width) * view.endMs;
      zoomTo(view, Math.max(view.zoom, 4), atMs, 0.5);
    });
    var detail = root.querySelector(".tv-detail");
    var selected = null;
    view.svg.addEventListener("click", function (ev) {
      var el = ev.target.closest("[data-i]");
      if (!el) return;
      var e = events[Number(el.getAttribute("data-i"))];
      if (!e) return;
      if (selected) selected.classList.remove("selected");
      selected = el;
      el.classList.add("selected");
      detail.textContent =
        "t=" +
        e.t +
        " ms  process=" +
        e.p +
        "  kind=" +
        e.k +
        (e.f ? "\n" + JSON.stringify(e.f, null, 1) : "");
    });
    root.setAttribute("data-drawn", "yes");
  }

  function initWhenShown(root) {
    var fold = root.closest("details");
    if (!fold || fold.open) {
      init(root);
      return;
    }
    fold.addEventListener("toggle", function () {
      if (fold.open) init(root);
    });
  }
  document.querySelectorAll(".tv").forEach(initWhenShown);
})();
