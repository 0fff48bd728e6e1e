// newsflow live dashboard: polls dashboard/data and draws SVG line charts.
// Plain JavaScript, no libraries, nothing loaded from elsewhere.
(function () {
  "use strict";

  const stageColors = { ingest: "#1f77b4", enrich: "#ff7f0e", index: "#2ca02c" };
  const extraColors = ["#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
  const outcomeDash = { duplicate: "", retry: "6 3", dlq: "2 3" };
  const quantileColors = { p50: "#2ca02c", p95: "#ff7f0e", p99: "#d62728" };
  let minutes = 15;
  let last = null;
  let timer = null;

  function color(name, i) { return stageColors[name] || extraColors[i % extraColors.length]; }

  // Formatting with units.
  function fmtNum(v) {
    if (v === null || v === undefined || isNaN(v)) return "–";
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + "G";
    if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
    if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
    if (a >= 100 || Number.isInteger(v)) return Math.round(v).toString();
    if (a >= 10) return v.toFixed(1);
    return v.toFixed(2);
  }
  function fmtCount(v) { return v === null || v === undefined ? "–" : Math.round(v).toLocaleString("en-US"); }
  function fmtRate(v) { return v === null || v === undefined ? "–" : fmtNum(v) + "/s"; }
  function fmtBytes(v) {
    if (v === null || v === undefined) return "–";
    const u = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; }
    return (v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)) + " " + u[i];
  }
  function fmtSeconds(v) {
    if (v === null || v === undefined) return "–";
    if (v < 1) return Math.round(v * 1000) + " ms";
    if (v < 60) return v.toFixed(v < 10 ? 2 : 1) + " s";
    return (v / 60).toFixed(1) + " min";
  }
  function fmtCores(v) { return v === null || v === undefined ? "–" : v.toFixed(2); }
  function clock(ms) { return new Date(ms).toTimeString().slice(0, minutes > 15 ? 5 : 8); }

  function lastValue(arr) {
    if (!arr) return null;
    for (let i = arr.length - 1; i >= 0; i--) if (arr[i] !== null) return arr[i];
    return null;
  }
  function sumLast(obj) {
    let s = null;
    for (const k in obj) { const v = lastValue(obj[k]); if (v !== null) s = (s || 0) + v; }
    return s;
  }

  // niceStep returns a round step for about n ticks up to max.
  function niceStep(max, n) {
    const raw = max / n;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  const svgNS = "http://www.w3.org/2000/svg";
  function el(name, attrs, text) {
    const e = document.createElementNS(svgNS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // draw renders series [{name, color, dash, values}] over times t.
  function draw(fig, t, series, fmt, legendFmt) {
    const svg = fig.querySelector("svg");
    const box = svg.getBoundingClientRect();
    const w = Math.round(box.width) || 560, h = Math.round(box.height) || 170;
    const ml = 64, mr = 8, mt = 8, mb = 20;
    svg.setAttribute("viewBox", "0 0 " + w + " " + h);
    svg.replaceChildren();
    const tmax = t.length ? t[t.length - 1] : Date.now();
    // The range chosen, or less when less has been sampled: the lines fill the chart.
    const tmin = Math.max(tmax - minutes * 60000, t.length > 1 ? t[0] : tmax - 60000);
    let from = 0;
    while (from < t.length && t[from] < tmin) from++;
    let ymax = 0, any = false;
    for (const s of series) for (let i = from; i < t.length; i++) {
      const v = s.values[i];
      if (v !== null && v !== undefined) { any = true; if (v > ymax) ymax = v; }
    }
    if (ymax <= 0) ymax = 1;
    const mib = 1 << 20;
    const step = fmt === fmtBytes && ymax >= mib ? niceStep(ymax / mib, 4) * mib : niceStep(ymax, 4);
    ymax = Math.ceil(ymax / step) * step;
    const x = (ms) => ml + (w - ml - mr) * (ms - tmin) / (tmax - tmin || 1);
    const y = (v) => mt + (h - mt - mb) * (1 - v / ymax);
    for (let v = 0; v <= ymax + step / 2; v += step) {
      svg.appendChild(el("line", { class: "grid", x1: ml, x2: w - mr, y1: y(v), y2: y(v) }));
      svg.appendChild(el("text", { x: ml - 6, y: y(v) + 4, "text-anchor": "end" }, fmt(v)));
    }
    for (let k = 0; k <= 4; k++) {
      const ms = tmin + (tmax - tmin) * k / 4;
      svg.appendChild(el("text", { x: x(ms), y: h - 4, "text-anchor": k === 0 ? "start" : k === 4 ? "end" : "middle" }, clock(ms)));
    }
    for (const s of series) {
      let d = "", pen = false;
      for (let i = from; i < t.length; i++) {
        const v = s.values[i];
        if (v === null || v === undefined) { pen = false; continue; }
        d += (pen ? "L" : "M") + x(t[i]).toFixed(1) + " " + y(v).toFixed(1);
        pen = true;
      }
      if (d) {
        const p = el("path", { class: "series", d: d, stroke: s.color });
        if (s.dash) p.setAttribute("stroke-dasharray", s.dash);
        p.dataset.series = s.name;
        svg.appendChild(p);
      }
    }
    if (!any) svg.appendChild(el("text", { class: "empty", x: w / 2, y: h / 2, "text-anchor": "middle" }, t.length > 1 && fig.dataset.none ? fig.dataset.none : "no data yet"));
    const legend = fig.querySelector(".legend");
    legend.replaceChildren();
    for (const s of series) {
      const li = document.createElement("li");
      li.style.setProperty("--c", s.color);
      li.dataset.series = s.name;
      const v = lastValue(s.values);
      li.dataset.value = v === null ? "" : String(v);
      li.append(s.name + " ");
      const b = document.createElement("b");
      b.textContent = (legendFmt || fmt)(v);
      li.append(b);
      legend.append(li);
    }
  }

  function byStage(stages, obj) {
    return stages.filter((s) => obj[s]).map((s, i) => ({ name: s, color: color(s, i), values: obj[s] }));
  }
  function byProcess(obj, suffix, dash) {
    return Object.keys(obj).sort().map((p, i) => ({ name: p + suffix, color: extraColors[i % extraColors.length], dash: dash, values: obj[p] }));
  }

  function tile(id, text, bad) {
    const t = document.getElementById(id);
    t.querySelector("b").textContent = text;
    t.classList.toggle("bad", !!bad);
  }

  function render(v) {
    last = v;
    const t = v.t;
    const stages = v.stages;
    const fig = (name) => document.querySelector('figure[data-chart="' + name + '"]');

    // Tiles.
    const indexed = v.rate.index ? lastValue(v.rate.index.ok) : null;
    tile("tile-indexed", fmtRate(indexed));
    tile("tile-waiting", fmtCount(sumLast(v.pending)));
    const p95 = lastValue(v.end_to_end.p95);
    tile("tile-latency", fmtSeconds(p95), p95 !== null && p95 > 60);
    const dlq = sumLast(v.dead_letters);
    tile("tile-dlq", fmtCount(dlq), dlq > 0);
    tile("tile-memory", fmtBytes(sumLast(v.rss)));
    tile("tile-cpu", fmtCores(sumLast(v.cpu)));

    // Stage table.
    const body = document.querySelector("#stages tbody");
    body.replaceChildren();
    for (const st of stages) {
      const tr = document.createElement("tr");
      tr.dataset.stage = st;
      const total = v.total[st] || {};
      const cells = [
        ["stage", st, st],
        ["ok", fmtCount(total.ok || 0), total.ok || 0],
        ["duplicate", fmtCount(total.duplicate || 0), total.duplicate || 0],
        ["retry", fmtCount(total.retry || 0), total.retry || 0],
        ["dlq", fmtCount(total.dlq || 0), total.dlq || 0],
        ["ok_rate", fmtRate(v.rate[st] && lastValue(v.rate[st].ok)), v.rate[st] && lastValue(v.rate[st].ok)],
        ["pending", fmtCount(lastValue(v.pending[st])), lastValue(v.pending[st])],
        ["ack_pending", fmtCount(lastValue(v.ack_pending[st])), lastValue(v.ack_pending[st])],
        ["dead_letters", fmtCount(lastValue(v.dead_letters[st])), lastValue(v.dead_letters[st])],
      ];
      for (const [field, text, raw] of cells) {
        const td = document.createElement("td");
        td.dataset.field = field;
        td.dataset.value = raw === null || raw === undefined ? "" : String(raw);
        td.textContent = text;
        if ((field === "dlq" || field === "dead_letters") && raw > 0) td.className = "bad";
        tr.append(td);
      }
      body.append(tr);
    }

    // Charts.
    draw(fig("throughput"), t, stages.filter((s) => v.rate[s] && v.rate[s].ok).map((s, i) => ({ name: s, color: color(s, i), values: v.rate[s].ok })), fmtNum, fmtRate);
    const problems = [];
    stages.forEach((s, i) => {
      for (const o of ["duplicate", "retry", "dlq"]) {
        if (v.rate[s] && v.rate[s][o] && v.rate[s][o].some((x) => x > 0)) problems.push({ name: s + " " + o, color: color(s, i), dash: outcomeDash[o], values: v.rate[s][o] });
      }
    });
    draw(fig("problems"), t, problems, fmtNum, fmtRate);
    draw(fig("pending"), t, byStage(stages, v.pending), fmtNum, fmtCount);
    draw(fig("ack_pending"), t, byStage(stages, v.ack_pending), fmtNum, fmtCount);
    draw(fig("latency"), t, ["p50", "p95", "p99"].map((q) => ({ name: q, color: quantileColors[q], values: v.end_to_end[q] })), fmtSeconds);
    draw(fig("dead_letters"), t, byStage(stages, v.dead_letters), fmtNum, fmtCount);
    draw(fig("memory"), t, byProcess(v.rss, " RSS", "").concat(byProcess(v.heap, " heap", "6 3")), fmtBytes);
    draw(fig("cpu"), t, byProcess(v.cpu, "", ""), fmtCores);

    // Status.
    const status = document.getElementById("status");
    const at = t.length ? t[t.length - 1] : null;
    const stale = at === null || Date.now() - at > Math.max(3 * v.interval_seconds * 1000, 15000);
    status.dataset.state = stale ? "stale" : "live";
    status.dataset.samples = String(t.length);
    status.textContent = at === null ? "waiting for the first sample…" :
      (stale ? "stale: last sample " : "live: last sample ") + new Date(at).toTimeString().slice(0, 8) +
      ", every " + v.interval_seconds + " s";
    const err = document.getElementById("error");
    err.hidden = !v.error;
    err.textContent = v.error ? "The last sample failed: " + v.error : "";
    document.getElementById("source").textContent = v.source;
    const span = t.length ? (t[t.length - 1] - t[0]) / 1000 : 0;
    document.getElementById("kept").textContent = "the last " + (span < 120 ? Math.round(span) + " s" : Math.round(span / 60) + " min") +
      " are kept in memory (up to an hour)";
  }

  function poll() {
    fetch("dashboard/data", { cache: "no-store" })
      .then((r) => { if (!r.ok) throw new Error(r.status + " " + r.statusText); return r.json(); })
      .then((v) => {
        render(v);
        schedule(Math.min(Math.max(v.interval_seconds, 1), 5) * 1000);
      })
      .catch((e) => {
        const status = document.getElementById("status");
        status.dataset.state = "stale";
        status.textContent = "cannot read dashboard/data: " + e.message;
        schedule(5000);
      });
  }
  function schedule(ms) { clearTimeout(timer); timer = setTimeout(poll, ms); }

  document.querySelectorAll("#range button").forEach((b) => b.addEventListener("click", () => {
    minutes = Number(b.dataset.minutes);
    document.querySelectorAll("#range button").forEach((o) => o.classList.toggle("on", o === b));
    if (last) render(last);
  }));
  window.addEventListener("resize", () => { if (last) render(last); });
  poll();
})();
