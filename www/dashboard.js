// The deployment-health dashboard: the pack's widgets, in its order, drawn with Chart.js from
// `policy.analyze` over a seeded sample history, run in a worker (analyze-worker.js) that reports
// its progress. Computes nothing itself: the numbers are the engine's.
import init, { Policy } from "/pkg/web/release_policy.js";

const $ = (id) => document.getElementById(id);
const COLORS = { success: "#146c2e", warning: "#b26a00", danger: "#b3261e" };
const SERIES = ["#0b5cad", "#6a3fb5", "#146c2e", "#b26a00", "#b3261e", "#2a7f8f", "#5b6470"];

await init();
const policy = Policy.builtin();
const dashboard = policy.outline().dashboards[0];
$("dashboard-name").textContent = dashboard.name;

/** Where each widget's numbers are in the answer, and how to read them. */
const SOURCES = {
  // The window's first and last weeks are partial: said in their label, drawn hollow and dashed.
  release_velocity: (a) => ({
    labels: a.velocity.map((w) => (w.days < 7 ? `${w.week} (${w.days} of 7 days)` : w.week)),
    values: a.velocity.map((w) => w.count),
    partial: a.velocity.map((w) => w.days < 7),
    note: partialNote(a.velocity),
    unit: "deployments",
  }),
  approval_time: (a) => ({ labels: a.approval_time_by_level.map((l) => `Level ${l.level}`), values: a.approval_time_by_level.map((l) => l.avg_hours), unit: "hours (average)" }),
  rollback_rate: (a) => ({ value: a.rollback_rate, unit: "%" }),
  release_lead_time: (a) => ({ labels: a.lead_time_histogram.map((b) => (b.bucket.startsWith(">") ? b.bucket : `≤ ${b.bucket}`)), values: a.lead_time_histogram.map((b) => b.count), unit: "releases" }),
  pending_approvals: (a) => ({ rows: a.pending_approvals.map((p) => ({ ...p, pending_since: p.pending_since.replace("T", " ").replace(":00Z", " UTC"), approval_level: p.approval_level ?? "—" })) }),
  recent_rollbacks: (a) => ({ rows: a.recent_rollbacks.map((r) => ({ ...r, updated_at: r.updated_at.replace("T", " ").replace(":00Z", " UTC") })) }),
  approval_bottlenecks: (a) => ({ labels: a.approval_wait_by_role.map((r) => r.role), values: a.approval_wait_by_role.map((r) => r.avg_hours), unit: "hours (average wait)" }),
  release_by_type: (a) => ({ labels: a.releases_by_type.map((t) => t.release_type ?? "(none)"), values: a.releases_by_type.map((t) => t.count), unit: "releases" }),
};

const charts = [];

/** "Partial weeks: 2026-W35 (2 of 7 days in the window), 2026-W48 (5 of 7)." */
function partialNote(weeks) {
  const partial = weeks.filter((w) => w.days < 7);
  if (!partial.length) return "";
  return `Partial weeks, counted over their days in the window only: ${partial.map((w) => `${w.week} (${w.days} of 7 days)`).join(", ")}.`;
}

/** A value with its unit: `6.85 %`, `199.07 hours`, `12 releases`. */
function withUnit(value, unit) {
  const number = Number.isInteger(value) ? String(value) : value.toFixed(2);
  return unit ? `${number} ${unit}` : number;
}

function card(widget) {
  const section = document.createElement("section");
  section.className = `widget ${widget.type}`;
  section.dataset.widget = widget.id;
  const title = document.createElement("h2");
  title.textContent = widget.title;
  section.append(title);
  return section;
}

function chart(section, config, label) {
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", label);
  const box = document.createElement("div");
  box.className = "chart";
  box.append(canvas);
  section.append(box);
  charts.push(new Chart(canvas, { ...config, options: { animation: false, maintainAspectRatio: false, ...config.options } }));
}

function table(section, fields, rows) {
  if (!rows.length) {
    section.append(Object.assign(document.createElement("p"), { className: "hint", textContent: "Nothing to list." }));
    return;
  }
  const t = document.createElement("table");
  const head = t.createTHead().insertRow();
  for (const f of ["release_id", ...fields.filter((f) => f !== "release_id")]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = f.replaceAll("_", " ");
    head.append(th);
  }
  const body = t.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const f of ["release_id", ...fields.filter((f) => f !== "release_id")]) tr.insertCell().textContent = row[f] ?? "—";
  }
  section.append(t);
}

function render(answer) {
  for (const c of charts.splice(0)) c.destroy();
  const cards = dashboard.widgets.map((widget) => {
    const section = card(widget);
    const source = SOURCES[widget.id];
    if (!source) {
      section.append(Object.assign(document.createElement("p"), { className: "hint", textContent: "analyze does not compute this widget." }));
      return section;
    }
    const data = source(answer);
    const summary = data.labels ? data.labels.map((l, i) => `${l}: ${data.values[i]}`).join(", ") : "";
    switch (widget.type) {
      case "line_chart": {
        const partial = (i) => data.partial?.[i] ?? false;
        const dataset = {
          label: data.unit, data: data.values, borderColor: SERIES[0], backgroundColor: SERIES[0], tension: 0.2,
          pointBackgroundColor: data.values.map((_, i) => (partial(i) ? "#fff" : SERIES[0])),
          pointRadius: data.values.map((_, i) => (partial(i) ? 4 : 3)),
          segment: { borderDash: (s) => (partial(s.p0DataIndex) || partial(s.p1DataIndex) ? [5, 4] : undefined) },
        };
        chart(section, { type: "line", data: { labels: data.labels, datasets: [dataset] },
          options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, title: { display: true, text: data.unit } } } } }, `${widget.title}: ${summary}`);
        if (data.note) section.append(Object.assign(document.createElement("p"), { className: "hint partial-note", textContent: data.note }));
        break;
      }
      case "bar_chart":
      case "histogram":
        chart(section, { type: "bar", data: { labels: data.labels, datasets: [{ label: data.unit, data: data.values, backgroundColor: widget.type === "histogram" ? SERIES[1] : SERIES[0] }] },
          options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, title: { display: true, text: data.unit } } } } }, `${widget.title}: ${summary}`);
        break;
      case "pie_chart":
        chart(section, { type: "pie", data: { labels: data.labels, datasets: [{ data: data.values, backgroundColor: SERIES }] },
          options: { plugins: { legend: { position: "right" } } } }, `${widget.title}: ${summary}`);
        break;
      case "gauge": {
        // The band the value falls in gives the colour: the first threshold at or above it.
        const band = widget.thresholds.find(([bound]) => data.value <= bound) ?? widget.thresholds.at(-1);
        const color = COLORS[band?.[1]] ?? SERIES[0];
        const max = widget.thresholds.at(-1)?.[0] ?? 100;
        chart(section, { type: "doughnut", data: { labels: ["value", "rest"], datasets: [{ data: [data.value, Math.max(0, max - data.value)], backgroundColor: [color, "#e5e7ea"], borderWidth: 0 }] },
          options: { rotation: -90, circumference: 180, cutout: "70%", plugins: { legend: { display: false }, tooltip: { enabled: false } } } }, `${widget.title}: ${data.value}${data.unit}`);
        const value = Object.assign(document.createElement("p"), { className: "gauge-value", textContent: `${data.value} ${data.unit}` });
        value.style.color = color;
        section.append(value);
        break;
      }
      case "list":
        table(section, widget.fields, data.rows);
        break;
      default:
        section.append(Object.assign(document.createElement("p"), { className: "hint", textContent: `A ${widget.type} widget is not drawn here.` }));
    }
    return section;
  });
  $("widgets").replaceChildren(...cards);

  $("alerts").replaceChildren(...answer.alerts.map((a) => {
    const div = document.createElement("div");
    div.className = `banner alert ${a.firing ? `firing ${a.severity ?? "warning"}` : "quiet"}`;
    div.dataset.alert = a.id;
    div.setAttribute("role", a.firing ? "alert" : "status");
    // "6.85 > 10 — quiet" read as a false statement: a quiet alert says when it would fire instead.
    // Values carry the engine's unit, and the release behind a per-release value is named.
    const value = withUnit(a.value, a.unit);
    const threshold = withUnit(a.threshold, a.unit);
    const behind = a.release_id ? ` (${a.release_id}, pending longest)` : "";
    div.textContent = a.firing
      ? `▲ ${a.name ?? a.id}: ${value}${behind} ${a.operator} ${threshold} — firing`
      : `✓ ${a.name ?? a.id}: ${value}${behind} — quiet (fires when ${a.operator} ${threshold})`;
    return div;
  }));
}

let worker = null;
let ticking = null;

/** Runs one analysis in a fresh worker; a new one stops the one still running. */
function analyse() {
  worker?.terminate();
  clearInterval(ticking);
  // ISO 8601 and 24 h, as in the preview: `2026-11-27 12:00` (a `T` in place of the space works too).
  const now = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})$/.exec($("now").value.trim());
  if (!now) {
    finish();
    $("dashboard-status").textContent = `"${$("now").value}" is not a time: write it as YYYY-MM-DD HH:MM (UTC), e.g. 2026-11-27 12:00`;
    return;
  }
  worker = new Worker(new URL("./analyze-worker.js", import.meta.url), { type: "module" });
  const progress = $("progress");
  const status = $("dashboard-status");
  progress.hidden = false;
  document.body.dataset.busy = "true";
  worker.onmessage = ({ data }) => {
    switch (data.phase) {
      case "generating":
        progress.max = data.total;
        progress.value = data.done;
        status.textContent = `Generating the sample history: ${data.done.toLocaleString("en")} of ${data.total.toLocaleString("en")} releases…`;
        break;
      case "analysing": {
        // One engine call: its length is not known ahead, so the bar turns indeterminate and the
        // elapsed time shows that it is working.
        progress.removeAttribute("value");
        const since = performance.now();
        const say = () => (status.textContent = `Analysing ${data.total.toLocaleString("en")} releases… ${((performance.now() - since) / 1000).toFixed(1)} s`);
        say();
        ticking = setInterval(say, 250);
        break;
      }
      case "done":
        finish();
        render(data.answer);
        status.textContent = `${data.answer.releases} releases: generated in ${Math.round(data.generatedMs)} ms, analysed in ${Math.round(data.analysedMs)} ms`;
        break;
      case "failed":
        finish();
        status.textContent = `analyze failed${data.error.path ? ` at ${data.error.path}` : ""}: ${data.error.message}`;
        break;
    }
  };
  worker.onerror = (event) => {
    finish();
    status.textContent = `The analysis stopped: ${event.message ?? "the worker failed"}`;
  };
  worker.postMessage({ count: Number($("count").value), seed: Number($("seed").value), now: `${now[1]}T${now[2]}:00Z`, days: Number($("days").value) });
}

function finish() {
  clearInterval(ticking);
  $("progress").hidden = true;
  delete document.body.dataset.busy;
  document.body.dataset.ready = "true";
}

$("controls").addEventListener("submit", (event) => {
  event.preventDefault();
  analyse();
});
analyse();
