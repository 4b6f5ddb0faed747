// The timeline as SVG: a time axis under the scrubber, one lane per level, deadlines, ladder steps,
// auto-approvals, SLA warning and breach, and the current instant. Drawn from `evaluate` (what has
// happened) and `timeline` (what will happen if nobody acts); computes nothing of its own.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 1000;
const AXIS = 28;
const LANE = 40;
const ACTION_MARK = { reminder: "R", escalate: "E", notify_executive: "N", auto_approve: "A" };

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function tickStep(spanHours) {
  for (const h of [0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 96, 168]) if (spanHours / h <= 12) return h;
  return 336;
}

/** Formatters for the calendar's zone (UTC when the zone is unknown). */
function formats(zone) {
  const make = (timeZone) => ({
    day: new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", day: "numeric" }),
    hour: new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
    offset: (ms) => {
      const p = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
      return Date.parse(`${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:00Z`) - Math.floor(ms / 60_000) * 60_000;
    },
  });
  try {
    return make(zone || "UTC");
  } catch {
    return make("UTC");
  }
}

/**
 * Draws into `container`.
 * @param {{evaluation: object, timeline: {events: object[]}, start: number, end: number, now: number, zone: string, when: (iso: string) => string}} view
 */
export function drawTimeline(container, { evaluation, timeline, start, end, now, zone, when }) {
  const f = formats(zone);
  const levels = evaluation.chain?.levels ?? [];
  const height = AXIS + LANE * levels.length + 8;
  const x = (t) => ((t - start) / (end - start)) * WIDTH;
  const svg = el("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-labelledby": "timeline-title", preserveAspectRatio: "none",
    "data-start": new Date(start).toISOString(), "data-end": new Date(end).toISOString(),
  });
  svg.append(el("title", { id: "timeline-title" }, "Timeline: levels, deadlines, escalation steps and SLA over time"));

  // Axis: ticks on whole hours of the calendar's zone, labelled with day and time there.
  const stepHours = tickStep((end - start) / 3_600_000);
  const stepMs = stepHours * 3_600_000;
  const offset = f.offset(start);
  for (let t = Math.ceil((start + offset) / stepMs) * stepMs - offset; t <= end; t += stepMs) {
    const d = new Date(t);
    svg.append(el("line", { x1: x(t), x2: x(t), y1: AXIS - 6, y2: height, class: "grid" }));
    const hour = f.hour.format(d);
    const label = stepHours >= 24 || hour === "00:00" ? f.day.format(d) : hour;
    svg.append(el("text", { x: x(t) + 2, y: 12, class: "tick" }, label));
  }

  const fired = evaluation.escalation.fired.map((s) => ({ ...s, past: true }));
  const future = timeline.events.filter((e) => e.kind === "escalation").map((e) => ({ ...e, past: false }));
  const autoFuture = new Map(timeline.events.filter((e) => e.kind === "auto_approve").map((e) => [e.level, Date.parse(e.at)]));

  levels.forEach((level, i) => {
    const top = AXIS + i * LANE;
    const lane = el("g", { class: `lane ${level.state}`, "data-level": level.level });
    lane.append(el("text", { x: 4, y: top + 11, class: "lane-label" },
      `${level.level}. ${level.name}${level.required ? "" : " — skipped"}`));
    if (level.required && level.activated_at) {
      const a = Date.parse(level.activated_at);
      const stop = level.completed_at ? Date.parse(level.completed_at) : autoFuture.get(level.level) ?? end;
      const past = Math.min(stop, now);
      if (past > a) lane.append(el("rect", { x: x(a), y: top + 15, width: Math.max(1, x(past) - x(a)), height: 14, class: "bar" }));
      if (stop > Math.max(a, now)) {
        const from = Math.max(a, now);
        lane.append(el("rect", { x: x(from), y: top + 15, width: Math.max(1, x(stop) - x(from)), height: 14, class: "bar projected" }));
      }
      if (level.completed_at) {
        const c = Date.parse(level.completed_at);
        const auto = level.state === "auto_approved";
        const mark = auto ? el("path", { d: diamond(x(c), top + 22), class: "auto" }) : el("circle", { cx: x(c), cy: top + 22, r: 5, class: "done" });
        mark.append(el("title", {}, `${auto ? "auto-approved" : level.state} ${level.completed_at}`));
        lane.append(mark);
      }
      const auto = autoFuture.get(level.level);
      if (auto !== undefined && !level.completed_at) {
        const mark = el("path", { d: diamond(x(auto), top + 22), class: "auto projected" });
        mark.append(el("title", {}, `auto-approval ${new Date(auto).toISOString()}`));
        lane.append(mark);
      }
    }
    for (const step of [...fired, ...future].filter((s) => s.level === level.level && s.action !== "auto_approve")) {
      const t = Date.parse(step.at);
      const g = el("g", { class: `step ${step.past ? "fired" : "due"}` });
      g.append(el("circle", { cx: x(t), cy: top + 22, r: 6 }));
      g.append(el("text", { x: x(t), y: top + 25.5, class: "step-mark" }, ACTION_MARK[step.action] || "?"));
      g.append(el("title", {}, `${step.action} ${step.past ? "fired" : "due"} ${step.at}`));
      lane.append(g);
    }
    // The deadline last, over any ladder step due at the same instant, with its flag above the bar
    // where no step mark reaches.
    if (level.required && level.activated_at && level.deadline) {
      const d = x(Date.parse(level.deadline));
      const tick = el("g", { class: "deadline" });
      tick.append(el("line", { x1: d, x2: d, y1: top + 12, y2: top + 32 }));
      tick.append(el("path", { d: `M${d - 4.5} ${top + 6}L${d + 4.5} ${top + 6}L${d} ${top + 13}Z`, class: "deadline-mark" }));
      tick.append(el("title", {}, `deadline ${level.deadline}`));
      lane.append(tick);
    }
    svg.append(lane);
  });

  const sla = evaluation.sla;
  for (const [kind, at] of [["warning", sla?.warning_at], ["breach", sla?.breach_at]]) {
    if (!at) continue;
    const t = Date.parse(at);
    if (t < start || t > end) continue;
    svg.append(el("line", { x1: x(t), x2: x(t), y1: AXIS - 4, y2: height, class: `sla ${kind}` }));
    // Warning to the left of its line, breach to the right: the two are often close together.
    const left = kind === "warning";
    svg.append(el("text", { x: x(t) + (left ? -3 : 3), y: AXIS - 2, "text-anchor": left ? "end" : "start", class: `sla-label ${kind}` }, `SLA ${kind}`));
  }
  svg.append(el("line", { x1: x(now), x2: x(now), y1: 0, y2: height, class: "now" }));

  container.replaceChildren(svg, legend(), upcoming(timeline.events, when ?? ((iso) => `${iso.replace("T", " ").replace(":00Z", "")} UTC`)));
}

function diamond(cx, cy) {
  return `M${cx} ${cy - 7}L${cx + 7} ${cy}L${cx} ${cy + 7}L${cx - 7} ${cy}Z`;
}

function legend() {
  const p = document.createElement("p");
  p.className = "legend";
  p.textContent = "Bars: level active (pale = projected). ▼ deadline · R reminder · E escalate · N notify executive · ◆ auto-approval · ● approved · dashed: SLA warning / breach · black: now";
  return p;
}

/** The same schedule as text: what happens next if nobody acts. */
function upcoming(events, when) {
  const wrap = document.createElement("details");
  wrap.className = "upcoming";
  const summary = document.createElement("summary");
  summary.textContent = events.length ? `If nobody acts: ${events.length} event(s) ahead` : "If nobody acts: nothing further happens";
  wrap.append(summary);
  const list = document.createElement("ol");
  for (const e of events) {
    const li = document.createElement("li");
    li.textContent = `${when(e.at)} — ${e.kind.replace("_", " ")}${e.level ? ` (level ${e.level})` : ""}${e.action && e.action !== e.kind ? `: ${e.action}` : ""}`;
    list.append(li);
  }
  wrap.append(list);
  return wrap;
}
