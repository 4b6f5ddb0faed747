//! The keys each structure of a pack may hold: one declared table per structure, the single place
//! the pack vocabulary lives.
//!
//! Owns: which keys a structure knows, what each decides, which structures are closed (every key
//! decides something, so an unknown key is a load error naming the nearest known key), and which
//! known keys this engine refuses rather than reads past. Must not know: how a key's value is
//! decoded (`decode` does that, and asks these tables about the keys it meets).
//!
//! Honour or refuse: a key that can allow or block a transition, require an approval or set a
//! deadline is either decoded and honoured, or listed here as [`Support::Refused`] so a pack using
//! it fails to load at that key, with the reason.

/// One structure of a pack file (a state, a transition, a recipe…).
#[derive(Debug)]
pub struct Structure {
    /// How messages name it: "a transition", "an SLA".
    pub what: &'static str,
    /// Closed: every key decides something, so an unknown key is an error. Open: unknown keys are
    /// kept silently, except a near miss of a deciding key (`requires_feilds` in a metadata block).
    pub closed: bool,
    pub keys: &'static [Key],
}

/// One known key of a structure.
#[derive(Debug, PartialEq)]
pub struct Key {
    pub name: &'static str,
    /// What the key decides, its default and its units, for people (`describe`, editor schemas);
    /// never part of an answer, so the WebAssembly modules, which never show it, leave it empty.
    pub meaning: &'static str,
    /// Whether the key can change a decision (in an open structure, only these are near-miss
    /// targets; in a closed one every key counts).
    pub decides: bool,
    pub support: Support,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Decoded and honoured (or purely descriptive).
    Honoured,
    /// Known to Kiket, not yet implemented here: the pack is refused at this key, with the reason.
    Refused(&'static str),
}

/// The text of a meaning where it is shown; the WebAssembly modules carry none (see [`Key::meaning`]).
const fn shown(meaning: &'static str) -> &'static str {
    if cfg!(target_arch = "wasm32") { "" } else { meaning }
}

const fn decides(name: &'static str, meaning: &'static str) -> Key {
    Key { name, meaning: shown(meaning), decides: true, support: Support::Honoured }
}

const fn describes(name: &'static str, meaning: &'static str) -> Key {
    Key { name, meaning: shown(meaning), decides: false, support: Support::Honoured }
}

const fn refused(name: &'static str, meaning: &'static str, why: &'static str) -> Key {
    Key { name, meaning: shown(meaning), decides: true, support: Support::Refused(why) }
}

impl Structure {
    pub fn key(&self, name: &str) -> Option<&'static Key> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// The known key nearest to `unknown` by edit distance, if it is close enough to be a typo.
    /// In an open structure only deciding keys are candidates.
    pub fn nearest(&self, unknown: &str) -> Option<&'static Key> {
        let name = nearest(unknown, self.keys.iter().filter(|k| self.closed || k.decides).map(|k| k.name))?;
        self.keys.iter().find(|k| k.name == name)
    }

    /// The key names, in table order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        self.keys.iter().map(|k| k.name)
    }
}

/// The name among `candidates` nearest to `unknown`, if it is close enough to be a typo: up to a
/// third of the longer word and at most three edits (`require_aproval`, `timout`, `conditios`,
/// `requires_feilds`; not `label` for `level`).
pub fn nearest<'a>(unknown: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    // Descriptive keys of open structures are checked against every deciding key on every load, so
    // words whose lengths alone rule out a typo are skipped before any distance is computed.
    let (name, distance) = candidates
        .filter(|c| unknown.len().abs_diff(c.len()) <= 3)
        .map(|c| (c, edit_distance(unknown.as_bytes(), c.as_bytes())))
        .min_by_key(|(_, d)| *d)?;
    let longest = unknown.len().max(name.len());
    (unknown != name && distance <= 3 && distance * 3 <= longest).then_some(name)
}

/// Levenshtein distance over bytes, ASCII case-insensitive (`Required` is a typo of `required`);
/// keys are short ASCII words, and anything longer than 64 bytes is no typo of one.
fn edit_distance(a: &[u8], b: &[u8]) -> usize {
    if b.len() > 64 {
        return usize::MAX;
    }
    let mut row = [0usize; 65];
    for (j, cell) in row.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(!ca.eq_ignore_ascii_case(cb));
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

// ---------------------------------------------------------------------------------------------
// Workflow files

pub static WORKFLOW_FILE: Structure = Structure {
    what: "a workflow file",
    closed: true,
    keys: &[
        describes("model_version", "the definitions format version; `1.0`"),
        decides("workflow", "the workflow's id (recipes, case types and requests refer to it), name, version, description"),
        decides("states", "a mapping of state ids to states"),
        decides("transitions", "the list of allowed moves between states"),
        decides("hooks", "host work on workflow events (`event`, `when`, `run`)"),
        decides("automations", "host automations on workflow events (`id`, `on`, `when`, `run`)"),
        describes("analytics", "dashboards the workflow refers to and named metric expressions"),
    ],
};

pub static WORKFLOW_HEADER: Structure = Structure {
    what: "the workflow header",
    closed: true,
    keys: &[
        decides("id", "the workflow id; recipes live under workflows/<id>/"),
        describes("name", "display name; default: the id"),
        describes("version", "the author's version of the workflow"),
        describes("description", "free text"),
    ],
};

pub static STATE: Structure = Structure {
    what: "a state",
    closed: true,
    keys: &[
        decides("type", "initial, active, gateway or final"),
        describes("category", "board grouping (pending, active, review, completed, blocked)"),
        describes("metadata", "display: label, color, icon, description"),
        decides("wip_limit", "at most this many cases in the state: a transition into it is blocked at the limit"),
        decides("sla", "warning and breach deadlines from entering the state"),
        describes("on_enter", "host actions when a case enters the state"),
        decides("approval", "an approval for leaving the state (`required`, `approvers`, `conditions`)"),
        decides("checklist", "items to tick, read by transition conditions `{checklist: <id>, complete: true}`"),
        decides("conditions", "an entry guard: every transition into the state needs these to hold"),
        describes("on_complete", "host actions when the state's work completes"),
    ],
};

pub static STATE_APPROVAL: Structure = Structure {
    what: "a state approval",
    closed: true,
    keys: &[
        decides("required", "`any`, `all`, or a number N of distinct approvers; default 1"),
        decides("approvers", "who may approve: `{role: <name>}` or `{user: <name>}` entries"),
        decides("conditions", "the approval applies only when these hold; absent: always"),
    ],
};

pub static APPROVER: Structure = Structure {
    what: "an approver",
    closed: true,
    keys: &[decides("role", "a role name, resolved through the request's directory"), decides("user", "one user")],
};

/// The deadline keys the mapping form and each list entry share.
const SLA_KEYS: [Key; 6] = [
    decides("warning", "duration from entering the state to the SLA warning (`2h`)"),
    decides("breach", "duration from entering the state to the SLA breach (`8h`)"),
    decides("business_hours", "count the durations in working hours of the calendar; default false"),
    decides("on_warning", "host actions once the warning is crossed"),
    decides("on_breach", "host actions once the breach is crossed"),
    decides(
        "pause_on_state",
        "true: the case's service clocks stop while it is in this state; this state's own warning and breach still run; default false",
    ),
];

pub static SLA: Structure = Structure { what: "an SLA", closed: true, keys: &SLA_KEYS };

/// One entry of a list-form SLA: the SLA keys plus `condition`, or `default: true` for the last.
pub static SLA_VARIANT: Structure = Structure { what: "an SLA entry", closed: true, keys: &sla_entry_keys() };

const fn sla_entry_keys() -> [Key; 8] {
    let [warning, breach, business_hours, on_warning, on_breach, pause_on_state] = SLA_KEYS;
    [
        decides("condition", "this entry applies when it holds; the first entry that holds wins"),
        decides("default", "`true`: the entry that applies when no condition holds (the last entry)"),
        warning,
        breach,
        business_hours,
        on_warning,
        on_breach,
        pause_on_state,
    ]
}

pub static TRANSITION: Structure = Structure {
    what: "a transition",
    closed: true,
    keys: &[
        decides("from", "the state the transition leaves"),
        decides("to", "the state it enters"),
        describes("name", "display name"),
        describes("description", "free text"),
        decides("metadata", "display keys, and the guards `requires_fields` and `rejection`"),
        decides("requires_fields", "custom fields that must be present and non-empty (same as `metadata.requires_fields`)"),
        decides("require_approval", "approvals the transition needs (`assignment`, `metadata`)"),
        decides("approval_chain", "the multi-level approval chain gating this transition"),
        decides("conditions", "a guard: the transition is allowed only when these hold (a bare list means all)"),
    ],
};

pub static TRANSITION_METADATA: Structure = Structure {
    what: "transition metadata",
    closed: false,
    keys: &[
        decides("requires_fields", "custom fields that must be present and non-empty"),
        decides("rejection", "true marks the way back when approval is refused; default false"),
    ],
};

pub static REQUIRED_APPROVAL: Structure = Structure {
    what: "a required approval",
    closed: true,
    keys: &[decides("assignment", "who may approve (`type`, `identifier`)"), describes("metadata", "`message`, `urgency`")],
};

pub static ASSIGNMENT: Structure = Structure {
    what: "an assignment",
    closed: true,
    keys: &[decides("type", "role or user"), decides("identifier", "the role or user name")],
};

pub static APPROVAL_CHAIN: Structure = Structure {
    what: "an approval chain",
    closed: true,
    keys: &[
        decides("chain", "the list of approval levels"),
        decides("levels", "alias of `chain`"),
        decides("escalation", "the escalation ladder, restarting for every level"),
        decides("business_hours", "timeouts and ladder steps count working hours; default false"),
        decides("allow_self_approval", "the requester may approve; default false"),
        describes("metadata", "free display data"),
    ],
};

pub static LEVEL: Structure = Structure {
    what: "an approval level",
    closed: true,
    keys: &[
        decides("level", "its number; levels run in ascending order"),
        describes("name", "display name"),
        decides("assignments", "who may approve"),
        decides("required", "`any` (default), `all`, or a number N of distinct approvers"),
        decides("timeout", "duration from activation to the deadline"),
        decides("conditions", "the level is required only when these hold; absent: always"),
        decides("parallel", "named groups approving side by side"),
        decides("logic", "AND (default): every group; OR: any group"),
        describes("metadata", "`message`"),
    ],
};

pub static GROUP: Structure = Structure {
    what: "a parallel group",
    closed: true,
    keys: &[
        decides("group", "the group's name"),
        decides("assignments", "who may approve for the group"),
        decides("required", "`any` (default), `all`, or a number N of distinct approvers"),
        describes("metadata", "free display data"),
    ],
};

pub static ESCALATION_STEP: Structure = Structure {
    what: "an escalation step",
    closed: true,
    keys: &[
        decides("after", "duration from the level's activation"),
        decides("action", "reminder, escalate, notify_executive or auto_approve"),
        decides("to", "assignments to escalate to or notify"),
        describes("channels", "notification channels"),
        describes("reason", "the audit entry's reason (auto_approve)"),
        describes("metadata", "free display data"),
    ],
};

pub static HOOK: Structure = Structure {
    what: "a hook",
    closed: true,
    keys: &[
        decides("event", "the workflow event that runs it"),
        decides("when", "`from` / `to` states the event must match"),
        decides("run", "host actions"),
    ],
};

pub static WORKFLOW_AUTOMATION: Structure = Structure {
    what: "an automation",
    closed: true,
    keys: &[
        decides("id", "the automation id"),
        describes("name", "display name"),
        describes("description", "free text"),
        decides("on", "the workflow event that runs it"),
        decides("when", "`from` / `to` states the event must match"),
        decides("run", "host actions"),
    ],
};

pub static TRANSITION_FILTER: Structure = Structure {
    what: "`when`",
    closed: true,
    keys: &[decides("from", "the state left; absent: any"), decides("to", "the state entered; absent: any")],
};

pub static CHECKLIST: Structure = Structure {
    what: "a checklist",
    closed: true,
    keys: &[
        decides("id", "the checklist id transition conditions name"),
        describes("title", "display name"),
        decides("required_mode", "`all`: every item is required, whatever its own `required`"),
        decides("items", "the items (`id`, `label`, `check_type`, `required`, `condition`)"),
        refused("on_complete", "actions when the checklist completes", MOVES_A_CASE),
    ],
};

pub static CHECKLIST_ITEM: Structure = Structure {
    what: "a checklist item",
    closed: true,
    keys: &[
        decides("id", "the item id a request ticks in `release.checklists`"),
        describes("label", "display name"),
        decides("check_type", "`manual` (ticked in the request) or `auto` (done when `condition` holds)"),
        decides("required", "the item must be done; default false (see `required_mode`)"),
        decides("condition", "when an auto item is done"),
    ],
};

// ---------------------------------------------------------------------------------------------
// Conditions

/// `{checklist: <id>, complete: true}`: a leaf on a checklist's completeness.
pub static CHECKLIST_LEAF: Structure = Structure {
    what: "a checklist condition",
    closed: true,
    keys: &[decides("checklist", "the checklist id"), decides("complete", "true: the checklist must be complete; false: not")],
};

/// The keys of a condition leaf besides its operator (`operator:` or a shorthand key).
pub static CONDITION: Structure = Structure {
    what: "a condition",
    closed: true,
    keys: &[
        decides("field", "the field to test (`priority`, `custom_fields.<key>`, …)"),
        decides("operator", "how to compare (`=`, `in`, `gte`, …)"),
        decides("value", "what to compare with"),
    ],
};

// ---------------------------------------------------------------------------------------------
// Recipes

pub static RECIPE_FILE: Structure = Structure {
    what: "a recipe file",
    closed: true,
    keys: &[describes("model_version", "the definitions format version; `1.0`"), decides("recipe", "the recipe")],
};

pub static RECIPE: Structure = Structure {
    what: "a recipe",
    closed: true,
    keys: &[
        decides("key", "the recipe key (idempotency keys derive from it)"),
        describes("name", "display name"),
        describes("description", "free text"),
        decides("trigger", "the event that runs it"),
        decides("schedule", "the cron schedule of a `scheduled` recipe, in the calendar's time zone"),
        decides("conditions", "the recipe applies only when these hold"),
        decides("actions", "what it does"),
        describes("metadata", "free display data"),
        decides("requires_approval", "the host asks for approval before performing the actions; default false"),
    ],
};

/// Recipe actions the engine applies or that change a case or an approval: closed per type.
pub static ACTION_MODIFY_APPROVAL_CHAIN: Structure = Structure {
    what: "a `modify_approval_chain` action",
    closed: true,
    keys: &[
        decides("type", "the action type"),
        decides("changes", "skip_levels, reduce_timeout, add_approvers"),
        describes("reason", "free text"),
    ],
};

pub static ACTION_ESCALATE_APPROVAL: Structure = Structure {
    what: "an `escalate_approval` action",
    closed: true,
    keys: &[
        decides("type", "the action type"),
        decides("add_approvers", "assignments eligible from the instant it fires"),
        describes("reason", "free text"),
    ],
};

pub static ACTION_REQUEST_APPROVAL: Structure = Structure {
    what: "a `request_approval` action",
    closed: true,
    keys: &[
        decides("type", "the action type"),
        decides("assignment", "who must approve (`type`, `identifier`)"),
        decides("role", "who must approve: a role (short for `assignment: {type: role, identifier}`)"),
        decides("timeout", "how long the approver has"),
        describes("urgency", "free text"),
        describes("reason", "free text"),
        describes("message", "free text"),
    ],
};

pub static ACTION_ADD_LABEL: Structure = Structure {
    what: "an `add_label` action",
    closed: true,
    keys: &[decides("type", "the action type"), decides("label", "the label to add")],
};

pub static ACTION_SET_PRIORITY: Structure = Structure {
    what: "a `set_priority` action",
    closed: true,
    keys: &[decides("type", "the action type"), decides("value", "the new priority"), describes("reason", "free text")],
};

pub static ACTION_ASSIGN: Structure = Structure {
    what: "an `assign` action",
    closed: true,
    keys: &[
        decides("type", "the action type"),
        decides("to", "who becomes the assignee (a user, or a host placeholder such as `current_assignee`)"),
        decides("fallback", "who, when `to` resolves to nobody"),
        decides("field", "the field to assign instead of `assignee`"),
    ],
};

pub static ACTION_SET_FIELD: Structure = Structure {
    what: "a `set_field` action",
    closed: true,
    keys: &[decides("type", "the action type"), decides("field", "the field to set"), decides("value", "its new value")],
};

/// `- action: set_field` in hooks and state actions.
pub static HOST_SET_FIELD: Structure = Structure {
    what: "a `set_field` action",
    closed: true,
    keys: &[decides("action", "the action's name"), decides("field", "the field to set"), decides("value", "its new value")],
};

/// Why an action that would move a case is refused, wherever it is written.
pub const MOVES_A_CASE: &str = "actions that move a case (`transition`, `set_field` of `status`) are not yet implemented by this engine: it would have to guard each move";

pub static ACTION_TRANSITION: Structure = Structure {
    what: "a `transition` action",
    closed: true,
    keys: &[decides("type", "the action type"), decides("to", "the state the case moves to (guarded like any transition)")],
};

pub static AUTOMATIONS_FILE: Structure = Structure {
    what: "an automations file",
    closed: true,
    keys: &[describes("model_version", "the definitions format version; `1.0`"), decides("automations", "the list of automations")],
};

pub static AUTOMATION: Structure = Structure {
    what: "an automation",
    closed: true,
    keys: &[
        decides("id", "the automation id (idempotency keys derive from it)"),
        describes("name", "display name"),
        describes("description", "free text"),
        describes("version", "the author's version"),
        decides("enabled", "false: loaded, never run; default true"),
        decides("trigger", "`event`, `conditions`, and `cron` for the `schedule` event"),
        decides("query", "which cases it acts on: `case_types`, `status`, `last_updated_before`"),
        decides("actions", "what it does"),
    ],
};

pub static AUTOMATION_TRIGGER: Structure = Structure {
    what: "an automation trigger",
    closed: true,
    keys: &[
        decides("event", "the event that runs it (`case.updated`, `sla.warning`, `schedule`, …)"),
        decides("conditions", "the automation runs only when these hold (a bare list means all)"),
        decides("cron", "the schedule of the `schedule` event, in the calendar's time zone"),
    ],
};

pub static AUTOMATION_QUERY: Structure = Structure {
    what: "an automation query",
    closed: true,
    keys: &[
        decides("case_types", "case types it acts on"),
        decides("issue_types", "alias of `case_types`"),
        decides("status", "states it acts on"),
        decides("statuses", "alias of `status`"),
        decides("last_updated_before", "only cases not updated for this long (`7d`)"),
    ],
};

pub static REDUCE_TIMEOUT: Structure = Structure {
    what: "reduce_timeout",
    closed: true,
    keys: &[
        decides("all_levels", "the cap on every level's timeout"),
        decides("level", "one level"),
        decides("levels", "several levels"),
        decides("timeout", "the cap on the selected levels' timeouts"),
    ],
};

pub static ADD_APPROVERS: Structure = Structure {
    what: "add_approvers",
    closed: true,
    keys: &[decides("level", "the level that gains approvers"), decides("assignment", "one assignment"), decides("assignments", "several")],
};

// ---------------------------------------------------------------------------------------------
// Case types and workspace

pub static CASE_TYPES_FILE: Structure = Structure {
    what: "a case types file",
    closed: true,
    keys: &[
        describes("model_version", "the definitions format version; `1.0`"),
        decides("case_types", "the list of case types"),
        decides("issue_types", "alias of `case_types`"),
    ],
};

pub static WORKSPACE_FILE: Structure = Structure {
    what: "a workspace file",
    closed: false,
    keys: &[
        decides("workspace", "the workspace settings"),
        decides("project", "alias of `workspace`"),
        decides("calendar", "working days, hours, time zone and holidays for business time"),
    ],
};

pub static CASE_TYPE: Structure = Structure {
    what: "a case type",
    closed: false,
    keys: &[
        decides("key", "the case type key requests name"),
        decides("fields", "custom field definitions requests are checked against"),
        decides("workflow", "the workflow cases of this type follow"),
    ],
};

pub static FIELD_DEF: Structure = Structure {
    what: "a field definition",
    closed: false,
    keys: &[
        decides("key", "the custom field key"),
        decides("type", "text, number, select, multiselect, …"),
        decides("options", "the allowed values of a select / multiselect"),
        decides("required", "informational: the host's forms require it; default false"),
        decides("readonly", "informational; default false"),
    ],
};

pub static WORKSPACE: Structure = Structure {
    what: "the workspace",
    closed: false,
    keys: &[
        decides("calendar", "working days, hours, time zone and holidays for business time"),
        decides("team", "declared roles (`roles`)"),
        describes("seed_data", "sample cases (`cases`)"),
    ],
};

/// A board file: presentation, except its columns' WIP limits.
pub static BOARD_FILE: Structure = Structure {
    what: "a board file",
    closed: false,
    keys: &[decides("board", "the board's id and workflow"), decides("columns", "the columns, with their states and WIP limits")],
};

pub static BOARD_HEADER: Structure = Structure {
    what: "a board",
    closed: false,
    keys: &[decides("id", "the board id"), decides("workflow", "the workflow whose cases it shows")],
};

pub static BOARD_COLUMN: Structure = Structure {
    what: "a board column",
    closed: false,
    keys: &[
        decides("states", "the states the column shows"),
        decides("wip_limit", "at most this many cases in the column's states: Kiket's boards warn at it, they do not block"),
    ],
};

pub static CALENDAR: Structure = Structure {
    what: "a calendar",
    closed: true,
    keys: &[
        decides("timezone", "IANA time zone; default UTC"),
        decides("working_days", "default mon–fri"),
        decides("hours", "`HH:MM-HH:MM`; default 09:00-17:00"),
        decides("holidays", "dates (`YYYY-MM-DD`) that are not working days"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_key_is_a_typo_not_any_key() {
        assert_eq!(TRANSITION.nearest("require_aproval").map(|k| k.name), Some("require_approval"));
        assert_eq!(LEVEL.nearest("timout").map(|k| k.name), Some("timeout"));
        assert_eq!(RECIPE.nearest("conditios").map(|k| k.name), Some("conditions"));
        assert_eq!(TRANSITION_METADATA.nearest("requires_feilds").map(|k| k.name), Some("requires_fields"));
        assert_eq!(LEVEL.nearest("Required").map(|k| k.name), Some("required"));
        assert_eq!(TRANSITION_METADATA.nearest("label"), None, "descriptive keys of open structures are not near misses");
        assert_eq!(LEVEL.nearest("owner"), None);
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance(b"", b"abc"), 3);
        assert_eq!(edit_distance(b"kitten", b"sitting"), 3);
        assert_eq!(edit_distance(b"timeout", b"TimeOut"), 0);
        assert_eq!(edit_distance(b"ab", b"ba"), 2);
    }
}
