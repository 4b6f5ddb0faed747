// The preview's state: what the user edits, how it becomes an evaluation request, and how it
// travels in the URL. Pure functions only; no DOM.

/** Sample people for the pack's roles, so a fresh preview shows real names. */
const SAMPLE_PEOPLE = {
  release_manager: ["rita"],
  qa_lead: ["quinn"],
  engineering_lead: ["erin"],
  sre: ["sam", "sasha"],
  engineering_manager: ["mia"],
  director: ["dana"],
  sre_oncall: ["otto"],
};

const MINUTE = 60_000;

/** `2026-11-27T09:00:00Z` for a Date (seconds dropped: the page works to the minute). */
export function isoMinute(date) {
  return date.toISOString().slice(0, 16) + ":00Z";
}

/** An RFC 3339 instant as milliseconds, or NaN. */
export function parseInstant(text) {
  return typeof text === "string" ? Date.parse(text) : NaN;
}

/** `2026-11-27 09:00` (ISO, 24 h) as a wall clock in `zone` for an instant (UTC when the zone is unknown). */
function wallClock(ms, zone) {
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** An instant as the calendar's wall clock, `2026-11-27 10:00` (what the time fields hold). */
export function toLocalInput(iso, zone = "UTC") {
  const ms = parseInstant(iso);
  if (Number.isNaN(ms)) return "";
  try {
    return wallClock(ms, zone);
  } catch {
    return wallClock(ms, "UTC");
  }
}

/** A wall clock in `zone` (`2026-11-27 10:00` or `2026-11-27T10:00`) as an instant, `…Z`; "" when it
 * does not read. Across a daylight-saving change the offset is found by two corrections. */
export function fromLocalInput(value, zone = "UTC") {
  const match = /^\s*(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(value || "");
  if (!match) return "";
  const wall = Date.parse(`${match[1]}T${match[2]}:00Z`);
  if (Number.isNaN(wall)) return "";
  let guess = wall;
  try {
    for (let i = 0; i < 2; i += 1) guess += wall - Date.parse(`${wallClock(guess, zone).replace(" ", "T")}:00Z`);
  } catch {
    guess = wall;
  }
  return isoMinute(new Date(guess));
}

/** An instant for people: `2026-11-27 10:00 (09:00 UTC)` in the calendar's zone, or `… UTC`. */
export function shownInstant(iso, zone = "UTC") {
  const ms = parseInstant(iso);
  if (Number.isNaN(ms)) return "—";
  const utc = wallClock(ms, "UTC");
  let local = utc;
  try {
    local = wallClock(ms, zone);
  } catch { /* an unknown zone: UTC, which the engine reports as an error anyway */ }
  return local === utc && (zone === "UTC" || !zone) ? `${utc} UTC` : `${local} (${utc.slice(11)} UTC${local.slice(0, 10) === utc.slice(0, 10) ? "" : ` ${utc.slice(5, 10)}`})`;
}

/** `+50h 15m` from a number of minutes. */
export function offsetText(minutes) {
  const sign = minutes < 0 ? "−" : "+";
  const m = Math.abs(minutes);
  const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), r = m % 60;
  return sign + [d && `${d}d`, h && `${h}h`, (r || (!d && !h)) && `${r}m`].filter(Boolean).join(" ");
}

/** The fields a seed case does not say, guessed from what it does: a select option named by one of
 * its labels (`major`), a version tag in its title (`v2.5.0`). */
function seedFields(seed, caseType) {
  const fields = { ...(seed.custom_fields || {}) };
  for (const field of caseType?.fields || []) {
    if (field.key in fields) continue;
    if (field.type === "select") {
      const hit = field.options.find((o) => (seed.labels || []).includes(o));
      if (hit) fields[field.key] = hit;
    }
    if (field.key === "version_tag") {
      const tag = /v\d+(\.\d+)+/.exec(seed.title || "");
      if (tag) fields.version_tag = tag[0];
    }
  }
  return fields;
}

/** The release a seed case starts, requested at `since`. */
export function releaseFromSeed(seed, outline, since) {
  const caseType = outline.case_types.find((c) => c.key === seed.case_type);
  return {
    id: "REL-1",
    title: seed.title,
    case_type: seed.case_type,
    status: seed.status || outline.states[0]?.id || "",
    status_since: since,
    priority: seed.priority || "",
    labels: [...(seed.labels || [])],
    requested_by: "alice",
    custom_fields: seedFields(seed, caseType),
  };
}

/** A fresh state for a pack: its first pending seed case requested at `since`, sample people. */
export function initialState(outline, since) {
  const seed = outline.seed_cases.find((s) => s.status === "pending_approval" && outline.states.some((st) => st.id === s.status))
    || outline.seed_cases.find((s) => outline.states.some((st) => st.id === s.status));
  const release = seed
    ? releaseFromSeed(seed, outline, since)
    : { id: "REL-1", title: "Release", case_type: outline.case_types[0]?.key || "", status: outline.states[0]?.id || "",
        status_since: since, priority: "", labels: [], requested_by: "alice", custom_fields: {} };
  const roles = {};
  for (const role of outline.roles) roles[role] = [...(SAMPLE_PEOPLE[role] || [])];
  return {
    release,
    approvals: [],
    directory: { roles, delegations: [] },
    calendar: { ...outline.calendar, working_days: [...outline.calendar.working_days], holidays: [...outline.calendar.holidays] },
    offset: 0,
    files: {},
  };
}

/** The instant the scrubber stands at. */
export function nowOf(state) {
  const base = parseInstant(state.release.status_since);
  return isoMinute(new Date((Number.isNaN(base) ? 0 : base) + state.offset * MINUTE));
}

/** The evaluation request for the state at `now` (the scrubber's position unless given). */
export function requestOf(state, now = nowOf(state)) {
  const r = state.release;
  const custom = {};
  for (const [key, value] of Object.entries(r.custom_fields)) {
    if (value !== "" && value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0)) custom[key] = value;
  }
  const release = {
    id: r.id, title: r.title, case_type: r.case_type, status: r.status, status_since: r.status_since,
    labels: r.labels, custom_fields: custom, approvals: state.approvals.map(approvalOf),
  };
  if (r.priority) release.priority = r.priority;
  if (r.requested_by) release.requested_by = r.requested_by;
  if (r.workflow) release.workflow = r.workflow;
  const checklists = Object.fromEntries(Object.entries(r.checklists || {}).filter(([, ticks]) => Object.keys(ticks).length));
  if (Object.keys(checklists).length) release.checklists = checklists;
  const roles = {};
  for (const [role, users] of Object.entries(state.directory.roles)) if (users.length) roles[role] = users;
  return {
    now,
    release,
    directory: { roles, delegations: state.directory.delegations },
    calendar: state.calendar,
  };
}

function approvalOf(a) {
  const out = {};
  if (a.state) out.state = a.state;
  else if (a.transition) out.transition = a.transition;
  else out.level = Number(a.level);
  if (a.group) out.group = a.group;
  out.approver = a.approver;
  out.decision = a.decision;
  out.at = a.at;
  return out;
}

/**
 * The state as a URL hash, `#z=` and its JSON deflated (raw DEFLATE, RFC 1951) in base64url: an
 * edited pack travels in a link about a fifth of the plain JSON's length.
 */
export async function encodeState(state) {
  const packed = await through(new TextEncoder().encode(JSON.stringify(state)), new CompressionStream("deflate-raw"));
  let binary = "";
  for (const b of packed) binary += String.fromCharCode(b);
  return "#z=" + btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Whether a hash carries a preview state (readable or not): `#z=`, or `#s=` from older links. */
export const isStateHash = (hash) => /^#[sz]=/.test(hash || "");

/**
 * The state in a hash, or null when there is none or it does not read (a link cut short, most
 * often). Older links' `#s=` (plain JSON in base64url) still read.
 */
export async function decodeState(hash) {
  const match = /^#([sz])=([A-Za-z0-9_-]+)$/.exec(hash || "");
  if (!match) return null;
  try {
    const binary = atob(match[2].replaceAll("-", "+").replaceAll("_", "/"));
    let bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    if (match[1] === "z") bytes = await through(bytes, new DecompressionStream("deflate-raw"));
    const state = JSON.parse(new TextDecoder().decode(bytes));
    const ok = state && typeof state === "object" && state.release && Array.isArray(state.approvals) && state.directory
      && state.calendar && Number.isFinite(state.offset) && typeof state.files === "object";
    return ok ? state : null;
  } catch {
    return null;
  }
}

/** Bytes through a (de)compression stream. */
async function through(bytes, transform) {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(transform)).arrayBuffer());
}
