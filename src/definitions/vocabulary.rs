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
#[derive(Debug)]
pub struct Key {
    pub name: &'static str,
    /// What the key decides, its default and its units, for people (`describe`, editor schemas);
    /// never part of an answer, so the WebAssembly modules, which never show it, leave it empty.
    pub meaning: &'static str,
    /// Whether the key can change a decision (in an open structure, only these are near-miss
    /// targets; in a closed one every key counts).
    pub decides: bool,
    pub support: Support,
    /// The value the key takes, as the decoder reads it (the editor schemas are generated from it;
    /// the WebAssembly modules that generate none leave it out, see [`KeyShape`]).
    pub shape: KeyShape,
    pub presence: Presence,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// Decoded and honoured (or purely descriptive).
    Honoured,
    /// Known to Kiket, not yet implemented here: the pack is refused at this key, with the reason.
    Refused(&'static str),
}

/// Whether a structure must hold a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Optional,
    /// Missing (or null) is an error.
    Required,
    /// Exactly one of the structure's `OneOf` keys must be given (`chain` or its alias `levels`,
    /// `role` or `user`): none or two is an error.
    OneOf,
}

/// The value of a key as the decoder reads it. YAML's explicit null counts as absent everywhere.
#[derive(Clone, Copy)]
pub enum Shape {
    /// Anything: display data, host parameters handed over as written.
    Any,
    /// Any non-null scalar, read as text (`version: 1.0`).
    Text,
    Bool,
    /// A whole number of at least 1.
    Positive,
    Number,
    /// `30m`, `4h`, `2d`, `1w`, or ISO 8601 (`PT4H`).
    Duration,
    /// Text matching a regular expression (ECMA-262, as JSON Schema has it).
    Pattern(&'static str),
    /// One of these words, from the decoder's own table.
    Words(fn() -> Vec<&'static str>),
    /// A mapping read against a structure's table.
    Map(&'static Structure),
    List(&'static Shape),
    /// A list with at least one item.
    NonEmpty(&'static Shape),
    /// A mapping of names (state ids) to values.
    Named(&'static Shape),
    /// Any one of these.
    Either(&'static [Shape]),
    /// A condition tree: a leaf, `all`/`any`/`not`, or a bare list.
    Condition,
    /// `model_version`: `1.0` or `1`, written as a number or as text.
    ModelVersion,
    /// A host action: `action:` and its parameters.
    HostAction,
    /// A recipe or automation action: `type:` and its parameters, see [`RECIPE_ACTIONS`].
    RecipeAction,
}

impl std::fmt::Debug for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shape::Any => f.write_str("Any"),
            Shape::Text => f.write_str("Text"),
            Shape::Bool => f.write_str("Bool"),
            Shape::Positive => f.write_str("Positive"),
            Shape::Number => f.write_str("Number"),
            Shape::Duration => f.write_str("Duration"),
            Shape::Pattern(p) => write!(f, "Pattern({p:?})"),
            Shape::Words(words) => write!(f, "Words({:?})", words()),
            // Structures nest (and conditions recur), so a structure is named, not expanded.
            Shape::Map(s) => write!(f, "Map({:?})", s.what),
            Shape::List(s) => write!(f, "List({s:?})"),
            Shape::NonEmpty(s) => write!(f, "NonEmpty({s:?})"),
            Shape::Named(s) => write!(f, "Named({s:?})"),
            Shape::Either(s) => write!(f, "Either({s:?})"),
            Shape::Condition => f.write_str("Condition"),
            Shape::ModelVersion => f.write_str("ModelVersion"),
            Shape::HostAction => f.write_str("HostAction"),
            Shape::RecipeAction => f.write_str("RecipeAction"),
        }
    }
}

/// A key's shape where schemas are generated; nothing (not even a tag per key) where they are not.
#[cfg(schemas)]
pub type KeyShape = Shape;
/// A key's shape where schemas are generated; nothing (not even a tag per key) where they are not.
#[cfg(not(schemas))]
pub type KeyShape = ();

/// The text of a meaning where it is shown (see [`Key::meaning`]).
const fn shown(meaning: &'static str) -> &'static str {
    if cfg!(schemas) { meaning } else { "" }
}

/// A shape where schemas are generated (see [`Key::shape`]).
#[cfg(schemas)]
const fn shaped(shape: Shape) -> KeyShape {
    shape
}

#[cfg(not(schemas))]
const fn shaped(_: Shape) -> KeyShape {}

const fn decides(name: &'static str, shape: Shape, meaning: &'static str) -> Key {
    Key { name, meaning: shown(meaning), decides: true, support: Support::Honoured, shape: shaped(shape), presence: Presence::Optional }
}

const fn describes(name: &'static str, shape: Shape, meaning: &'static str) -> Key {
    Key { name, meaning: shown(meaning), decides: false, support: Support::Honoured, shape: shaped(shape), presence: Presence::Optional }
}

const fn refused(name: &'static str, meaning: &'static str, why: &'static str) -> Key {
    Key {
        name,
        meaning: shown(meaning),
        decides: true,
        support: Support::Refused(why),
        shape: shaped(Shape::Any),
        presence: Presence::Optional,
    }
}

impl Key {
    /// The key must be given.
    const fn required(self) -> Key {
        Key { presence: Presence::Required, ..self }
    }

    /// Exactly one of the structure's `one_of` keys must be given.
    const fn one_of(self) -> Key {
        Key { presence: Presence::OneOf, ..self }
    }
}

use Shape::{Any, Bool, Either, HostAction, List, Map, Named, NonEmpty, Number, Pattern, Positive, RecipeAction, Text, Words};

/// The names of a decoder table (`StateType::ALL`).
fn names<T>(table: &[(&'static str, T)]) -> Vec<&'static str> {
    table.iter().map(|(n, _)| *n).collect()
}

/// `check_type:` of a checklist item: auto or not.
pub const CHECK_TYPES: [(&str, bool); 2] = [("manual", false), ("auto", true)];
/// `required_mode:` of a checklist: every item required or not.
pub const REQUIRED_MODES: [(&str, bool); 2] = [("all", true), ("required", false)];

const TEXTS: Shape = List(&Text);
const ASSIGNMENTS: Shape = NonEmpty(&Map(&ASSIGNMENT));
const HOST_ACTIONS: Shape = List(&HostAction);
const METADATA: Shape = Any;
/// `any`, `all` (any case) or a number of approvers.
const REQUIRED: Shape = Either(&[Pattern("^([aA][nN][yY]|[aA][lL][lL])$"), Positive]);
const ONE_OR_MANY: Shape = Either(&[Text, List(&Text)]);
const CONDITION: Shape = Shape::Condition;
const DURATION: Shape = Shape::Duration;
const MODEL_VERSION: Key = describes("model_version", Shape::ModelVersion, "the definitions format version; `1.0`");

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
        MODEL_VERSION,
        decides(
            "workflow",
            Map(&WORKFLOW_HEADER),
            "the workflow's id (recipes, case types and requests refer to it), name, version, description",
        )
        .required(),
        decides("states", Named(&Map(&STATE)), "a mapping of state ids to states; exactly one has `type: initial`").required(),
        decides("transitions", List(&Map(&TRANSITION)), "the list of allowed moves between states").required(),
        decides("hooks", List(&Map(&HOOK)), "host work on workflow events (`event`, `when`, `run`)"),
        decides("automations", List(&Map(&WORKFLOW_AUTOMATION)), "host automations on workflow events (`id`, `on`, `when`, `run`)"),
        describes("analytics", Any, "dashboards the workflow refers to and named metric expressions"),
    ],
};

pub static WORKFLOW_HEADER: Structure = Structure {
    what: "the workflow header",
    closed: true,
    keys: &[
        decides("id", Text, "the workflow id; recipes live under workflows/<id>/").required(),
        describes("name", Text, "display name; default: the id"),
        describes("version", Text, "the author's version of the workflow"),
        describes("description", Text, "free text"),
    ],
};

pub static STATE: Structure = Structure {
    what: "a state",
    closed: true,
    keys: &[
        decides("type", Words(|| names(&crate::definitions::StateType::ALL)), "initial, active, gateway or final").required(),
        describes("category", Text, "board grouping (pending, active, review, completed, blocked)"),
        describes("metadata", METADATA, "display: label, color, icon, description"),
        decides("wip_limit", Positive, "at most this many cases in the state: a transition into it is blocked at the limit"),
        decides(
            "sla",
            Either(&[Map(&SLA), NonEmpty(&Map(&SLA_VARIANT))]),
            "warning and breach deadlines from entering the state; a list picks the first entry whose `condition` holds",
        ),
        describes("on_enter", HOST_ACTIONS, "host actions when a case enters the state"),
        decides("approval", Map(&STATE_APPROVAL), "an approval for leaving the state (`required`, `approvers`, `conditions`)"),
        decides("checklist", Map(&CHECKLIST), "items to tick, read by transition conditions `{checklist: <id>, complete: true}`"),
        decides("conditions", CONDITION, "an entry guard: every transition into the state needs these to hold"),
        describes("on_complete", HOST_ACTIONS, "host actions when the state's work completes"),
    ],
};

pub static STATE_APPROVAL: Structure = Structure {
    what: "a state approval",
    closed: true,
    keys: &[
        decides("required", REQUIRED, "`any`, `all`, or a number N of distinct approvers; default 1"),
        decides("approvers", NonEmpty(&Map(&APPROVER)), "who may approve: `{role: <name>}` or `{user: <name>}` entries").required(),
        decides("conditions", CONDITION, "the approval applies only when these hold; absent: always"),
    ],
};

pub static APPROVER: Structure = Structure {
    what: "an approver",
    closed: true,
    keys: &[
        decides("role", Text, "a role name, resolved through the request's directory").one_of(),
        decides("user", Text, "one user").one_of(),
    ],
};

/// The deadline keys the mapping form and each list entry share.
const SLA_KEYS: [Key; 6] = [
    decides("warning", DURATION, "duration from entering the state to the SLA warning (`2h`)"),
    decides("breach", DURATION, "duration from entering the state to the SLA breach (`8h`)"),
    decides("business_hours", Bool, "count the durations in working hours of the calendar; default false"),
    decides("on_warning", HOST_ACTIONS, "host actions once the warning is crossed"),
    decides("on_breach", HOST_ACTIONS, "host actions once the breach is crossed"),
    decides(
        "pause_on_state",
        Bool,
        "true: the case's service clocks stop while it is in this state; this state's own warning and breach still run; default false",
    ),
];

pub static SLA: Structure = Structure { what: "an SLA", closed: true, keys: &SLA_KEYS };

/// One entry of a list-form SLA: the SLA keys plus `condition`, or `default: true` for the last.
pub static SLA_VARIANT: Structure = Structure { what: "an SLA entry", closed: true, keys: &sla_entry_keys() };

const fn sla_entry_keys() -> [Key; 8] {
    let [warning, breach, business_hours, on_warning, on_breach, pause_on_state] = SLA_KEYS;
    [
        decides("condition", CONDITION, "this entry applies when it holds; the first entry that holds wins"),
        decides("default", Bool, "`true`: the entry that applies when no condition holds (the last entry)"),
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
        decides("from", Text, "the state the transition leaves").required(),
        decides("to", Text, "the state it enters").required(),
        describes("name", Text, "display name"),
        describes("description", Text, "free text"),
        decides("metadata", Map(&TRANSITION_METADATA), "display keys, and the guards `requires_fields` and `rejection`"),
        decides("requires_fields", TEXTS, "custom fields that must be present and non-empty (same as `metadata.requires_fields`)"),
        decides("require_approval", List(&Map(&REQUIRED_APPROVAL)), "approvals the transition needs (`assignment`, `metadata`)"),
        decides("approval_chain", Map(&APPROVAL_CHAIN), "the multi-level approval chain gating this transition"),
        decides("conditions", CONDITION, "a guard: the transition is allowed only when these hold (a bare list means all)"),
    ],
};

pub static TRANSITION_METADATA: Structure = Structure {
    what: "transition metadata",
    closed: false,
    keys: &[
        decides("requires_fields", TEXTS, "custom fields that must be present and non-empty"),
        decides("rejection", Bool, "true marks the way back when approval is refused; default false"),
    ],
};

pub static REQUIRED_APPROVAL: Structure = Structure {
    what: "a required approval",
    closed: true,
    keys: &[
        decides("assignment", Map(&ASSIGNMENT), "who may approve (`type`, `identifier`)").required(),
        describes("metadata", METADATA, "`message`, `urgency`"),
    ],
};

pub static ASSIGNMENT: Structure = Structure {
    what: "an assignment",
    closed: true,
    keys: &[
        decides("type", Words(|| names(&crate::definitions::AssignmentKind::ALL)), "role or user").required(),
        decides("identifier", Text, "the role or user name").required(),
    ],
};

pub static APPROVAL_CHAIN: Structure = Structure {
    what: "an approval chain",
    closed: true,
    keys: &[
        decides("chain", NonEmpty(&Map(&LEVEL)), "the list of approval levels").one_of(),
        decides("levels", NonEmpty(&Map(&LEVEL)), "alias of `chain`").one_of(),
        decides("escalation", List(&Map(&ESCALATION_STEP)), "the escalation ladder, restarting for every level"),
        decides("business_hours", Bool, "timeouts and ladder steps count working hours; default false"),
        decides("allow_self_approval", Bool, "the requester may approve; default false"),
        describes("metadata", METADATA, "free display data"),
    ],
};

pub static LEVEL: Structure = Structure {
    what: "an approval level",
    closed: true,
    keys: &[
        decides("level", Positive, "its number; levels run in ascending order").required(),
        describes("name", Text, "display name").required(),
        decides("assignments", ASSIGNMENTS, "who may approve").one_of(),
        decides("required", REQUIRED, "`any` (default), `all`, or a number N of distinct approvers"),
        decides("timeout", DURATION, "duration from activation to the deadline"),
        decides("conditions", CONDITION, "the level is required only when these hold; absent: always"),
        decides("parallel", NonEmpty(&Map(&GROUP)), "named groups approving side by side").one_of(),
        decides("logic", Pattern("^([aA][nN][dD]|[oO][rR])$"), "AND (default): every group; OR: any group"),
        describes("metadata", METADATA, "`message`"),
    ],
};

pub static GROUP: Structure = Structure {
    what: "a parallel group",
    closed: true,
    keys: &[
        decides("group", Text, "the group's name").required(),
        decides("assignments", ASSIGNMENTS, "who may approve for the group").required(),
        decides("required", REQUIRED, "`any` (default), `all`, or a number N of distinct approvers"),
        describes("metadata", METADATA, "free display data"),
    ],
};

pub static ESCALATION_STEP: Structure = Structure {
    what: "an escalation step",
    closed: true,
    keys: &[
        decides("after", DURATION, "duration from the level's activation").required(),
        decides("action", Words(|| names(&crate::definitions::LadderAction::ALL)), "reminder, escalate, notify_executive or auto_approve")
            .required(),
        decides("to", ASSIGNMENTS, "assignments to escalate to or notify"),
        describes("channels", TEXTS, "notification channels"),
        describes("reason", Text, "the audit entry's reason (auto_approve)"),
        describes("metadata", METADATA, "free display data"),
    ],
};

pub static HOOK: Structure = Structure {
    what: "a hook",
    closed: true,
    keys: &[
        decides("event", Text, "the workflow event that runs it").required(),
        decides("when", Map(&TRANSITION_FILTER), "`from` / `to` states the event must match"),
        decides("run", HOST_ACTIONS, "host actions"),
    ],
};

pub static WORKFLOW_AUTOMATION: Structure = Structure {
    what: "an automation",
    closed: true,
    keys: &[
        decides("id", Text, "the automation id").required(),
        describes("name", Text, "display name"),
        describes("description", Text, "free text"),
        decides("on", Text, "the workflow event that runs it").required(),
        decides("when", Map(&TRANSITION_FILTER), "`from` / `to` states the event must match"),
        decides("run", HOST_ACTIONS, "host actions"),
    ],
};

pub static TRANSITION_FILTER: Structure = Structure {
    what: "`when`",
    closed: true,
    keys: &[decides("from", Text, "the state left; absent: any"), decides("to", Text, "the state entered; absent: any")],
};

pub static CHECKLIST: Structure = Structure {
    what: "a checklist",
    closed: true,
    keys: &[
        decides("id", Text, "the checklist id transition conditions name").required(),
        describes("title", Text, "display name"),
        decides("required_mode", Words(|| names(&REQUIRED_MODES)), "`all`: every item is required, whatever its own `required`"),
        decides("items", NonEmpty(&Map(&CHECKLIST_ITEM)), "the items (`id`, `label`, `check_type`, `required`, `condition`)").required(),
        refused("on_complete", "actions when the checklist completes", MOVES_A_CASE),
    ],
};

pub static CHECKLIST_ITEM: Structure = Structure {
    what: "a checklist item",
    closed: true,
    keys: &[
        decides("id", Text, "the item id a request ticks in `release.checklists`").required(),
        describes("label", Text, "display name"),
        decides("check_type", Words(|| names(&CHECK_TYPES)), "`manual` (ticked in the request) or `auto` (done when `condition` holds)"),
        decides("required", Bool, "the item must be done; default false (see `required_mode`)"),
        decides("condition", CONDITION, "when an auto item is done"),
    ],
};

/// Host actions (hooks, state actions, SLA actions) hand their parameters to the host as written;
/// these are the ones the engine reads.
pub static HOST_ACTION: Structure = Structure {
    what: "an action",
    closed: false,
    keys: &[decides("action", Text, "the action's name: `notify`, `set_field`, … (`transition` is refused)").required()],
};

/// `- action: set_field` in hooks and state actions.
pub static HOST_SET_FIELD: Structure = Structure {
    what: "a `set_field` action",
    closed: true,
    keys: &[
        decides("action", Text, "the action's name").required(),
        decides("field", Text, "the field to set (not `status`: moves are refused here)"),
        decides("value", Any, "its new value"),
    ],
};

// ---------------------------------------------------------------------------------------------
// Conditions

/// `{checklist: <id>, complete: true}`: a leaf on a checklist's completeness.
pub static CHECKLIST_LEAF: Structure = Structure {
    what: "a checklist condition",
    closed: true,
    keys: &[
        decides("checklist", Text, "the checklist id").required(),
        decides("complete", Bool, "true: the checklist must be complete; false: not").required(),
    ],
};

/// The keys of a condition leaf besides its operator (`operator:` or a shorthand key).
pub static CONDITION_LEAF: Structure = Structure {
    what: "a condition",
    closed: true,
    keys: &[
        decides("field", Text, "the field to test (`priority`, `custom_fields.<key>`, …)").required(),
        decides("operator", Words(|| crate::condition::Operator::spellings().collect()), "how to compare (`=`, `in`, `gte`, …)"),
        decides("value", Any, "what to compare with"),
    ],
};

// ---------------------------------------------------------------------------------------------
// Recipes

pub static RECIPE_FILE: Structure =
    Structure { what: "a recipe file", closed: true, keys: &[MODEL_VERSION, decides("recipe", Map(&RECIPE), "the recipe").required()] };

pub static RECIPE: Structure = Structure {
    what: "a recipe",
    closed: true,
    keys: &[
        decides("key", Text, "the recipe key (idempotency keys derive from it)").required(),
        describes("name", Text, "display name"),
        describes("description", Text, "free text"),
        decides("trigger", TRIGGER, "the event that runs it").required(),
        decides("schedule", Text, "the cron schedule of a `scheduled` recipe, in the calendar's time zone"),
        decides("conditions", CONDITION, "the recipe applies only when these hold"),
        decides("actions", List(&RecipeAction), "what it does").required(),
        describes("metadata", METADATA, "free display data"),
        decides("requires_approval", Bool, "the host asks for approval before performing the actions; default false"),
    ],
};

const TRIGGER: Shape = Words(crate::definitions::Trigger::spellings);

/// The recipe actions whose keys are closed, by `type`: the decoder checks an action against its
/// type's structure; any other type is the host's, its parameters handed over as written.
pub static RECIPE_ACTIONS: [(&str, &Structure); 8] = [
    ("modify_approval_chain", &ACTION_MODIFY_APPROVAL_CHAIN),
    ("escalate_approval", &ACTION_ESCALATE_APPROVAL),
    ("request_approval", &ACTION_REQUEST_APPROVAL),
    ("add_label", &ACTION_ADD_LABEL),
    ("set_priority", &ACTION_SET_PRIORITY),
    ("set_field", &ACTION_SET_FIELD),
    ("assign", &ACTION_ASSIGN),
    ("transition", &ACTION_TRANSITION),
];

/// Any recipe action: its `type`; the parameters of host types are the host's.
pub static RECIPE_ACTION: Structure = Structure {
    what: "an action",
    closed: false,
    keys: &[decides("type", Text, "the action type (`notify`, `modify_approval_chain`, `transition`, …)").required()],
};

/// Recipe actions the engine applies or that change a case or an approval: closed per type.
pub static ACTION_MODIFY_APPROVAL_CHAIN: Structure = Structure {
    what: "a `modify_approval_chain` action",
    closed: true,
    keys: &[
        decides("type", Text, "the action type").required(),
        decides("changes", List(&Map(&CHAIN_CHANGE)), "skip_levels, reduce_timeout, add_approvers").required(),
        describes("reason", Text, "free text"),
    ],
};

/// One item of `changes:`; a mapping may hold several changes, applied in the order written.
pub static CHAIN_CHANGE: Structure = Structure {
    what: "a chain change",
    closed: true,
    keys: &[
        decides("skip_levels", List(&Positive), "level numbers the case no longer needs"),
        decides("reduce_timeout", Map(&REDUCE_TIMEOUT), "shorter timeouts: `all_levels`, or `level`/`levels` with `timeout`"),
        decides("add_approvers", Map(&ADD_APPROVERS), "more approvers for one level"),
    ],
};

pub static ACTION_ESCALATE_APPROVAL: Structure = Structure {
    what: "an `escalate_approval` action",
    closed: true,
    keys: &[
        decides("type", Text, "the action type").required(),
        decides("add_approvers", ASSIGNMENTS, "assignments eligible from the instant it fires").required(),
        describes("reason", Text, "free text"),
    ],
};

pub static ACTION_REQUEST_APPROVAL: Structure = Structure {
    what: "a `request_approval` action",
    closed: true,
    keys: &[
        decides("type", Text, "the action type").required(),
        decides("assignment", Map(&ASSIGNMENT), "who must approve (`type`, `identifier`)").one_of(),
        decides("role", Text, "who must approve: a role (short for `assignment: {type: role, identifier}`)").one_of(),
        decides("timeout", DURATION, "how long the approver has"),
        describes("urgency", Text, "free text"),
        describes("reason", Text, "free text"),
        describes("message", Text, "free text"),
    ],
};

pub static ACTION_ADD_LABEL: Structure = Structure {
    what: "an `add_label` action",
    closed: true,
    keys: &[decides("type", Text, "the action type").required(), decides("label", Text, "the label to add").required()],
};

pub static ACTION_SET_PRIORITY: Structure = Structure {
    what: "a `set_priority` action",
    closed: true,
    keys: &[
        decides("type", Text, "the action type").required(),
        decides("value", Text, "the new priority").required(),
        describes("reason", Text, "free text"),
    ],
};

pub static ACTION_ASSIGN: Structure = Structure {
    what: "an `assign` action",
    closed: true,
    keys: &[
        decides("type", Text, "the action type").required(),
        decides("to", Text, "who becomes the assignee (a user, or a host placeholder such as `current_assignee`)"),
        decides("fallback", Text, "who, when `to` resolves to nobody"),
        decides("field", Text, "the field to assign instead of `assignee`"),
    ],
};

pub static ACTION_SET_FIELD: Structure = Structure {
    what: "a `set_field` action",
    closed: true,
    keys: &[
        decides("type", Text, "the action type").required(),
        decides("field", Text, "the field to set (`status` moves the case, guarded like any transition)").required(),
        decides("value", Any, "its new value"),
    ],
};

/// Why an action that would move a case is refused, wherever it is written.
pub const MOVES_A_CASE: &str = "actions that move a case (`transition`, `set_field` of `status`) are not yet implemented by this engine: it would have to guard each move";

pub static ACTION_TRANSITION: Structure = Structure {
    what: "a `transition` action",
    closed: true,
    keys: &[
        decides("type", Text, "the action type").required(),
        decides("to", Text, "the state the case moves to (guarded like any transition)").required(),
    ],
};

pub static AUTOMATIONS_FILE: Structure = Structure {
    what: "an automations file",
    closed: true,
    keys: &[MODEL_VERSION, decides("automations", List(&Map(&AUTOMATION)), "the list of automations").required()],
};

pub static AUTOMATION: Structure = Structure {
    what: "an automation",
    closed: true,
    keys: &[
        decides("id", Text, "the automation id (idempotency keys derive from it)").required(),
        describes("name", Text, "display name"),
        describes("description", Text, "free text"),
        describes("version", Text, "the author's version"),
        decides("enabled", Bool, "false: loaded, never run; default true"),
        decides("trigger", Map(&AUTOMATION_TRIGGER), "`event`, `conditions`, and `cron` for the `schedule` event").required(),
        decides("query", Map(&AUTOMATION_QUERY), "which cases it acts on: `case_types`, `status`, `last_updated_before`"),
        decides("actions", List(&RecipeAction), "what it does").required(),
    ],
};

pub static AUTOMATION_TRIGGER: Structure = Structure {
    what: "an automation trigger",
    closed: true,
    keys: &[
        decides("event", TRIGGER, "the event that runs it (`case.updated`, `sla.warning`, `schedule`, …)").required(),
        decides("conditions", CONDITION, "the automation runs only when these hold (a bare list means all)"),
        decides("cron", Text, "the schedule of the `schedule` event, in the calendar's time zone"),
    ],
};

pub static AUTOMATION_QUERY: Structure = Structure {
    what: "an automation query",
    closed: true,
    keys: &[
        decides("case_types", ONE_OR_MANY, "case types it acts on"),
        decides("issue_types", ONE_OR_MANY, "alias of `case_types`"),
        decides("status", ONE_OR_MANY, "states it acts on"),
        decides("statuses", ONE_OR_MANY, "alias of `status`"),
        decides("last_updated_before", DURATION, "only cases not updated for this long (`7d`)"),
    ],
};

pub static REDUCE_TIMEOUT: Structure = Structure {
    what: "reduce_timeout",
    closed: true,
    keys: &[
        decides("all_levels", DURATION, "the cap on every level's timeout"),
        decides("level", Positive, "one level"),
        decides("levels", List(&Positive), "several levels"),
        decides("timeout", DURATION, "the cap on the selected levels' timeouts"),
    ],
};

pub static ADD_APPROVERS: Structure = Structure {
    what: "add_approvers",
    closed: true,
    keys: &[
        decides("level", Positive, "the level that gains approvers").required(),
        decides("assignment", Map(&ASSIGNMENT), "one assignment").one_of(),
        decides("assignments", ASSIGNMENTS, "several").one_of(),
    ],
};

// ---------------------------------------------------------------------------------------------
// Case types and workspace

pub static CASE_TYPES_FILE: Structure = Structure {
    what: "a case types file",
    closed: true,
    keys: &[
        MODEL_VERSION,
        decides("case_types", List(&Map(&CASE_TYPE)), "the list of case types").one_of(),
        decides("issue_types", List(&Map(&CASE_TYPE)), "alias of `case_types`").one_of(),
    ],
};

pub static WORKSPACE_FILE: Structure = Structure {
    what: "a workspace file",
    closed: false,
    keys: &[
        decides("workspace", Map(&WORKSPACE), "the workspace settings").one_of(),
        decides("project", Map(&WORKSPACE), "alias of `workspace`").one_of(),
        decides("calendar", Map(&CALENDAR), "working days, hours, time zone and holidays for business time"),
    ],
};

pub static CASE_TYPE: Structure = Structure {
    what: "a case type",
    closed: false,
    keys: &[
        decides("key", Text, "the case type key requests name").required(),
        decides("fields", List(&Map(&FIELD_DEF)), "custom field definitions requests are checked against"),
        decides("workflow", Text, "the workflow cases of this type follow"),
    ],
};

pub static FIELD_DEF: Structure = Structure {
    what: "a field definition",
    closed: false,
    keys: &[
        decides("key", Text, "the custom field key").required(),
        decides("type", Words(|| names(&crate::definitions::FieldKind::ALL)), "text, number, select, multiselect, …").required(),
        decides("options", TEXTS, "the allowed values of a select / multiselect"),
        decides("required", Bool, "informational: the host's forms require it; default false"),
        decides("readonly", Bool, "informational; default false"),
    ],
};

pub static WORKSPACE: Structure = Structure {
    what: "the workspace",
    closed: false,
    keys: &[
        decides("calendar", Map(&CALENDAR), "working days, hours, time zone and holidays for business time"),
        decides("team", Any, "declared roles (`roles`: names, or mappings with `name`)"),
        describes("seed_data", Any, "sample cases (`cases`)"),
    ],
};

/// A board file: presentation, except its columns' WIP limits.
pub static BOARD_FILE: Structure = Structure {
    what: "a board file",
    closed: false,
    keys: &[
        decides("board", Map(&BOARD_HEADER), "the board's id and workflow").required(),
        decides("columns", List(&Map(&BOARD_COLUMN)), "the columns, with their states and WIP limits"),
    ],
};

pub static BOARD_HEADER: Structure = Structure {
    what: "a board",
    closed: false,
    keys: &[decides("id", Text, "the board id").required(), decides("workflow", Text, "the workflow whose cases it shows")],
};

pub static BOARD_COLUMN: Structure = Structure {
    what: "a board column",
    closed: false,
    keys: &[
        decides("states", TEXTS, "the states the column shows"),
        decides("wip_limit", Positive, "at most this many cases in the column's states: Kiket's boards warn at it, they do not block"),
    ],
};

pub static CALENDAR: Structure = Structure {
    what: "a calendar",
    closed: true,
    keys: &[
        decides("timezone", Text, "IANA time zone; default UTC"),
        decides("working_days", TEXTS, "default mon–fri"),
        decides("hours", Pattern("^[0-9]{1,2}:[0-9]{2} *- *[0-9]{1,2}:[0-9]{2}$"), "`HH:MM-HH:MM`; default 09:00-17:00"),
        decides("holidays", List(&Pattern("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")), "dates (`YYYY-MM-DD`) that are not working days"),
    ],
};

// ---------------------------------------------------------------------------------------------
// Dashboards: computed by `analyze`, deciding nothing a transition or an approval depends on, so
// open, and their keys descriptive (an unknown key is kept; the decoder warns where it reads).

pub static DASHBOARD_FILE: Structure = Structure {
    what: "a dashboard file",
    closed: false,
    keys: &[MODEL_VERSION, describes("dashboard", Map(&DASHBOARD), "the dashboard").required()],
};

pub static DASHBOARD: Structure = Structure {
    what: "a dashboard",
    closed: false,
    keys: &[
        describes("id", Text, "the dashboard id workflows' `analytics.dashboards` refer to").required(),
        describes("name", Text, "display name; default: the id"),
        describes("widgets", List(&Map(&WIDGET)), "what it shows"),
        describes("alerts", List(&Any), "alerts on its metrics (a mapping `condition`) or warehouse alerts (a text `condition`)"),
    ],
};

pub static WIDGET: Structure = Structure {
    what: "a widget",
    closed: false,
    keys: &[
        describes("id", Text, "the widget id alerts refer to").required(),
        describes("type", Text, "how it is drawn (`metric`, `gauge`, `histogram`, `table`, …)").required(),
        describes("title", Text, "display name"),
        describes("query", Any, "what it computes, or a warehouse model's name"),
        describes("thresholds", Any, "colour bands (`[{value, color}]`)"),
        describes("fields", TEXTS, "the columns of a table"),
    ],
};

/// An alert's `condition` mapping: the keys the decoder reads; any other is warned about.
pub static ALERT_CONDITION: Structure = Structure {
    what: "an alert condition",
    closed: false,
    keys: &[
        describes("metric", Text, "a widget id of the dashboard, or a workflow metric"),
        describes("filter", Any, "which releases count (`status: production`)"),
        describes("field", Text, "a field the engine computes (`pending_duration_hours`)"),
        describes("operator", Text, "how to compare (`>`, `gte`, …)"),
        describes("value", Number, "the threshold"),
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
        assert!(TRANSITION_METADATA.nearest("label").is_none(), "descriptive keys of open structures are not near misses");
        assert!(LEVEL.nearest("owner").is_none());
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance(b"", b"abc"), 3);
        assert_eq!(edit_distance(b"kitten", b"sitting"), 3);
        assert_eq!(edit_distance(b"timeout", b"TimeOut"), 0);
        assert_eq!(edit_distance(b"ab", b"ba"), 2);
    }
}
