// The deployment-health dashboard: the pack's widgets, in its order, drawn with Chart.js from
// `policy.analyze` over a seeded sample history. Computes nothing itself: the numbers are the engine's.
import init, { Policy } from "/pkg/web/release_policy.js";
import { sampleInput } from "./sample-history.mjs";

const $ = (id) => document.getElementById(id);
const COLORS = { success: "#146c2e", warning: "#b26a00", danger: "#b3261e" };
const SERIES = ["#0b5cad", "#6a3fb5", "#146c2e", "#b26a00", "#b3261e", "#2a7f8f", "#5b6470"];

await init();
const policy = Policy.builtin();
const dashboard = policy.outline().dashboards[0];
$("dashboard-name").textContent = dashboard.name;

/** Where each widget's numbers are in the answer, and how to read them. */
const SOURCES = {
  release_velocity: (a) => ({ labels: a.velocity.map((w) => w.week), values: a.velocity.map((w) => w.count), unit: "deployments" }),
  approval_time: (a) => ({ labels: a.approval_time_by_level.map((l) => `Level ${l.level}`), values: a.approval_time_by_level.map((l) => l.avg_hours), unit: "hours (average)" }),
  rollback_rate: (a) => ({ value: a.rollback_rate, unit: "%" }),
  release_lead_time: (a) => ({ labels: a.lead_time_histogram.map((b) => (b.bucket.startsWith(">") ? b.bucket : `≤ ${b.bucket}`)), values: a.lead_time_histogram.map((b) => b.count), unit: "releases" }),
  pending_approvals: (a) => ({ rows: a.pending_approvals.map((p) => ({ ...p, pending_since: p.pending_since.replace("T", " ").replace(":00Z", " UTC"), approval_level: p.approval_level ?? "—" })) }),
  recent_rollbacks: (a) => ({ rows: a.recent_rollbacks.map((r) => ({ ...r, updated_at: r.updated_at.replace("T", " ").replace(":00Z", " UTC") })) }),
  approval_bottlenecks: (a) => ({ labels: a.approval_wait_by_role.map((r) => r.role), values: a.approval_wait_by_role.map((r) => r.avg_hours), unit: "hours (average wait)" }),
  release_by_type: (a) => ({ labels: a.releases_by_type.map((t) => t.release_type ?? "(none)"), values: a.releases_by_type.map((t) => t.count), unit: "releases" }),
};

const charts = [];

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
      case "line_chart":
        chart(section, { type: "line", data: { labels: data.labels, datasets: [{ label: data.unit, data: data.values, borderColor: SERIES[0], backgroundColor: SERIES[0], tension: 0.2 }] },
          options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } } }, `${widget.title}: ${summary}`);
        break;
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
    const value = Number.isInteger(a.value) ? a.value : a.value.toFixed(2);
    div.textContent = a.firing
      ? `▲ ${a.name ?? a.id}: ${value} ${a.operator} ${a.threshold} — firing`
      : `✓ ${a.name ?? a.id}: ${value} — quiet (fires when ${a.operator} ${a.threshold})`;
    return div;
  }));
}

function analyse() {
  const started = performance.now();
  const input = sampleInput({ count: Number($("count").value), seed: Number($("seed").value), now: `${$("now").value}:00Z`, days: Number($("days").value) });
  const generated = performance.now();
  try {
    const answer = policy.analyze(input);
    const done = performance.now();
    render(answer);
    $("dashboard-status").textContent = `${answer.releases} releases: generated in ${Math.round(generated - started)} ms, analysed in ${Math.round(done - generated)} ms`;
  } catch (error) {
    $("dashboard-status").textContent = `analyze failed${error.path ? ` at ${error.path}` : ""}: ${error.message}`;
  }
}

$("controls").addEventListener("submit", (event) => {
  event.preventDefault();
  analyse();
});
analyse();
document.body.dataset.ready = "true";
