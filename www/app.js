// The approval-chain preview: a form for the release and its context, a time scrubber, and the
// engine's answers (chain, escalation, timeline, guards) drawn from the WebAssembly module. Every
// decision is the engine's; this file only moves values between the page and `Policy`.
import init, { Policy } from "/pkg/web/release_policy.js";
import {
  initialState, releaseFromSeed, requestOf, nowOf, encodeState, decodeState, isStateHash, isoMinute, parseInstant,
  toLocalInput, fromLocalInput, offsetText, shownInstant,
} from "./state.js";
import { drawTimeline } from "./timeline.js";
import { createEditor } from "./editor.js";
import { impactOf, changeText } from "./impact.js";

const $ = (id) => document.getElementById(id);
const MINUTE = 60_000;
/** The calendar's time zone: the page enters and shows instants there. */
const zone = () => state?.calendar?.timezone || "UTC";
const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

performance.mark("start");
await init();
performance.mark("init");
const builtinFiles = Policy.builtinFiles();
const builtin = Policy.builtin();
performance.mark("builtin");
let policy = builtin;
let outline = policy.outline();
let packErrors = [];
/** Counts impact computations, so that only the latest edit's is shown. */
let impactRun = 0;
let editor = null;
/** The files the editor's edits apply to: the built-in pack, or a loaded folder. */
let base = builtinFiles;

let state = await decodeState(location.hash);
if (!state && isStateHash(location.hash)) {
  // A shared link whose state does not read (cut short when pasted, most often): say so.
  const banner = $("link-error");
  banner.hidden = false;
  banner.textContent = "This link's preview state could not be read (the link may have been cut short); showing the defaults instead.";
}
if (!state) {
  const since = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  state = initialState(outline, isoMinute(since));
}
loadPack({ ...builtinFiles, ...state.files });

editor = createEditor({
  builtin: builtinFiles,
  edits: state.files,
  onInput(files, edits) {
    state.files = edits;
    if (loadPack(files)) fillForm();
    update();
    showImpact(files);
  },
});
editor.showErrors(packErrors);
showImpact({ ...builtinFiles, ...state.files });
$("reset-defs").addEventListener("click", () => {
  if (base !== builtinFiles) {
    base = builtinFiles;
    editor.setBase(base);
    state.files = {};
    loadPack(base);
    state = initialState(outline, state.release.status_since);
    fillForm();
    update();
    return;
  }
  editor.reset();
});

// A pack folder from disk (any Kiket pack: a repository or its `.kiket/`), read in the page only.
$("pack-folder").addEventListener("change", async () => {
  const files = {};
  for (const file of $("pack-folder").files) {
    const relative = file.webkitRelativePath || file.name;
    const inKiket = /(?:^|\/)\.kiket\/(.+)$/.exec(relative);
    const path = inKiket ? inKiket[1] : relative.split("/").slice(1).join("/") || relative;
    if (/\.ya?ml$/.test(path) && !path.startsWith("tests/")) files[path] = await file.text();
  }
  if (Object.keys(files).length === 0) return;
  base = files;
  editor.setBase(files);
  state.files = {};
  if (loadPack(files)) {
    state = initialState(outline, state.release.status_since);
    fillForm();
  }
  update();
});

// ---------------------------------------------------------------------------------------------
// The impact of the edits on the seed cases and a sample history (the engine's `Policy.diff`)

/** Shows what the edits change (hidden when there are none, or the pack is invalid). */
async function showImpact(files) {
  const run = ++impactRun;
  const panel = $("impact");
  const edited = Object.keys({ ...files, ...base }).some((path) => files[path] !== base[path]);
  if (!edited || packErrors.length) {
    panel.hidden = true;
    return;
  }
  try {
    const { report, seeds, sample, titles } = await impactOf({ baseFiles: base, builtinBase: base === builtinFiles, files, request: requestOf(state) });
    if (run !== impactRun) return; // a later edit is being measured
    const names = new Map(report.summary.filter((s) => s.name).map((s) => [s.level, s.name]));
    const what = [seeds && `the ${seeds} seed case${seeds === 1 ? "" : "s"} of the workspace`, sample && `a sample history of ${sample}`].filter(Boolean).join(" and ");
    $("impact-headline").textContent = report.changed.length
      ? `This edit: ${report.changed.length} of ${report.compared} releases change (${what}).`
      : `This edit changes none of the ${report.compared} releases (${what}).`;
    $("impact-summary").replaceChildren(...report.summary.map((s) => Object.assign(document.createElement("li"), { textContent: s.text })));
    $("impact-releases").replaceChildren(...report.changed.map((c) => {
      const li = document.createElement("li");
      li.dataset.release = c.release_id;
      const title = titles.get(c.release_id);
      li.textContent = `${c.release_id}${title ? ` (${title})` : ""}: ${c.changes.map((change) => changeText(change, names)).join("; ")}`;
      return li;
    }));
    $("impact-details").hidden = report.changed.length === 0;
    panel.hidden = false;
  } catch (error) {
    if (run !== impactRun) return;
    $("impact-headline").textContent = `The impact could not be computed: ${error.message}`;
    $("impact-summary").replaceChildren();
    $("impact-releases").replaceChildren();
    panel.hidden = false;
  }
}

/** Loads an edited pack; on errors keeps the last good policy. Returns whether it loaded. */
function loadPack(files) {
  const same = Object.entries(files).every(([path, text]) => builtinFiles[path] === text);
  let loaded = false;
  if (same) {
    swapPolicy(builtin);
    packErrors = [];
    loaded = true;
  } else {
    const report = Policy.validate(files);
    if (report.error) {
      packErrors = report.error.errors?.length ? report.error.errors : [report.error];
    } else {
      swapPolicy(Policy.fromPack(files));
      packErrors = [];
      loaded = true;
    }
  }
  const banner = $("defs-banner");
  banner.hidden = packErrors.length === 0;
  banner.textContent = packErrors.length
    ? `The edited pack has ${packErrors.length} error(s), listed below the editor; the answers above still follow the last valid pack.`
    : "";
  // The header says so too: it is what a release manager reads first.
  const title = $("pack-name").textContent.replace(/ — (built-in pack|edited pack|loaded pack|edits invalid).*$/, "");
  if (packErrors.length) $("pack-name").textContent = `${title} — edits invalid: showing the last valid pack`;
  $("defs-state").textContent = packErrors.length ? "invalid" : same ? "built-in" : base !== builtinFiles ? "loaded pack" : "edited, valid";
  $("defs-state").className = `pill ${packErrors.length ? "deny" : "allow"}`;
  editor?.showErrors(packErrors);
  return loaded;
}

function swapPolicy(next) {
  if (policy !== builtin && policy !== next) policy.free();
  policy = next;
  outline = policy.outline();
  const name = outline.workflows.length > 1 ? outline.workflows.map((w) => w.name).join(" · ") : outline.workflow.name || "No workflow";
  $("pack-name").textContent = `${name} — ${policy === builtin ? "built-in pack" : base === builtinFiles ? "edited pack" : "loaded pack"}`;
}

/** The workflow the release follows: the form's choice, else its case type's, else the first. */
function flow() {
  const byType = outline.case_types.find((c) => c.key === state.release.case_type)?.workflow;
  return outline.workflows.find((w) => w.id === (state.release.workflow || byType)) || outline.workflows[0]
    || { id: "", name: "", states: outline.states, transitions: outline.transitions, chain_levels: outline.chain_levels };
}

// ---------------------------------------------------------------------------------------------
// The form

function option(value, text = value) {
  return new Option(text, value);
}

function fillForm() {
  const r = state.release;
  $("seed").replaceChildren(option("", "— keep the current release —"),
    ...outline.seed_cases.map((s, i) => option(String(i), `${s.title} (${s.case_type}, ${s.status ?? "?"})`)));
  $("title").value = r.title;
  $("release-id").value = r.id;
  $("case-type").replaceChildren(...outline.case_types.map((c) => option(c.key, c.label)));
  $("case-type").value = r.case_type;
  // Several workflows: the release names the one it follows (the engine refuses to guess).
  $("workflow-row").hidden = outline.workflows.length <= 1;
  $("workflow").replaceChildren(...outline.workflows.map((w) => option(w.id, w.name)));
  if (outline.workflows.length > 1) r.workflow = flow().id;
  else delete r.workflow;
  $("workflow").value = flow().id;
  $("status").replaceChildren(...flow().states.map((s) => option(s.id, s.label)));
  $("status").value = r.status;
  fillChecklists();
  $("priority").value = r.priority;
  $("requested-by").value = r.requested_by;
  $("status-since").value = toLocalInput(r.status_since, zone());
  for (const label of document.querySelectorAll(".zone-name")) label.textContent = zone();
  $("labels").value = r.labels.join(", ");
  fillCustomFields();
  fillApprovals();
  fillDirectory();
  fillCalendar();
}

function fillCustomFields() {
  const box = $("custom-fields");
  const caseType = outline.case_types.find((c) => c.key === state.release.case_type);
  const values = state.release.custom_fields;
  const rows = (caseType?.fields || []).map((f) => {
    const label = document.createElement("label");
    label.append(`${f.label}${f.required ? " *" : ""} `);
    let input;
    if (f.type === "select") {
      input = document.createElement("select");
      input.append(option("", "(unset)"), ...f.options.map((o) => option(o)));
      input.value = values[f.key] ?? "";
      input.addEventListener("change", () => setField(f.key, input.value));
    } else if (f.type === "multiselect") {
      input = document.createElement("span");
      input.className = "checks";
      const chosen = new Set(values[f.key] || []);
      for (const o of f.options) {
        const l = document.createElement("label");
        const box = Object.assign(document.createElement("input"), { type: "checkbox", checked: chosen.has(o) });
        box.addEventListener("change", () => {
          box.checked ? chosen.add(o) : chosen.delete(o);
          setField(f.key, f.options.filter((x) => chosen.has(x)));
        });
        l.append(box, o);
        input.append(l);
      }
    } else if (f.type === "boolean") {
      input = Object.assign(document.createElement("input"), { type: "checkbox", checked: values[f.key] === true });
      input.addEventListener("change", () => setField(f.key, input.checked));
    } else {
      input = Object.assign(document.createElement("input"), { type: f.type === "number" ? "number" : "text", value: values[f.key] ?? "" });
      input.addEventListener("input", () => setField(f.key, f.type === "number" && input.value !== "" ? Number(input.value) : input.value));
    }
    input.dataset.field = f.key;
    label.append(input);
    return label;
  });
  box.replaceChildren(Object.assign(document.createElement("legend"), { textContent: `Fields of ${caseType?.label ?? "this case type"}` }), ...rows);
}

function setField(key, value) {
  state.release.custom_fields[key] = value;
  update();
}

function bind(id, event, apply) {
  $(id).addEventListener(event, () => {
    apply($(id).value);
    update();
  });
}

bind("title", "input", (v) => (state.release.title = v));
bind("release-id", "input", (v) => (state.release.id = v));
bind("status", "change", (v) => (state.release.status = v));
$("workflow").addEventListener("change", () => {
  state.release.workflow = $("workflow").value;
  // A case type routed to another workflow would contradict the choice: take one that fits.
  const fits = (c) => !c.workflow || c.workflow === state.release.workflow;
  if (!fits(outline.case_types.find((c) => c.key === state.release.case_type) || {})) {
    state.release.case_type = outline.case_types.find(fits)?.key ?? state.release.case_type;
  }
  state.release.status = flow().states[0]?.id ?? "";
  state.approvals = [];
  fillForm();
  update();
});

// Checklists of the release's workflow: manual items are ticked here; auto items are done when
// their condition holds on the case, which the engine decides.
function fillChecklists() {
  const box = $("checklists");
  const lists = flow().states.filter((s) => s.checklist).map((s) => ({ state: s, checklist: s.checklist }));
  box.hidden = lists.length === 0;
  const ticks = (state.release.checklists ||= {});
  box.replaceChildren(Object.assign(document.createElement("legend"), { textContent: "Checklists" }), ...lists.map(({ state: s, checklist }) => {
    const group = h("div", { class: "checklist", "data-checklist": checklist.id }, h("strong", {}, `${checklist.title} (${s.label})`));
    for (const item of checklist.items) {
      const box = Object.assign(document.createElement("input"), { type: "checkbox", checked: ticks[checklist.id]?.[item.id] === true, disabled: Boolean(item.auto) });
      box.dataset.item = item.id;
      box.addEventListener("change", () => {
        (ticks[checklist.id] ||= {})[item.id] = box.checked;
        update();
      });
      group.append(h("label", {}, box, ` ${item.label}${item.required ? " *" : ""}${item.auto ? ` (auto: ${item.auto})` : ""}`));
    }
    return group;
  }));
}
bind("priority", "change", (v) => (state.release.priority = v));
bind("requested-by", "input", (v) => (state.release.requested_by = v));
bind("status-since", "change", (v) => (state.release.status_since = fromLocalInput(v, zone())));
bind("labels", "input", (v) => (state.release.labels = v.split(",").map((s) => s.trim()).filter(Boolean)));
$("case-type").addEventListener("change", () => {
  state.release.case_type = $("case-type").value;
  // Keep only the fields the new case type declares: the old type's fields would only raise warnings.
  const declared = new Set(outline.case_types.find((c) => c.key === state.release.case_type)?.fields.map((f) => f.key));
  state.release.custom_fields = Object.fromEntries(Object.entries(state.release.custom_fields).filter(([key]) => declared.has(key)));
  // A case type routed to another workflow takes the release there.
  const routed = outline.case_types.find((c) => c.key === state.release.case_type)?.workflow;
  if (outline.workflows.length > 1 && routed && routed !== state.release.workflow) {
    state.release.workflow = routed;
    state.release.status = flow().states[0]?.id ?? "";
    state.approvals = [];
    fillForm();
  }
  fillCustomFields();
  update();
});
$("seed").addEventListener("change", () => {
  const seed = outline.seed_cases[Number($("seed").value)];
  if (!seed) return;
  state.release = releaseFromSeed(seed, outline, state.release.status_since);
  state.approvals = [];
  state.offset = 0;
  $("seed").value = "";
  fillForm();
  update();
});

// Approvals: one row each, editable; "for" is a level or a transition's require_approval.
function fillApprovals() {
  const body = $("approvals");
  body.replaceChildren(...state.approvals.map((a, i) => {
    const tr = document.createElement("tr");
    const target = document.createElement("select");
    target.setAttribute("aria-label", `Approval ${i + 1}: level or transition`);
    const wf = flow();
    target.append(...wf.chain_levels.map((l) => option(`L:${l.level}`, `Level ${l.level}`)),
      ...wf.states.filter((s) => s.approval).map((s) => option(`S:${s.id}`, `Approval of ${s.label}`)),
      ...[...new Set(wf.transitions.map((t) => t.to))].map((to) => option(`T:${to}`, `→ ${to}`)));
    target.value = a.state ? `S:${a.state}` : a.transition ? `T:${a.transition}` : `L:${a.level}`;
    target.addEventListener("change", () => {
      const [kind, value] = target.value.split(":");
      delete a.level; delete a.transition; delete a.state;
      if (kind === "T") a.transition = value; else if (kind === "S") a.state = value; else a.level = Number(value);
      update();
    });
    const cell = (node) => { const td = document.createElement("td"); td.append(node); return td; };
    const text = (key, label, list) => {
      const input = Object.assign(document.createElement("input"), { type: "text", value: a[key] ?? "", size: 8 });
      input.setAttribute("aria-label", `Approval ${i + 1}: ${label}`);
      if (list) input.setAttribute("list", list);
      input.addEventListener("input", () => { a[key] = input.value || undefined; update(); });
      return input;
    };
    const decision = document.createElement("select");
    decision.setAttribute("aria-label", `Approval ${i + 1}: decision`);
    decision.append(option("approve"), option("reject"));
    decision.value = a.decision;
    decision.addEventListener("change", () => { a.decision = decision.value; update(); });
    const at = Object.assign(document.createElement("input"), { type: "text", value: toLocalInput(a.at, zone()), size: 14, placeholder: "YYYY-MM-DD HH:MM" });
    at.setAttribute("aria-label", `Approval ${i + 1}: time (${zone()})`);
    at.addEventListener("change", () => { a.at = fromLocalInput(at.value, zone()); update(); });
    const remove = Object.assign(document.createElement("button"), { type: "button", textContent: "✕", title: "Remove this approval" });
    remove.setAttribute("aria-label", `Remove approval ${i + 1}`);
    remove.addEventListener("click", () => { state.approvals.splice(i, 1); fillApprovals(); update(); });
    tr.append(cell(target), cell(text("group", "group")), cell(text("approver", "approver", "users")), cell(decision), cell(at), cell(remove));
    return tr;
  }));
}

function recordApproval(approval) {
  state.approvals.push(approval);
  fillApprovals();
  update();
}

$("add-approval").addEventListener("click", () => {
  // The state's own approval when it gates the release now, else the chain's active level.
  if (lastEvaluation?.state_approval?.required) {
    recordApproval({ state: lastEvaluation.state_approval.state, approver: "", decision: "approve", at: nowOf(state) });
    return;
  }
  const level = lastEvaluation?.chain?.current_level ?? flow().chain_levels[0]?.level ?? 1;
  recordApproval({ level, approver: "", decision: "approve", at: nowOf(state) });
});

function fillDirectory() {
  const roles = [...new Set([...outline.roles, ...Object.keys(state.directory.roles)])].sort();
  $("roles").replaceChildren(...roles.map((role) => {
    const label = document.createElement("label");
    label.append(`${role} `);
    const input = Object.assign(document.createElement("input"), { type: "text", value: (state.directory.roles[role] || []).join(", ") });
    input.dataset.role = role;
    input.addEventListener("input", () => {
      state.directory.roles[role] = input.value.split(",").map((s) => s.trim()).filter(Boolean);
      fillUsers();
      update();
    });
    label.append(input);
    return label;
  }));
  const body = $("delegations");
  body.replaceChildren(...state.directory.delegations.map((d, i) => {
    const tr = document.createElement("tr");
    for (const [key, type] of [["from", "text"], ["to", "text"], ["start", "time"], ["end", "time"]]) {
      const value = type === "text" ? d[key] : toLocalInput(d[key], zone());
      const input = Object.assign(document.createElement("input"), { type: "text", value, size: type === "text" ? 6 : 14 });
      input.setAttribute("aria-label", `Delegation ${i + 1}: ${key}`);
      if (type === "text") input.setAttribute("list", "users");
      input.addEventListener(type === "text" ? "input" : "change", () => {
        d[key] = type === "text" ? input.value : fromLocalInput(input.value, zone());
        update();
      });
      const td = document.createElement("td");
      td.append(input);
      tr.append(td);
    }
    const remove = Object.assign(document.createElement("button"), { type: "button", textContent: "✕" });
    remove.setAttribute("aria-label", `Remove delegation ${i + 1}`);
    remove.addEventListener("click", () => { state.directory.delegations.splice(i, 1); fillDirectory(); update(); });
    const td = document.createElement("td");
    td.append(remove);
    tr.append(td);
    return tr;
  }));
  fillUsers();
}

function fillUsers() {
  const users = new Set(Object.values(state.directory.roles).flat());
  $("users").replaceChildren(...[...users].sort().map((u) => option(u)));
}

$("add-delegation").addEventListener("click", () => {
  const start = nowOf(state);
  state.directory.delegations.push({ from: "", to: "", start, end: isoMinute(new Date(parseInstant(start) + 7 * 1440 * MINUTE)) });
  fillDirectory();
  update();
});

function fillCalendar() {
  const c = state.calendar;
  $("timezone").value = c.timezone;
  $("hours").value = c.hours;
  $("holidays").value = c.holidays.join(", ");
  $("working-days").replaceChildren(...DAYS.map((day) => {
    const label = document.createElement("label");
    const box = Object.assign(document.createElement("input"), { type: "checkbox", checked: c.working_days.includes(day) });
    box.addEventListener("change", () => {
      c.working_days = DAYS.filter((d) => (d === day ? box.checked : c.working_days.includes(d)));
      update();
    });
    label.append(box, day);
    return label;
  }));
}
bind("timezone", "input", (v) => {
  state.calendar.timezone = v.trim();
  // The instants stay; the fields show them as the new zone's wall clock.
  $("status-since").value = toLocalInput(state.release.status_since, zone());
  for (const label of document.querySelectorAll(".zone-name")) label.textContent = zone();
  fillApprovals();
  fillDirectory();
});
bind("hours", "input", (v) => (state.calendar.hours = v.trim()));
bind("holidays", "input", (v) => (state.calendar.holidays = v.split(",").map((s) => s.trim()).filter(Boolean)));

// ---------------------------------------------------------------------------------------------
// The scrubber: `now` runs from the request (status_since) to past the last event if nobody acts.

$("now").addEventListener("input", () => {
  state.offset = Number($("now").value);
  update();
});

/** The scrubber's span in minutes: the schedule if nobody acts from the request on, plus a margin. */
/** The axis, fitted to the events: from the request to the last thing that happens (the chain
 * completing, or its last projected step) as of the latest recorded approval, plus a margin; at
 * least two hours. A chain done in 2.5 h gets a 2.5 h axis, not the ladder's six days. */
function spanMinutes() {
  const since = parseInstant(state.release.status_since);
  const recorded = state.approvals.map((a) => parseInstant(a.at)).filter((t) => !Number.isNaN(t));
  const asOf = Math.max(since, ...recorded);
  try {
    const request = requestOf(state, isoMinute(new Date(asOf)));
    const events = policy.timeline(request).events;
    const last = Math.max(asOf, events.length ? parseInstant(events[events.length - 1].at) : since);
    const minutes = Math.max((last - since) / MINUTE, 120);
    return Math.ceil((minutes * 1.08) / 15) * 15;
  } catch {
    return 3 * 24 * 60;
  }
}

/** The timeline's zoom: the axis shows 1/zoom of the scrubber's span, around now. */
let zoom = 1;
const ZOOMS = [1, 2, 4, 8, 16];

/** The instants the timeline shows: the whole span, or a zoomed window around now kept inside it. */
function timelineWindow(since, spanMin, now) {
  const span = spanMin * MINUTE;
  const width = span / zoom;
  const start = Math.min(Math.max(since, now - width / 2), since + span - width);
  return { start, end: start + width };
}

/** The zoom controls for the current zoom over a span of `spanMin` minutes. */
function showZoom(spanMin) {
  $("zoom-text").textContent = zoom === 1 ? `whole span (${offsetText(spanMin).slice(1)})` : `×${zoom}: ${offsetText(Math.round(spanMin / zoom)).slice(1)} around now`;
  $("zoom-out").disabled = zoom === ZOOMS[0];
  $("zoom-in").disabled = zoom === ZOOMS[ZOOMS.length - 1];
  $("zoom-fit").disabled = zoom === 1;
}

// A button the change disables would drop focus to the body: it moves to its counterpart.
for (const [id, next, counterpart] of [["zoom-in", () => zoom * 2, "zoom-out"], ["zoom-out", () => zoom / 2, "zoom-in"], ["zoom-fit", () => 1, "zoom-in"]]) {
  $(id).addEventListener("click", () => {
    zoom = Math.min(Math.max(next(), ZOOMS[0]), ZOOMS[ZOOMS.length - 1]);
    update();
    if ($(id).disabled) $(counterpart).focus();
  });
}

// ---------------------------------------------------------------------------------------------
// The answers

let lastEvaluation = null;
let hashTimer;
/** Counts hash writes: a slower earlier one never overwrites a later one. */
let hashWrites = 0;

/** Puts the state in the address bar (replacing the entry: scrubbing leaves no history). */
async function writeHash() {
  const write = ++hashWrites;
  const hash = await encodeState(state);
  if (write === hashWrites) history.replaceState(null, "", hash);
}

function update() {
  const span = spanMinutes();
  const slider = $("now");
  slider.max = String(span);
  state.offset = Math.min(Math.max(0, state.offset), span);
  slider.value = String(state.offset);
  const now = nowOf(state);
  const since = parseInstant(state.release.status_since);
  let weekday = "";
  try {
    weekday = new Intl.DateTimeFormat("en-GB", { timeZone: zone(), weekday: "long" }).format(new Date(now));
  } catch { /* an unknown zone: the engine reports it at the field */ }
  $("now-text").textContent = `${weekday} ${when(now)}${zone() === "UTC" ? "" : `, ${zone()}`} (request ${offsetText(state.offset)})`;
  slider.setAttribute("aria-valuetext", `${when(now)} ${zone()}, ${offsetText(state.offset)} after the request`);

  const request = requestOf(state, now);
  const banner = $("request-error");
  try {
    const evaluation = policy.evaluate(request);
    const timeline = policy.timeline(request);
    lastEvaluation = evaluation;
    banner.hidden = true;
    markField(null);
    document.querySelector(".results").classList.remove("stale");
    renderChain(evaluation, request.directory?.roles ?? {});
    renderEscalation(evaluation.escalation);
    renderGuards(request, evaluation);
    renderRecipes(evaluation.recipes);
    renderSla(evaluation);
    const shown = timelineWindow(since, span, parseInstant(now));
    showZoom(span);
    drawTimeline($("timeline"), { evaluation, timeline, ...shown, now: parseInstant(now), zone: zone(), when });
  } catch (error) {
    // A bad request: say where, keep the last answer on screen but mark it stale.
    banner.hidden = false;
    banner.textContent = `The request is not valid${error.path ? ` at ${error.path}` : ""}: ${error.message}`;
    markField(error);
    document.querySelector(".results").classList.add("stale");
  }
  clearTimeout(hashTimer);
  hashTimer = setTimeout(writeHash, 150);
}

/** The form fields a request path comes from: the field itself shows the error, where one types. */
const FIELD_OF_PATH = { "calendar.timezone": "timezone", "calendar.hours": "hours", "calendar.holidays": "holidays" };

// The form folds away on a phone (the answers come first there); folded at first on a phone.
const phone = matchMedia("(max-width: 700px)");
function foldForm(folded) {
  $("inputs").classList.toggle("collapsed", folded);
  $("form-toggle").setAttribute("aria-expanded", String(!folded));
  $("form-toggle").textContent = folded ? "Edit the release, directory and calendar" : "Hide the form";
}
foldForm(phone.matches);
$("form-toggle").addEventListener("click", () => foldForm($("inputs").classList.contains("collapsed") === false));

function markField(error) {
  for (const id of Object.values(FIELD_OF_PATH)) {
    const input = $(id);
    if (!input) continue;
    input.removeAttribute("aria-invalid");
    input.parentElement.querySelector(".field-error")?.remove();
  }
  const id = error?.path && FIELD_OF_PATH[error.path.replace(/\[\d+\]$/, "")];
  const input = id && $(id);
  if (!input) return;
  foldForm(false); // the field in error is shown, where one types
  input.setAttribute("aria-invalid", "true");
  const note = h("span", { class: "field-error", id: `${id}-error` }, error.message);
  input.setAttribute("aria-describedby", note.id);
  input.after(note);
}

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Every instant in the calendar's zone, with UTC beside it. */
const when = (iso) => (iso ? shownInstant(iso, zone()) : "—");
const show = (v) => (v === null || v === undefined ? "(absent)" : typeof v === "string" ? v : JSON.stringify(v));

function renderStateApproval(sa) {
  $("chain-state").textContent = sa ? `state approval ${sa.decision}` : "no approval chain";
  $("chain-state").className = `pill ${sa?.decision === "approved" ? "approved" : sa?.decision === "rejected" ? "rejected" : "in_progress"}`;
  const who = sa ? sa.assignments.map((a) => `${a.type} ${a.identifier}`).join(", ") : "";
  $("chain-summary").textContent = !sa ? "This workflow has no approval chain; its transitions' guards decide."
    : sa.required ? `Leaving ${sa.state} needs ${sa.required_approvals} approval(s) from ${who}; a rejecting exit needs a rejection.`
    : `The approval of ${sa.state} does not apply: ${sa.why.map((w) => `${w.field} ${w.operator} ${show(w.expected)} is ${w.result} (actual ${show(w.actual)})`).join("; ")}.`;
  $("chain-summary").classList.remove("fast-track");
  $("levels").replaceChildren(...(sa ? [h("li", { class: `level ${sa.decision}`, "data-state-approval": sa.state },
    h("div", { class: "level-head" }, h("strong", { class: "level-name" }, `Approval to leave ${sa.state}`),
      h("span", { class: `pill ${sa.decision}` }, sa.decision)),
    h("p", {}, `Eligible: ${sa.eligible.join(", ") || "nobody in the directory"}. Approved by: ${sa.approved_by.join(", ") || "nobody yet"}.`))] : []));
}

function renderChain(evaluation, roles = {}) {
  // A workflow without an approval chain answers `chain: null`: its state approval, if any, decides.
  if (!evaluation.chain) {
    renderStateApproval(evaluation.state_approval);
    return;
  }
  const chain = evaluation.chain;
  $("chain-state").textContent = chain.state.replace("_", " ");
  $("chain-state").className = `pill ${chain.state}`;
  const summary = [];
  if (chain.started_at) summary.push(`Started ${when(chain.started_at)}.`);
  else if (chain.state === "not_started") summary.push("Not started: deadlines are projected as if requested now.");
  if (chain.current_level) summary.push(`Level ${chain.current_level} is active.`);
  for (const key of chain.modified_by ?? []) summary.push(fastTrack(key, evaluation));
  $("chain-summary").textContent = summary.join(" ");
  $("chain-summary").classList.toggle("fast-track", Boolean(chain.modified_by?.length));

  $("levels").replaceChildren(...chain.levels.map((level) => {
    const li = h("li", { class: `level ${level.state}`, "data-level": String(level.level) });
    li.append(h("div", { class: "level-head" },
      h("span", { class: "num" }, String(level.level)),
      h("strong", { class: "level-name" }, level.name),
      h("span", { class: `pill ${level.state}` }, level.state.replace("_", " ")),
      h("span", { class: "requirement" }, level.required ? "required" : "skipped"),
      level.timeout && h("span", { class: "timeout" }, `timeout ${level.timeout}`)));
    li.append(reason(level));
    if (level.required) {
      // A projected level's times are not promises: they assume every earlier level runs out its
      // ladder. Say what they depend on first, the projection second.
      const before = chain.levels.filter((l) => l.required && l.level < level.level).at(-1);
      const activated = level.projected && level.activated_at
        ? `when ${before ? `level ${before.level} completes` : "the chain starts"} (if nobody acts: ${when(level.activated_at)})`
        : when(level.activated_at);
      const deadline = level.projected && level.deadline
        ? `${level.timeout} after it activates (if nobody acts: ${when(level.deadline)})`
        : when(level.deadline) + (level.overdue ? " — overdue" : "");
      li.append(h("dl", { class: "times" },
        h("dt", {}, "activated"), h("dd", {}, activated),
        h("dt", {}, "deadline"), h("dd", { class: level.overdue ? "overdue" : "" }, deadline),
        h("dt", {}, "completed"), h("dd", {}, when(level.completed_at))));
      li.append(h("div", { class: "groups" }, ...level.groups.map((g) => group(level, g, evaluation, roles))));
    }
    return li;
  }));
}

function reason(level) {
  const box = h("div", { class: "why" });
  if (level.skipped_by) box.append(h("p", {}, `Skipped by recipe ${level.skipped_by}.`));
  if (!level.why.length) {
    if (!level.skipped_by) box.append(h("p", {}, "Always required (no conditions)."));
    return box;
  }
  box.append(h("p", {}, level.required ? "Required because its conditions hold:" : level.skipped_by ? "Its own conditions:" : "Skipped because its conditions do not hold:"));
  box.append(h("ul", { class: "leaves" }, ...level.why.map((w) =>
    h("li", { class: w.result ? "true" : "false" },
      h("span", { class: "mark", "aria-label": w.result ? "holds" : "does not hold" }, w.result ? "✓" : "✗"),
      ` ${w.field} ${w.operator} ${show(w.expected)} — actual: ${show(w.actual)}`))));
  return box;
}

/** What a recipe did to the chain, in words, from the levels' `changes`: "Hotfix Fast Track
 * (hotfix_fast_track) changed the chain: levels 3–4 skipped; timeouts cut to 1h (levels 1–4); role
 * sre_oncall added to level 1." */
function fastTrack(key, evaluation) {
  const name = evaluation.recipes.find((r) => r.key === key)?.name;
  const levels = (change) => evaluation.chain.levels.filter((l) => l.changes.some((c) => c.recipe === key && c.change === change));
  const span = (list) => {
    const numbers = list.map((l) => l.level);
    const consecutive = numbers.every((n, i) => i === 0 || n === numbers[i - 1] + 1);
    return numbers.length > 2 && consecutive ? `${numbers[0]}–${numbers.at(-1)}` : numbers.join(", ");
  };
  const parts = [];
  const skipped = levels("skip_levels");
  if (skipped.length) parts.push(`level${skipped.length > 1 ? "s" : ""} ${span(skipped)} skipped`);
  const cut = levels("reduce_timeout");
  const caps = [...new Set(cut.map((l) => l.timeout))];
  if (cut.length) parts.push(`timeouts cut to ${caps.join(" / ")} (level${cut.length > 1 ? "s" : ""} ${span(cut)})`);
  for (const level of levels("add_approvers")) {
    const added = level.changes.filter((c) => c.recipe === key && c.change === "add_approvers").flatMap((c) => c.assignments ?? []);
    parts.push(`${added.map((a) => `${a.type} ${a.identifier}`).join(", ")} added to level ${level.level}`);
  }
  return `${name ? `${name} (${key})` : key} changed the chain: ${parts.join("; ")}.`;
}

/** The recipe that made `user` eligible at `level`, through an added assignment (the request's own
 * directory says who holds a role). */
function addedBy(level, user, evaluation, roles) {
  for (const change of level.changes) {
    if (change.change !== "add_approvers") continue;
    const match = (change.assignments ?? []).some((a) => a.type === "user" ? a.identifier === user : (roles[a.identifier] ?? []).includes(user));
    if (match) return evaluation.recipes.find((r) => r.key === change.recipe)?.name ?? change.recipe;
  }
  return null;
}

function group(level, g, evaluation, roles) {
  const name = g.group ?? "approvers";
  const who = g.assignments.map((a) => `${a.type} ${a.identifier}`).join(", ");
  const people = g.eligible.map((user) => {
    const done = g.approved_by.includes(user);
    const by = addedBy(level, user, evaluation, roles);
    const item = h("li", { class: done ? "approved" : "" }, user + (done ? " ✓" : ""));
    if (by) item.append(" ", h("span", { class: "added", title: `made eligible by ${by}` }, `added by ${by}`));
    if (level.state === "active" && !done) {
      const button = h("button", { type: "button", class: "approve", title: `Record ${user}'s approval at the current time` }, `✓ approve as ${user}`);
      button.setAttribute("data-approver", user);
      button.addEventListener("click", () => {
        recordApproval({ level: level.level, group: g.group ?? undefined, approver: user, decision: "approve", at: nowOf(state) });
        // The chain is redrawn: keep the keyboard where it was (the next ✓ of the level, else the
        // level itself) and say what changed.
        const card = document.querySelector(`#levels li.level[data-level="${level.level}"]`);
        const next = card?.querySelector("button.approve") ?? card ?? $("h-chain");
        if (card && !card.hasAttribute("tabindex")) card.setAttribute("tabindex", "-1");
        next.focus();
        const now = lastEvaluation?.chain?.levels.find((l) => l.level === level.level);
        $("announce").textContent = `Recorded ${user}'s approval of level ${level.level}; the level is now ${now?.state.replace("_", " ") ?? "updated"}.`;
      });
      item.append(" ", button);
    }
    return item;
  });
  return h("div", { class: `group ${g.satisfied ? "satisfied" : ""}` },
    h("p", {}, h("strong", {}, name), ` — ${g.required} of ${who}${g.satisfied ? " — satisfied" : ""}`),
    people.length ? h("ul", { class: "eligible" }, ...people) : h("p", { class: "hint" }, "No eligible approver: add people to the directory."));
}

function step(s) {
  const to = s.recipients?.length ? ` → ${s.recipients.join(", ")}` : "";
  return `level ${s.level}, step ${s.step + 1} (after ${s.after}): ${s.action.replace("_", " ")}${to} at ${when(s.at)}`;
}

function renderEscalation(escalation) {
  $("escalation").replaceChildren(
    h("h3", {}, "Fired"),
    escalation.fired.length ? h("ol", { class: "fired" }, ...escalation.fired.map((s) => h("li", {}, step(s)))) : h("p", { class: "hint" }, "Nothing has fired yet."),
    h("h3", {}, "Next"),
    h("p", { class: "next" }, escalation.next ? step(escalation.next) : "Nothing is due."));
}

function renderGuards(request, evaluation) {
  $("guard-from").textContent = request.release.status;
  const rows = evaluation.transitions.map((row) => {
    const answer = policy.guard({ ...request, transition: { from: request.release.status, to: row.to } });
    return h("li", { class: `guard ${answer.status}`, "data-to": row.to },
      h("span", { class: `pill ${answer.status}` }, answer.status),
      h("strong", {}, ` → ${row.to}`), row.name ? ` (${row.name})` : "",
      h("p", { class: "message" }, answer.message),
      row.blockers.length ? h("ul", { class: "blockers" }, ...row.blockers.map((b) => h("li", {}, b))) : null);
  });
  $("guards").replaceChildren(...(rows.length ? rows : [h("li", {}, "No transition leaves this status.")]));
}

function renderRecipes(recipes) {
  $("recipes").replaceChildren(...recipes.map((r) => h("li", { class: r.matched ? "matched" : "" },
    h("strong", {}, r.name || r.key), ` (${r.trigger}) — ${r.matched ? "matched" : "not matched"}`,
    r.actions.length ? h("ul", {}, ...r.actions.map((a) => h("li", {}, `${a.type} at ${when(a.at)} — key ${a.key}`))) : null)));
}

function renderSla(evaluation) {
  const sla = evaluation.sla;
  $("sla").replaceChildren(sla
    ? h("p", {}, h("span", { class: `pill sla-${sla.state}` }, `SLA ${sla.state}`),
      ` in ${sla.for_state}: warning ${when(sla.warning_at)}, breach ${when(sla.breach_at)}${sla.business_hours ? " (business hours)" : ""}`)
    : h("p", { class: "hint" }, "No SLA in this status."));
  $("audit").replaceChildren(...(evaluation.audit.length
    ? [h("h3", {}, "Audit"), h("ul", {}, ...evaluation.audit.map((a) => h("li", { class: "audit" }, `${when(a.at)}: ${a.action.replace("_", " ")} level ${a.level} — ${a.reason} (${a.rule})`)))]
    : []));
  $("warnings").replaceChildren(...evaluation.warnings.map((w) => h("li", {}, w)));
}

// ---------------------------------------------------------------------------------------------
// Sharing

$("copy-link").addEventListener("click", async () => {
  clearTimeout(hashTimer);
  $("copy-status").textContent = "";
  await writeHash();
  try {
    await navigator.clipboard.writeText(location.href);
    $("copy-status").textContent = "Link copied.";
  } catch {
    $("copy-status").textContent = "Copy the address bar: it holds this preview.";
  }
});

window.addEventListener("hashchange", async () => {
  const next = await decodeState(location.hash);
  if (!next || JSON.stringify(next) === JSON.stringify(state)) return;
  state = next;
  editor.replace(state.files);
  loadPack({ ...builtinFiles, ...state.files });
  fillForm();
  update();
});

fillForm();
update();
performance.mark("ready");
document.body.dataset.ready = "true";
