//! Decoding YAML trees into the typed model, reporting every problem with its position.
//!
//! Each decoder takes a node and the context, records errors and warnings in the context, and
//! returns `None` only when the item has no identity (no state id, no level number): an item
//! that is known but partly wrong is kept with defaults, so a broken timeout does not also
//! produce "level 3 does not exist" further on. Names that point into other files (states, levels,
//! roles, case types, metrics) are collected as [`Ref`]s and checked once the pack is assembled.

use serde_json::{Map, Value};

use super::vocabulary::{self, Structure, Support};
use super::yaml::{Kind, Node, Pos, Scalar, shorten};
use super::*;
use crate::calendar::{self, Calendar, WorkingHours};
use crate::condition::{Condition, FieldPath, Leaf, Literal, Operand, Operator};
use crate::error::Diagnostic;

/// What a cross-file name must resolve to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RefKind {
    State,
    Workflow,
    CaseType,
    /// A role used in an assignment: a warning when workspace roles do not declare it.
    Role,
    /// A level number of the approval chain.
    Level,
    /// An alert's metric: a widget id of its dashboard or a workflow metric.
    Metric {
        dashboard: String,
    },
    Dashboard,
    /// A custom field a condition reads: a warning when no case type declares it.
    CustomField,
    /// A custom field `requires_fields` names: a warning when no case type declares it.
    RequiredField,
    /// A condition field nothing defines (`ai_risk_score`): one warning per name.
    UndefinedField,
    /// A checklist id a condition reads: declared by a state of the workflow.
    Checklist,
    /// A state an action moves the case to, from the states its rule's conditions pin (empty: any
    /// state): a warning when the workflow declares no such transition.
    Move {
        from: Vec<String>,
    },
    /// A value a condition compares `custom_fields.<field>` with: must be an option when the
    /// field is a select / multiselect.
    FieldValue {
        field: String,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Ref {
    pub kind: RefKind,
    pub name: String,
    pub file: String,
    pub pos: Pos,
}

/// Decoding context: the file being read and everything found so far.
pub(crate) struct Cx {
    pub file: String,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    pub refs: Vec<Ref>,
    pub max_condition_depth: usize,
    /// Decoding the conditions of an approval (a chain level, a state approval): a leaf there that
    /// is false for want of a value would waive an approval, so fields nothing defines are refused.
    pub approval_conditions: bool,
}

impl Cx {
    pub fn new(max_condition_depth: usize) -> Cx {
        Cx {
            file: String::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            refs: Vec::new(),
            max_condition_depth,
            approval_conditions: false,
        }
    }

    fn diagnostic(&self, pos: Pos, message: String) -> Diagnostic {
        Diagnostic { file: self.file.clone(), line: pos.line, column: pos.column, message }
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        let d = self.diagnostic(pos, message.into());
        self.errors.push(d);
    }

    pub fn warn(&mut self, pos: Pos, message: impl Into<String>) {
        let d = self.diagnostic(pos, message.into());
        self.warnings.push(d);
    }

    fn refer(&mut self, kind: RefKind, name: &str, pos: Pos) {
        self.refs.push(Ref { kind, name: name.to_owned(), file: self.file.clone(), pos });
    }
}

// ---------------------------------------------------------------------------------------------
// Mappings and primitives

/// The entries of a mapping node, looked up by key.
pub(crate) struct Fields<'n> {
    pos: Pos,
    entries: &'n [(Node, Node)],
}

pub(crate) fn fields<'n>(node: &'n Node, cx: &mut Cx, what: &str) -> Option<Fields<'n>> {
    match &node.kind {
        Kind::Map(entries) => Some(Fields { pos: node.pos, entries }),
        _ => {
            cx.error(node.pos, format!("expected {what} (a mapping), found {}", node.describe()));
            None
        }
    }
}

impl<'n> Fields<'n> {
    fn entry(&self, key: &str) -> Option<&'n (Node, Node)> {
        self.entries.iter().find(|(k, _)| k.key_text() == key)
    }

    /// The value under `key`; an explicit null counts as absent (`timeout:` with nothing after it).
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entry(key).map(|(_, v)| v).filter(|v| v.scalar() != Some(Scalar::Null))
    }

    /// Where `key` itself is written (for "both given" conflicts), else where the mapping starts.
    fn key_pos(&self, key: &str) -> Pos {
        self.entry(key).map_or(self.pos, |(k, _)| k.pos)
    }

    fn has(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// The value under `key` or its alias; both present is an error.
    fn get_either(&self, cx: &mut Cx, key: &str, alias: &str) -> Option<&'n Node> {
        match (self.get(key), self.get(alias)) {
            (Some(_), Some(_)) => {
                cx.error(self.key_pos(alias), format!("`{key}` and its alias `{alias}` are both given; keep one"));
                None
            }
            (a, b) => a.or(b),
        }
    }

    pub fn req<T>(&self, cx: &mut Cx, key: &str, what: &str, decode: impl FnOnce(&'n Node, &mut Cx) -> Option<T>) -> Option<T> {
        match self.get(key) {
            Some(node) => decode(node, cx),
            None => {
                cx.error(self.pos, format!("missing `{key}` ({what})"));
                None
            }
        }
    }

    pub fn opt<T>(&self, cx: &mut Cx, key: &str, decode: impl FnOnce(&'n Node, &mut Cx) -> Option<T>) -> Option<T> {
        self.get(key).and_then(|node| decode(node, cx))
    }

    fn opt_list<T>(&self, cx: &mut Cx, key: &str, item: impl FnMut(&'n Node, &mut Cx) -> Option<T>) -> Vec<T> {
        self.get(key).and_then(|n| list(n, cx, item)).unwrap_or_default()
    }

    /// Checks every key against the structure's table: a known key this engine refuses, an unknown
    /// key in a closed structure, or a near miss of a deciding key in an open one is an error at
    /// the key itself, naming the nearest known key. `also` names further keys the caller reads
    /// (a condition's shorthand operators).
    pub fn check_keys(&self, cx: &mut Cx, structure: &Structure, also: &[&str]) {
        for (key, _) in self.entries {
            let name = key.key_text();
            if also.contains(&name) {
                continue;
            }
            if let Some(known) = structure.key(name) {
                if let Support::Refused(why) = known.support {
                    cx.error(
                        key.pos,
                        format!("`{name}` in {} ({}): {why}; the pack is refused rather than read past", structure.what, known.meaning),
                    );
                }
                continue;
            }
            let candidates = structure.keys.iter().filter(|k| structure.closed || k.decides).map(|k| k.name);
            let nearest = vocabulary::nearest(name, candidates.chain(also.iter().copied()));
            match (structure.closed, nearest) {
                (true, _) => {
                    let hint = nearest.map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
                    let mut known: Vec<&str> = structure.names().collect();
                    known.extend_from_slice(also);
                    cx.error(
                        key.pos,
                        format!("unknown key `{}` in {}; {hint}known keys: {}", shorten(name), structure.what, known.join(", ")),
                    );
                }
                (false, Some(n)) => {
                    let meaning = structure.key(n).map_or("", |k| k.meaning);
                    cx.error(
                        key.pos,
                        format!(
                            "unknown key `{}` in {}: did you mean `{n}` ({meaning})? a misspelt decision key is never read past",
                            shorten(name),
                            structure.what
                        ),
                    );
                }
                (false, None) => {}
            }
        }
    }

    /// Warns about keys outside `known` where nothing is decided (dashboards), so a typo is seen.
    fn warn_unknown(&self, cx: &mut Cx, what: &str, known: &[&str]) {
        for (key, _) in self.entries {
            if !known.contains(&key.key_text()) {
                cx.warn(
                    key.pos,
                    format!("unknown key `{}` in {what} is ignored; known keys: {}", shorten(key.key_text()), known.join(", ")),
                );
            }
        }
    }

    /// Every entry but `skip`, as JSON, for parameters handed to the host verbatim.
    fn to_json_except(&self, skip: &str) -> Map<String, Value> {
        self.entries.iter().filter(|(k, _)| k.key_text() != skip).map(|(k, v)| (k.key_text().to_owned(), v.to_json())).collect()
    }
}

/// Any non-null scalar, as written (`version: 1.0.0`, `identifier: qa_lead`).
pub(crate) fn text(node: &Node, cx: &mut Cx) -> Option<String> {
    match (&node.kind, node.scalar()) {
        (Kind::Scalar { text, .. }, Some(s)) if s != Scalar::Null => Some(text.to_string()),
        _ => {
            cx.error(node.pos, format!("expected a text value, found {}", node.describe()));
            None
        }
    }
}

fn positive(node: &Node, cx: &mut Cx) -> Option<u32> {
    match node.scalar() {
        Some(Scalar::Int(i)) if (1..=i64::from(u32::MAX)).contains(&i) => Some(i as u32),
        _ => {
            cx.error(node.pos, format!("expected a whole number of at least 1, found {}", node.describe()));
            None
        }
    }
}

fn boolean(node: &Node, cx: &mut Cx) -> Option<bool> {
    match node.scalar() {
        Some(Scalar::Bool(b)) => Some(b),
        _ => {
            cx.error(node.pos, format!("expected true or false, found {}", node.describe()));
            None
        }
    }
}

fn number(node: &Node, cx: &mut Cx) -> Option<f64> {
    match node.scalar() {
        Some(Scalar::Int(i)) => Some(i as f64),
        Some(Scalar::Float(f)) => Some(f),
        _ => {
            cx.error(node.pos, format!("expected a number, found {}", node.describe()));
            None
        }
    }
}

fn duration(node: &Node, cx: &mut Cx) -> Option<Duration> {
    match node.scalar() {
        Some(Scalar::Str(s)) => s.parse().map_err(|e: crate::duration::DurationError| cx.error(node.pos, e.0)).ok(),
        Some(Scalar::Int(i)) => {
            cx.error(node.pos, format!("`{i}` is not a duration: a bare number has no unit; write `{i}h`, `{i}m` or `{i}d`"));
            None
        }
        _ => {
            cx.error(node.pos, format!("expected a duration like `4h`, found {}", node.describe()));
            None
        }
    }
}

/// A list whose items are decoded one by one; a broken item is reported and left out.
fn list<'n, T>(node: &'n Node, cx: &mut Cx, mut item: impl FnMut(&'n Node, &mut Cx) -> Option<T>) -> Option<Vec<T>> {
    match &node.kind {
        Kind::Seq(items) => Some(items.iter().filter_map(|n| item(n, cx)).collect()),
        _ => {
            cx.error(node.pos, format!("expected a list, found {}", node.describe()));
            None
        }
    }
}

fn texts(node: &Node, cx: &mut Cx) -> Option<Vec<String>> {
    list(node, cx, text)
}

/// A scalar or a list of scalars (`status: production` or `status: [rollback, failed]`).
fn one_or_many(node: &Node, cx: &mut Cx) -> Option<Vec<String>> {
    match &node.kind {
        Kind::Seq(_) => texts(node, cx),
        _ => text(node, cx).map(|t| vec![t]),
    }
}

fn one_of<T: Copy>(node: &Node, cx: &mut Cx, what: &str, table: &[(&str, T)]) -> Option<T> {
    let value = text(node, cx)?;
    let found = table.iter().find(|(name, _)| *name == value).map(|(_, v)| *v);
    if found.is_none() {
        let names: Vec<_> = table.iter().map(|(n, _)| *n).collect();
        cx.error(node.pos, format!("unknown {what} `{}`; expected one of {}", shorten(&value), names.join(", ")));
    }
    found
}

fn model_version(f: &Fields, cx: &mut Cx) {
    if let Some(node) = f.get("model_version") {
        if let Some(v) = text(node, cx) {
            if v != "1.0" && v != "1" {
                cx.error(node.pos, format!("unsupported model_version `{}`; this engine reads Kiket 1.0 definitions", shorten(&v)));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Workflow

pub(crate) fn workflow_file(root: &Node, cx: &mut Cx) -> Option<Workflow> {
    let f = fields(root, cx, "a workflow file")?;
    f.check_keys(cx, &vocabulary::WORKFLOW_FILE, &[]);
    model_version(&f, cx);
    let header = f.req(cx, "workflow", "the workflow's id and name", |n, cx| fields(n, cx, "the workflow header"));
    if let Some(h) = &header {
        h.check_keys(cx, &vocabulary::WORKFLOW_HEADER, &[]);
    }
    let (id, name, version) = match &header {
        Some(h) => (h.req(cx, "id", "the workflow id", text), h.opt(cx, "name", text), h.opt(cx, "version", text)),
        None => (None, None, None),
    };
    let states = f.req(cx, "states", "a mapping of state ids to states", states).unwrap_or_default();
    let transitions = f.req(cx, "transitions", "the list of transitions", transitions).unwrap_or_default();
    let hooks = f.opt_list(cx, "hooks", hook);
    let automations = f.opt_list(cx, "automations", automation);
    let analytics = f.opt(cx, "analytics", analytics).unwrap_or_default();
    let id = id?;
    Some(Workflow {
        name: name.unwrap_or_else(|| id.clone()),
        id,
        version,
        states,
        transitions,
        hooks,
        automations,
        analytics,
        recipes: Vec::new(),
    })
}

fn states(node: &Node, cx: &mut Cx) -> Option<Vec<State>> {
    let Kind::Map(entries) = &node.kind else {
        cx.error(node.pos, format!("expected states as a mapping of state ids to states, found {}", node.describe()));
        return None;
    };
    let states: Vec<State> = entries.iter().filter_map(|(k, v)| state(k, v, cx)).collect();
    let initial = states.iter().filter(|s| s.kind == StateType::Initial).count();
    if initial != 1 {
        cx.error(node.pos, format!("a workflow needs exactly one state of `type: initial`; found {initial}"));
    }
    Some(states)
}

fn state(key: &Node, node: &Node, cx: &mut Cx) -> Option<State> {
    let id = key.key_text().to_owned();
    let f = fields(node, cx, &format!("state `{}`", shorten(&id)))?;
    f.check_keys(cx, &vocabulary::STATE, &[]);
    let kind = f.req(cx, "type", "initial, active, gateway or final", |n, cx| {
        one_of(
            n,
            cx,
            "state type",
            &[("initial", StateType::Initial), ("active", StateType::Active), ("gateway", StateType::Gateway), ("final", StateType::Final)],
        )
    });
    let label = f.opt(cx, "metadata", |n, cx| fields(n, cx, "state metadata")).and_then(|m| m.opt(cx, "label", text));
    // State actions are the host's, but one that would move the case is refused (see
    // `refuse_moves`), so they are read, not skipped.
    let _ = f.opt_list(cx, "on_enter", host_action);
    let _ = f.opt_list(cx, "on_complete", host_action);
    let (sla, sla_variants) = match f.get("sla").map(|n| (n, &n.kind)) {
        Some((n, Kind::Seq(_))) => sla_list(n, cx),
        Some((n, _)) => (sla(n, cx), Vec::new()),
        None => (None, Vec::new()),
    };
    Some(State {
        kind: kind.unwrap_or(StateType::Active),
        category: f.opt(cx, "category", text),
        label,
        wip_limit: f.opt(cx, "wip_limit", positive),
        sla,
        sla_variants,
        conditions: f.opt(cx, "conditions", |n, cx| condition(n, cx, 1)),
        checklist: f.opt(cx, "checklist", checklist),
        approval: f.opt(cx, "approval", |n, cx| state_approval(n, cx, &id)),
        id,
    })
}

fn state_approval(node: &Node, cx: &mut Cx, state: &str) -> Option<StateApproval> {
    let f = fields(node, cx, "a state approval")?;
    f.check_keys(cx, &vocabulary::STATE_APPROVAL, &[]);
    let required = f.opt(cx, "required", required).unwrap_or(Required::AtLeast(1));
    let assignments = f.req(cx, "approvers", "who may approve", |n, cx| list(n, cx, approver)).unwrap_or_default();
    if let Some(a) = f.get("approvers") {
        if assignments.is_empty() {
            cx.error(a.pos, "an empty list of approvers: nobody could ever approve");
        }
        check_reachable(&assignments, required, a.pos, cx);
    }
    let conditions = approval_conditions(&f, cx);
    if let Some(c) = &conditions {
        // Kiket leaves this open (docs/decisions.md): say what the reading SPEC §13 fixes implies.
        cx.warn(
            f.key_pos("conditions"),
            format!(
                "the approval to leave `{}` applies only when {c}: a case in that state for which it does not hold leaves with no approval",
                shorten(state)
            ),
        );
    }
    Some(StateApproval { group: Group { name: None, assignments, required }, conditions })
}

/// `{role: <name>}` or `{user: <name>}`.
fn approver(node: &Node, cx: &mut Cx) -> Option<Assignment> {
    let f = fields(node, cx, "an approver (`role:` or `user:`)")?;
    f.check_keys(cx, &vocabulary::APPROVER, &[]);
    match (f.get("role"), f.get("user")) {
        (Some(r), None) => {
            let identifier = text(r, cx)?;
            cx.refer(RefKind::Role, &identifier, r.pos);
            Some(Assignment { kind: AssignmentKind::Role, identifier })
        }
        (None, Some(u)) => Some(Assignment { kind: AssignmentKind::User, identifier: text(u, cx)? }),
        _ => {
            cx.error(f.pos, "an approver is one `role:` or one `user:`");
            None
        }
    }
}

fn checklist(node: &Node, cx: &mut Cx) -> Option<Checklist> {
    let f = fields(node, cx, "a checklist")?;
    f.check_keys(cx, &vocabulary::CHECKLIST, &[]);
    let id = f.req(cx, "id", "the checklist id", text);
    let all_required = f.opt(cx, "required_mode", |n, cx| one_of(n, cx, "required_mode", &[("all", true), ("required", false)]));
    let items = f.req(cx, "items", "the items to tick", |n, cx| list(n, cx, checklist_item)).unwrap_or_default();
    if let Some(list_node) = f.get("items") {
        for (i, item) in items.iter().enumerate() {
            if items[..i].iter().any(|o| o.id == item.id) {
                cx.error(list_node.pos, format!("two checklist items have the id `{}`", item.id));
            }
        }
        if items.is_empty() {
            cx.error(list_node.pos, "a checklist needs at least one item");
        }
    }
    Some(Checklist { id: id?, title: f.opt(cx, "title", text), all_required: all_required.unwrap_or(false), items })
}

fn checklist_item(node: &Node, cx: &mut Cx) -> Option<ChecklistItem> {
    let f = fields(node, cx, "a checklist item")?;
    f.check_keys(cx, &vocabulary::CHECKLIST_ITEM, &[]);
    let id = f.req(cx, "id", "the item id", text);
    let auto = f.opt(cx, "check_type", |n, cx| one_of(n, cx, "check_type", &[("manual", false), ("auto", true)])).unwrap_or(false);
    let condition = f.opt(cx, "condition", |n, cx| condition(n, cx, 1));
    match (auto, &condition, f.get("condition")) {
        (true, None, None) => cx.error(f.key_pos("check_type"), "an `auto` item needs the `condition` that marks it done"),
        (false, Some(_), Some(n)) => cx.error(n.pos, "a `condition` makes sense on an `auto` item only; add `check_type: auto`"),
        _ => {}
    }
    Some(ChecklistItem {
        label: f.opt(cx, "label", text),
        required: f.opt(cx, "required", boolean).unwrap_or(false),
        auto: if auto { condition } else { None },
        id: id?,
    })
}

fn sla(node: &Node, cx: &mut Cx) -> Option<Sla> {
    let f = fields(node, cx, "an SLA")?;
    f.check_keys(cx, &vocabulary::SLA, &[]);
    Some(sla_fields(&f, cx))
}

/// The list form: `[{condition, warning, breach}, …, {default: true, warning, breach}]`. Returns
/// the default (if any) and the conditional entries in order.
fn sla_list(node: &Node, cx: &mut Cx) -> (Option<Sla>, Vec<SlaVariant>) {
    let Kind::Seq(items) = &node.kind else { return (None, Vec::new()) };
    if items.is_empty() {
        cx.error(node.pos, "an empty SLA list: give entries with `condition`, and a `default: true` entry");
    }
    let mut default: Option<Sla> = None;
    let mut variants = Vec::new();
    for item in items {
        let Some(f) = fields(item, cx, "an SLA entry") else { continue };
        f.check_keys(cx, &vocabulary::SLA_VARIANT, &[]);
        if default.is_some() {
            cx.error(item.pos, "an SLA entry after the `default: true` entry can never apply; move the default last");
        }
        let is_default = f.opt(cx, "default", boolean).unwrap_or(false);
        let condition = f.opt(cx, "condition", |n, cx| condition(n, cx, 1));
        let sla = sla_fields(&f, cx);
        match (is_default, condition, f.get("condition")) {
            (true, _, Some(c)) => cx.error(c.pos, "the `default: true` entry applies when no condition holds; it takes no `condition`"),
            (true, _, None) => default = Some(sla),
            (false, Some(condition), _) => variants.push(SlaVariant { condition, sla }),
            (false, None, None) => cx.error(item.pos, "an SLA entry needs a `condition`, or `default: true`"),
            (false, None, Some(_)) => {}
        }
    }
    (default, variants)
}

/// The deadline keys shared by the mapping form and each list entry.
fn sla_fields(f: &Fields, cx: &mut Cx) -> Sla {
    let warning = f.opt(cx, "warning", duration);
    let breach = f.opt(cx, "breach", duration);
    match (warning, breach, f.get("warning")) {
        (Some(w), Some(b), Some(at)) if w >= b => {
            cx.error(at.pos, format!("the SLA warning ({w}) must come before the breach ({b})"));
        }
        _ => {}
    }
    if !f.has("warning") && !f.has("breach") {
        cx.error(f.pos, "an SLA needs `warning`, `breach` or both");
    }
    Sla {
        warning,
        breach,
        business_hours: f.opt(cx, "business_hours", boolean).unwrap_or(false),
        on_warning: f.opt_list(cx, "on_warning", host_action),
        on_breach: f.opt_list(cx, "on_breach", host_action),
        pause_on_state: f.opt(cx, "pause_on_state", boolean).unwrap_or(false),
    }
}

/// `- action: notify …` (hooks, automations, SLA actions).
fn host_action(node: &Node, cx: &mut Cx) -> Option<HostAction> {
    let f = fields(node, cx, "an action")?;
    let action = f.req(cx, "action", "the action's name", text)?;
    if action == "set_field" {
        f.check_keys(cx, &vocabulary::HOST_SET_FIELD, &[]);
    }
    refuse_moves(&f, &action, "action", cx);
    Some(HostAction { action, params: f.to_json_except("action") })
}

/// Honour or refuse: a host action (hooks, state actions) that would move a case is not guarded
/// there, so the pack is refused at it; recipes and automations move cases through
/// [`ActionKind::Move`], which the evaluation guards.
fn refuse_moves(f: &Fields, action: &str, name_key: &str, cx: &mut Cx) {
    let sets_status = action == "set_field" && f.get("field").and_then(Node::scalar) == Some(Scalar::Str("status"));
    if action == "transition" || sets_status {
        cx.error(f.key_pos(name_key), format!("`{action}`: {}; the pack is refused rather than read past", vocabulary::MOVES_A_CASE));
    }
}

fn transitions(node: &Node, cx: &mut Cx) -> Option<Vec<Transition>> {
    let Kind::Seq(items) = &node.kind else {
        cx.error(node.pos, format!("expected a list of transitions, found {}", node.describe()));
        return None;
    };
    let mut out: Vec<Transition> = Vec::new();
    let mut chains = 0;
    for item in items {
        let Some(t) = transition(item, cx) else { continue };
        if out.iter().any(|o| o.from == t.from && o.to == t.to) {
            cx.error(item.pos, format!("a second transition from `{}` to `{}`; merge them", t.from, t.to));
        }
        if t.approval_chain.is_some() {
            chains += 1;
            if chains == 2 {
                cx.error(item.pos, "a second `approval_chain`: this engine evaluates one approval chain per workflow");
            }
        }
        out.push(t);
    }
    Some(out)
}

fn state_name(node: &Node, cx: &mut Cx) -> Option<String> {
    let name = text(node, cx)?;
    cx.refer(RefKind::State, &name, node.pos);
    Some(name)
}

fn transition(node: &Node, cx: &mut Cx) -> Option<Transition> {
    let f = fields(node, cx, "a transition")?;
    f.check_keys(cx, &vocabulary::TRANSITION, &[]);
    let from = f.req(cx, "from", "the state it leaves", state_name);
    let to = f.req(cx, "to", "the state it enters", state_name);
    let metadata = f.opt(cx, "metadata", |n, cx| fields(n, cx, "transition metadata"));
    if let Some(m) = &metadata {
        m.check_keys(cx, &vocabulary::TRANSITION_METADATA, &[]);
    }
    let requires_fields = match (metadata.as_ref().and_then(|m| m.get("requires_fields")), f.get("requires_fields")) {
        (Some(_), Some(_)) => {
            cx.error(f.key_pos("requires_fields"), "`requires_fields` is given both here and under `metadata`; keep one");
            Vec::new()
        }
        (Some(n), None) | (None, Some(n)) => required_fields(n, cx),
        (None, None) => Vec::new(),
    };
    let rejection = metadata.as_ref().and_then(|m| m.opt(cx, "rejection", boolean)).unwrap_or(false);
    Some(Transition {
        name: f.opt(cx, "name", text),
        requires_fields,
        rejection,
        require_approval: f.opt_list(cx, "require_approval", approval_requirement),
        approval_chain: f.opt(cx, "approval_chain", approval_chain),
        conditions: f.opt(cx, "conditions", |n, cx| condition(n, cx, 1)),
        from: from?,
        to: to?,
    })
}

fn required_fields(node: &Node, cx: &mut Cx) -> Vec<String> {
    list(node, cx, |n, cx| {
        let key = text(n, cx)?;
        cx.refer(RefKind::RequiredField, &key, n.pos);
        Some(key)
    })
    .unwrap_or_default()
}

fn approval_requirement(node: &Node, cx: &mut Cx) -> Option<ApprovalRequirement> {
    let f = fields(node, cx, "a required approval")?;
    f.check_keys(cx, &vocabulary::REQUIRED_APPROVAL, &[]);
    let assignment = f.req(cx, "assignment", "who may approve", assignment)?;
    let metadata = f.opt(cx, "metadata", |n, cx| fields(n, cx, "approval metadata"));
    let (message, urgency) = match &metadata {
        Some(m) => (m.opt(cx, "message", text), m.opt(cx, "urgency", text)),
        None => (None, None),
    };
    Some(ApprovalRequirement { assignment, message, urgency })
}

pub(crate) fn assignment(node: &Node, cx: &mut Cx) -> Option<Assignment> {
    let f = fields(node, cx, "an assignment (`type` and `identifier`)")?;
    f.check_keys(cx, &vocabulary::ASSIGNMENT, &[]);
    let kind = f.req(cx, "type", "role or user", |n, cx| {
        one_of(n, cx, "assignment type", &[("role", AssignmentKind::Role), ("user", AssignmentKind::User)])
    });
    let identifier = f.req(cx, "identifier", "the role or user name", text)?;
    let kind = kind?;
    if kind == AssignmentKind::Role {
        let at = f.get("identifier").map_or(f.pos, |n| n.pos);
        cx.refer(RefKind::Role, &identifier, at);
    }
    Some(Assignment { kind, identifier })
}

fn assignments(node: &Node, cx: &mut Cx) -> Option<Vec<Assignment>> {
    let out = list(node, cx, assignment)?;
    if matches!(&node.kind, Kind::Seq(items) if items.is_empty()) {
        cx.error(node.pos, "an empty list of assignments: nobody could ever approve");
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Approval chain

fn approval_chain(node: &Node, cx: &mut Cx) -> Option<ApprovalChain> {
    let f = fields(node, cx, "an approval chain")?;
    f.check_keys(cx, &vocabulary::APPROVAL_CHAIN, &[]);
    let levels = match f.get_either(cx, "chain", "levels") {
        Some(n) => levels(n, cx),
        None => {
            cx.error(f.pos, "missing `chain` (the list of approval levels)");
            Vec::new()
        }
    };
    Some(ApprovalChain {
        levels,
        escalation: f.opt_list(cx, "escalation", escalation_step),
        business_hours: f.opt(cx, "business_hours", boolean).unwrap_or(false),
        allow_self_approval: f.opt(cx, "allow_self_approval", boolean).unwrap_or(false),
    })
}

fn levels(node: &Node, cx: &mut Cx) -> Vec<Level> {
    let Kind::Seq(items) = &node.kind else {
        cx.error(node.pos, format!("expected a list of approval levels, found {}", node.describe()));
        return Vec::new();
    };
    if items.is_empty() {
        cx.error(node.pos, "an approval chain needs at least one level");
    }
    let mut out: Vec<(Level, Pos)> = Vec::new();
    for item in items {
        let Some((level, at)) = level(item, cx) else { continue };
        if let Some((_, first)) = out.iter().find(|(l, _)| l.level == level.level) {
            let message = format!("duplicate level {} (already defined at line {}); level numbers must be unique", level.level, first.line);
            cx.error(at, message);
            continue;
        }
        out.push((level, at));
    }
    let mut levels: Vec<Level> = out.into_iter().map(|(l, _)| l).collect();
    crate::sort::by_key(&mut levels, |l| l.level);
    levels
}

/// A level and the position of its number (where a duplicate is reported).
fn level(node: &Node, cx: &mut Cx) -> Option<(Level, Pos)> {
    let f = fields(node, cx, "an approval level")?;
    f.check_keys(cx, &vocabulary::LEVEL, &[]);
    let number = f.req(cx, "level", "its number, 1 or more", positive);
    let name = f.req(cx, "name", "the level's display name", text);
    let groups = match (f.get("assignments"), f.get("parallel")) {
        (Some(_), Some(_)) => {
            cx.error(f.key_pos("parallel"), "a level has either `assignments` or `parallel` groups, not both");
            Vec::new()
        }
        (Some(a), None) => {
            let required = f.opt(cx, "required", required).unwrap_or(Required::Any);
            let assignments = assignments(a, cx).unwrap_or_default();
            check_reachable(&assignments, required, a.pos, cx);
            vec![Group { name: None, assignments, required }]
        }
        (None, Some(p)) => {
            if f.has("required") {
                cx.error(f.key_pos("required"), "`required` of a parallel level belongs on each of its groups");
            }
            parallel_groups(p, cx)
        }
        (None, None) => {
            cx.error(f.pos, "a level needs `assignments` or `parallel` groups");
            Vec::new()
        }
    };
    let message = f.opt(cx, "metadata", |n, cx| fields(n, cx, "level metadata")).and_then(|m| m.opt(cx, "message", text));
    let level = Level {
        level: number?,
        name: name.unwrap_or_default(),
        groups,
        logic: f.opt(cx, "logic", logic).unwrap_or(Logic::And),
        timeout: f.opt(cx, "timeout", duration),
        conditions: approval_conditions(&f, cx),
        message,
    };
    Some((level, f.get("level").map_or(f.pos, |n| n.pos)))
}

/// An approval's `conditions` (see [`Cx::approval_conditions`]).
fn approval_conditions(f: &Fields, cx: &mut Cx) -> Option<Condition> {
    cx.approval_conditions = true;
    let conditions = f.opt(cx, "conditions", |n, cx| condition(n, cx, 1));
    cx.approval_conditions = false;
    conditions
}

fn parallel_groups(node: &Node, cx: &mut Cx) -> Vec<Group> {
    let groups = list(node, cx, group).unwrap_or_default();
    if groups.is_empty() {
        cx.error(node.pos, "`parallel` needs at least one group");
    }
    for (i, g) in groups.iter().enumerate() {
        if groups[..i].iter().any(|o| o.name == g.name) {
            cx.error(node.pos, format!("two parallel groups are named `{}`", g.name.as_deref().unwrap_or("")));
        }
    }
    groups
}

fn group(node: &Node, cx: &mut Cx) -> Option<Group> {
    let f = fields(node, cx, "a parallel group")?;
    f.check_keys(cx, &vocabulary::GROUP, &[]);
    let name = f.req(cx, "group", "the group's name", text);
    let required = f.opt(cx, "required", required).unwrap_or(Required::Any);
    let assignments = f.req(cx, "assignments", "who may approve for the group", assignments).unwrap_or_default();
    if let Some(a) = f.get("assignments") {
        check_reachable(&assignments, required, a.pos, cx);
    }
    Some(Group { name: Some(name?), assignments, required })
}

/// `required: 3` over two named users can never be met (escalation aside): refuse it.
fn check_reachable(assignments: &[Assignment], required: Required, pos: Pos, cx: &mut Cx) {
    if let Required::AtLeast(n) = required {
        let all_users = !assignments.is_empty() && assignments.iter().all(|a| a.kind == AssignmentKind::User);
        if all_users && n as usize > assignments.len() {
            cx.error(pos, format!("`required: {n}` can never be met by {} named user(s)", assignments.len()));
        }
    }
}

fn required(node: &Node, cx: &mut Cx) -> Option<Required> {
    match node.scalar() {
        Some(Scalar::Str(s)) if s.eq_ignore_ascii_case("any") => Some(Required::Any),
        Some(Scalar::Str(s)) if s.eq_ignore_ascii_case("all") => Some(Required::All),
        Some(Scalar::Int(n)) if (1..=i64::from(u32::MAX)).contains(&n) => Some(Required::AtLeast(n as u32)),
        _ => {
            cx.error(node.pos, format!("`required` is `any`, `all` or a number of approvers (1 or more), found {}", node.describe()));
            None
        }
    }
}

fn logic(node: &Node, cx: &mut Cx) -> Option<Logic> {
    match text(node, cx)?.to_ascii_uppercase().as_str() {
        "AND" => Some(Logic::And),
        "OR" => Some(Logic::Or),
        _ => {
            cx.error(node.pos, format!("`logic` is AND or OR, found {}", node.describe()));
            None
        }
    }
}

fn escalation_step(node: &Node, cx: &mut Cx) -> Option<EscalationStep> {
    let f = fields(node, cx, "an escalation step")?;
    f.check_keys(cx, &vocabulary::ESCALATION_STEP, &[]);
    let after = f.req(cx, "after", "when the step fires, e.g. `4h`", duration);
    let action = f.req(cx, "action", "reminder, escalate, notify_executive or auto_approve", |n, cx| {
        one_of(
            n,
            cx,
            "escalation action",
            &[
                ("reminder", LadderAction::Reminder),
                ("escalate", LadderAction::Escalate),
                ("notify_executive", LadderAction::NotifyExecutive),
                ("auto_approve", LadderAction::AutoApprove),
            ],
        )
    });
    let to = f.opt(cx, "to", assignments).unwrap_or_default();
    if matches!(action, Some(LadderAction::Escalate | LadderAction::NotifyExecutive)) && to.is_empty() && !f.has("to") {
        cx.error(f.pos, format!("`{}` needs `to`: whom to escalate to or notify", action.map_or("", LadderAction::as_str)));
    }
    Some(EscalationStep {
        after: after?,
        action: action?,
        to,
        channels: f.opt(cx, "channels", texts).unwrap_or_default(),
        reason: f.opt(cx, "reason", text),
    })
}

// ---------------------------------------------------------------------------------------------
// Conditions

const COMBINATORS: [&str; 3] = ["all", "any", "not"];

/// A condition tree: `{all: […]}`, `{any: […]}`, `{not: …}`, a leaf, or a bare list (= all).
pub(crate) fn condition(node: &Node, cx: &mut Cx, depth: usize) -> Option<Condition> {
    if depth > cx.max_condition_depth {
        cx.error(node.pos, format!("conditions nested deeper than {} levels", cx.max_condition_depth));
        return None;
    }
    match &node.kind {
        Kind::Seq(_) => condition_list(node, cx, depth).map(Condition::All),
        Kind::Map(entries) => {
            let combinator = entries.iter().find(|(k, _)| COMBINATORS.contains(&k.key_text()));
            match combinator {
                Some((key, value)) => {
                    if entries.len() > 1 {
                        cx.error(key.pos, format!("`{}` must be the only key of its mapping; wrap the others in it", key.key_text()));
                        return None;
                    }
                    match key.key_text() {
                        "all" => condition_list(value, cx, depth).map(Condition::All),
                        "any" => condition_list(value, cx, depth).map(Condition::Any),
                        _ => condition(value, cx, depth + 1).map(|c| Condition::Not(Box::new(c))),
                    }
                }
                None => leaf(node, cx).map(Condition::Leaf),
            }
        }
        Kind::Scalar { .. } => {
            cx.error(
                node.pos,
                format!("expected a condition (`field`/`operator`/`value`, or all/any/not, or a list), found {}", node.describe()),
            );
            None
        }
    }
}

fn condition_list(node: &Node, cx: &mut Cx, depth: usize) -> Option<Vec<Condition>> {
    let Kind::Seq(items) = &node.kind else {
        cx.error(node.pos, format!("expected a list of conditions, found {}", node.describe()));
        return None;
    };
    if items.is_empty() {
        cx.error(node.pos, "an empty condition list: its meaning is unclear; remove it or add conditions");
        return None;
    }
    let decoded: Vec<_> = items.iter().map(|n| condition(n, cx, depth + 1)).collect();
    decoded.into_iter().collect()
}

fn leaf(node: &Node, cx: &mut Cx) -> Option<Leaf> {
    let f = fields(node, cx, "a condition")?;
    if f.has("checklist") {
        return checklist_leaf(&f, cx);
    }
    // Shorthand operator keys (`equals:`) and the combinators are the other words a leaf's
    // mapping may hold; a typo of any of them (`equls:`, `al:`) is named as such.
    let mut also: Vec<&str> = Operator::spellings().filter(|s| Operator::from_shorthand_key(s).is_some()).collect();
    also.extend(COMBINATORS);
    f.check_keys(cx, &vocabulary::CONDITION, &also);
    let field_node = f.req(cx, "field", "the field to test", |n, _| Some(n));
    let field = field_node.and_then(|n| {
        let path = text(n, cx)?;
        let field = FieldPath::parse(&path).map_err(|e| cx.error(n.pos, e)).ok()?;
        if let FieldPath::Undefined(name) = &field {
            if cx.approval_conditions {
                // There a false leaf would waive an approval: fail closed by refusing the pack.
                cx.error(
                    n.pos,
                    format!("`{name}` is defined by nothing in the pack; an approval's conditions may not read it (absent, it would waive the approval)"),
                );
                return None;
            }
            cx.refer(RefKind::UndefinedField, name, n.pos);
        }
        Some(field)
    });

    // Either `operator: x` + `value: y`, or one shorthand key (`equals: y`, `in: […]`).
    let shorthands: Vec<&(Node, Node)> = f.entries.iter().filter(|(k, _)| Operator::from_shorthand_key(k.key_text()).is_some()).collect();
    let (operator, value_node, op_pos) = match (f.get("operator"), shorthands.as_slice()) {
        (Some(op), []) => {
            let spelled = text(op, cx)?;
            let Some(operator) = Operator::from_spelling(&spelled) else {
                let known: Vec<_> = Operator::spellings().collect();
                cx.error(op.pos, format!("unknown operator `{}`; expected one of {}", shorten(&spelled), known.join(", ")));
                return None;
            };
            (operator, f.get("value"), op.pos)
        }
        (None, [(key, value)]) => {
            let operator = Operator::from_shorthand_key(key.key_text())?;
            // `is_present: true` reads as "apply is_present"; there is no value to compare.
            let value = match operator.operand() {
                Operand::None => {
                    if value.scalar() != Some(Scalar::Bool(true)) {
                        cx.error(value.pos, format!("write `{}: true`, or use `operator: {}`", key.key_text(), key.key_text()));
                    }
                    None
                }
                _ => Some(value),
            };
            (operator, value, key.pos)
        }
        (None, []) => {
            cx.error(f.pos, "missing `operator` (or a shorthand key such as `equals:`, `in:`, `gte:`)");
            return None;
        }
        (Some(_), [(key, _), ..]) | (None, [_, (key, _), ..]) => {
            cx.error(key.pos, "a condition takes one operator; found more than one");
            return None;
        }
    };

    let value = match (operator.operand(), value_node) {
        (Operand::None, None) => None,
        (Operand::None, Some(v)) => {
            cx.error(v.pos, format!("`{operator}` takes no value"));
            return None;
        }
        (_, None) => {
            cx.error(op_pos, format!("`{operator}` needs a `value` to compare with"));
            return None;
        }
        (operand, Some(v)) => Some(operand_value(v, operand, operator, cx)?),
    };
    let field = field?;
    if let (true, Some(Literal::String(_) | Literal::Bool(_))) = (field.is_numeric(), &value) {
        if let Some(v) = value_node {
            cx.error(v.pos, format!("`{field}` is a number; compare it with a number"));
        }
    }
    if let Some(v) = value_node {
        refer_literals(&field, value.as_ref(), v, cx);
    }
    Some(Leaf { field, operator, value })
}

/// `{checklist: <id>, complete: true}`.
fn checklist_leaf(f: &Fields, cx: &mut Cx) -> Option<Leaf> {
    f.check_keys(cx, &vocabulary::CHECKLIST_LEAF, &[]);
    let id_node = f.get("checklist")?;
    let id = text(id_node, cx)?;
    cx.refer(RefKind::Checklist, &id, id_node.pos);
    let complete = f.req(cx, "complete", "true or false", boolean)?;
    Some(Leaf { field: FieldPath::Checklist(id), operator: Operator::Eq, value: Some(Literal::Bool(complete)) })
}

fn literal(node: &Node, cx: &mut Cx) -> Option<Literal> {
    match node.scalar() {
        Some(Scalar::Bool(b)) => Some(Literal::Bool(b)),
        Some(Scalar::Int(i)) => Some(Literal::Number(i as f64)),
        Some(Scalar::Float(x)) => Some(Literal::Number(x)),
        Some(Scalar::Str(s)) => Some(Literal::String(s.to_owned())),
        Some(Scalar::Null) => {
            cx.error(node.pos, "missing value: use `is_empty` to test for an absent field");
            None
        }
        None => {
            cx.error(node.pos, format!("expected a single value, found {}", node.describe()));
            None
        }
    }
}

fn operand_value(node: &Node, operand: Operand, operator: Operator, cx: &mut Cx) -> Option<Literal> {
    match operand {
        Operand::Number => match literal(node, cx)? {
            n @ Literal::Number(_) => Some(n),
            other => {
                cx.error(node.pos, format!("`{operator}` compares numbers, found `{other}`"));
                None
            }
        },
        Operand::List => match &node.kind {
            Kind::Seq(items) => {
                let values: Option<Vec<Literal>> = items.iter().map(|n| literal(n, cx)).collect();
                values.map(Literal::List)
            }
            _ => {
                cx.error(node.pos, format!("`{operator}` needs a list of values, found {}", node.describe()));
                None
            }
        },
        Operand::Scalar | Operand::None => literal(node, cx),
    }
}

/// Records the names a condition compares with (states, case types, select options) so that a
/// typo such as `pending-approval` or `majr` is an error rather than a level silently skipped.
fn refer_literals(field: &FieldPath, value: Option<&Literal>, node: &Node, cx: &mut Cx) {
    let strings: Vec<&str> = match value {
        Some(Literal::String(s)) => vec![s],
        Some(Literal::List(items)) => {
            items.iter().filter_map(|l| if let Literal::String(s) = l { Some(s.as_str()) } else { None }).collect()
        }
        _ => Vec::new(),
    };
    let kind = match field {
        FieldPath::Status | FieldPath::ToState | FieldPath::FromState => RefKind::State,
        FieldPath::CaseType => RefKind::CaseType,
        FieldPath::CustomField(key) => {
            cx.refer(RefKind::CustomField, key, node.pos);
            RefKind::FieldValue { field: key.clone() }
        }
        _ => return,
    };
    for s in strings {
        cx.refer(kind.clone(), s, node.pos);
    }
}

// ---------------------------------------------------------------------------------------------
// Hooks, automations, analytics

fn transition_filter(node: &Node, cx: &mut Cx) -> Option<TransitionFilter> {
    let f = fields(node, cx, "`when` (from / to)")?;
    f.check_keys(cx, &vocabulary::TRANSITION_FILTER, &[]);
    Some(TransitionFilter { from: f.opt(cx, "from", state_name), to: f.opt(cx, "to", state_name) })
}

fn hook(node: &Node, cx: &mut Cx) -> Option<Hook> {
    let f = fields(node, cx, "a hook")?;
    f.check_keys(cx, &vocabulary::HOOK, &[]);
    let event = f.req(cx, "event", "the event name", text)?;
    Some(Hook { event, when: f.opt(cx, "when", transition_filter).unwrap_or_default(), run: f.opt_list(cx, "run", host_action) })
}

fn automation(node: &Node, cx: &mut Cx) -> Option<Automation> {
    let f = fields(node, cx, "an automation")?;
    f.check_keys(cx, &vocabulary::WORKFLOW_AUTOMATION, &[]);
    let id = f.req(cx, "id", "the automation id", text);
    let on = f.req(cx, "on", "the event name", text);
    Some(Automation {
        id: id?,
        on: on?,
        when: f.opt(cx, "when", transition_filter).unwrap_or_default(),
        run: f.opt_list(cx, "run", host_action),
    })
}

fn analytics(node: &Node, cx: &mut Cx) -> Option<Analytics> {
    let f = fields(node, cx, "analytics")?;
    let dashboards = f.opt_list(cx, "dashboards", |n, cx| {
        let d = fields(n, cx, "a dashboard reference")?;
        let id = d.req(cx, "ref", "the dashboard id", text)?;
        cx.refer(RefKind::Dashboard, &id, d.get("ref").map_or(n.pos, |r| r.pos));
        Some(id)
    });
    let metrics = f.opt_list(cx, "metrics", |n, cx| {
        let m = fields(n, cx, "a metric")?;
        let id = m.req(cx, "id", "the metric id", text);
        let expression = m.req(cx, "expression", "how it is computed", text);
        Some(Metric { id: id?, description: m.opt(cx, "description", text), expression: expression? })
    });
    Some(Analytics { dashboards, metrics })
}

// ---------------------------------------------------------------------------------------------
// Recipes

pub(crate) fn recipe_file(root: &Node, cx: &mut Cx) -> Option<Recipe> {
    let top = fields(root, cx, "a recipe file")?;
    top.check_keys(cx, &vocabulary::RECIPE_FILE, &[]);
    model_version(&top, cx);
    let f = top.req(cx, "recipe", "the recipe", |n, cx| fields(n, cx, "a recipe"))?;
    f.check_keys(cx, &vocabulary::RECIPE, &[]);
    let key = f.req(cx, "key", "the recipe key", text);
    let trigger = f.req(cx, "trigger", "the event that runs it", trigger);
    let schedule = f.opt(cx, "schedule", |n, cx| {
        let t = text(n, cx)?;
        Schedule::parse(&t).map_err(|e| cx.error(n.pos, e)).ok()
    });
    match (trigger, f.get("schedule")) {
        (Some(Trigger::Scheduled), None) => cx.error(f.pos, "a `scheduled` recipe needs a cron `schedule`, e.g. \"0 9 * * 1-5\""),
        (Some(t), Some(s)) if t != Trigger::Scheduled => {
            cx.error(s.pos, format!("`schedule` only applies to `trigger: scheduled`, not `{}`", t.as_str()));
        }
        _ => {}
    }
    let conditions = f.opt(cx, "conditions", |n, cx| condition(n, cx, 1));
    let first_ref = cx.refs.len();
    let actions = f.req(cx, "actions", "what the recipe does", |n, cx| list(n, cx, action)).unwrap_or_default();
    pin_moves(cx, first_ref, conditions.as_ref());
    let key = key?;
    Some(Recipe {
        name: f.opt(cx, "name", text).unwrap_or_else(|| key.clone()),
        key,
        trigger: trigger?,
        schedule,
        conditions,
        actions,
        requires_approval: f.opt(cx, "requires_approval", boolean).unwrap_or(false),
        enabled: true,
    })
}

/// The states a rule's conditions pin the case to (`status = x`, `status in […]` at the top of an
/// `all`), given to the moves its actions recorded since `first_ref`.
fn pin_moves(cx: &mut Cx, first_ref: usize, conditions: Option<&Condition>) {
    let mut from = Vec::new();
    let top: Vec<&Condition> = match conditions {
        Some(Condition::All(items)) => {
            items.iter().flat_map(|c| if let Condition::All(inner) = c { inner.iter().collect() } else { vec![c] }).collect()
        }
        Some(c) => vec![c],
        None => Vec::new(),
    };
    for c in top {
        if let Condition::Leaf(Leaf { field: FieldPath::Status, operator: Operator::Eq | Operator::In, value: Some(v) }) = c {
            match v {
                Literal::String(s) => from.push(s.clone()),
                Literal::List(items) => from.extend(items.iter().map(ToString::to_string)),
                _ => {}
            }
        }
    }
    for r in cx.refs.iter_mut().skip(first_ref) {
        if let RefKind::Move { from: pinned } = &mut r.kind {
            pinned.clone_from(&from);
        }
    }
}

fn trigger(node: &Node, cx: &mut Cx) -> Option<Trigger> {
    let spelled = text(node, cx)?;
    let found = Trigger::parse(&spelled);
    if found.is_none() {
        let names: Vec<_> = Trigger::ALL.iter().map(|(n, _)| *n).collect();
        let hint = vocabulary::nearest(&spelled, names.iter().copied()).map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
        cx.error(node.pos, format!("unknown trigger `{}`; {hint}expected one of {}", shorten(&spelled), names.join(", ")));
    }
    found
}

/// `automations/*.yaml`: `automations: [{id, name, enabled, trigger: {event, conditions, cron},
/// query, actions}]`, each read into the recipe model; `query` becomes conditions.
pub(crate) fn automations_file(root: &Node, cx: &mut Cx) -> Vec<Recipe> {
    let Some(top) = fields(root, cx, "an automations file") else { return Vec::new() };
    top.check_keys(cx, &vocabulary::AUTOMATIONS_FILE, &[]);
    model_version(&top, cx);
    top.req(cx, "automations", "the list of automations", |n, cx| list(n, cx, standalone_automation)).unwrap_or_default()
}

fn standalone_automation(node: &Node, cx: &mut Cx) -> Option<Recipe> {
    let f = fields(node, cx, "an automation")?;
    f.check_keys(cx, &vocabulary::AUTOMATION, &[]);
    let id = f.req(cx, "id", "the automation id", text);
    let t = f.req(cx, "trigger", "the event that runs it", |n, cx| fields(n, cx, "a trigger"));
    let (trigger, schedule, mut conditions) = match &t {
        Some(t) => {
            t.check_keys(cx, &vocabulary::AUTOMATION_TRIGGER, &[]);
            let event = t.req(cx, "event", "the event that runs it", trigger);
            let schedule = t.opt(cx, "cron", |n, cx| {
                let text = text(n, cx)?;
                Schedule::parse(&text).map_err(|e| cx.error(n.pos, e)).ok()
            });
            match (event, t.get("cron")) {
                (Some(Trigger::Scheduled), None) => cx.error(t.pos, "a `schedule` trigger needs a `cron`, e.g. \"0 9 * * *\""),
                (Some(e), Some(c)) if e != Trigger::Scheduled => {
                    cx.error(c.pos, format!("`cron` only applies to the `schedule` event, not `{}`", e.as_str()));
                }
                _ => {}
            }
            let conditions: Vec<Condition> = t.opt(cx, "conditions", |n, cx| condition(n, cx, 1)).into_iter().collect();
            (event, schedule, conditions)
        }
        None => (None, None, Vec::new()),
    };
    conditions.extend(f.opt(cx, "query", automation_query).unwrap_or_default());
    let conditions = match conditions.len() {
        0 => None,
        1 => conditions.pop(),
        _ => Some(Condition::All(conditions)),
    };
    let first_ref = cx.refs.len();
    let actions = f.req(cx, "actions", "what the automation does", |n, cx| list(n, cx, action)).unwrap_or_default();
    pin_moves(cx, first_ref, conditions.as_ref());
    let id = id?;
    Some(Recipe {
        name: f.opt(cx, "name", text).unwrap_or_else(|| id.clone()),
        key: id,
        trigger: trigger?,
        schedule,
        conditions,
        actions,
        requires_approval: false,
        enabled: f.opt(cx, "enabled", boolean).unwrap_or(true),
    })
}

/// `query: {case_types, status(es), last_updated_before}`: which cases the automation acts on, as
/// conditions (`case_type in […]`, `status in […]`, `hours_since_last_update >= …`).
fn automation_query(node: &Node, cx: &mut Cx) -> Option<Vec<Condition>> {
    let f = fields(node, cx, "a query")?;
    f.check_keys(cx, &vocabulary::AUTOMATION_QUERY, &[]);
    let leaf = |field: FieldPath, operator: Operator, value: Literal| Condition::Leaf(Leaf { field, operator, value: Some(value) });
    let strings = |values: Vec<String>| Literal::List(values.into_iter().map(Literal::String).collect());
    let mut out = Vec::new();
    if let Some(n) = f.get_either(cx, "case_types", "issue_types") {
        let types = one_or_many(n, cx)?;
        for t in &types {
            cx.refer(RefKind::CaseType, t, n.pos);
        }
        out.push(leaf(FieldPath::CaseType, Operator::In, strings(types)));
    }
    if let Some(n) = f.get_either(cx, "statuses", "status") {
        let states = one_or_many(n, cx)?;
        for s in &states {
            cx.refer(RefKind::State, s, n.pos);
        }
        out.push(leaf(FieldPath::Status, Operator::In, strings(states)));
    }
    if let Some(n) = f.get("last_updated_before") {
        let d = duration(n, cx)?;
        out.push(leaf(FieldPath::HoursSinceLastUpdate, Operator::Gte, Literal::Number(d.hours())));
    }
    Some(out)
}

fn action(node: &Node, cx: &mut Cx) -> Option<Action> {
    let f = fields(node, cx, "an action")?;
    let type_node = f.req(cx, "type", "the action type", |n, _| Some(n))?;
    let kind_name = text(type_node, cx)?;
    let closed = match kind_name.as_str() {
        "modify_approval_chain" => Some(&vocabulary::ACTION_MODIFY_APPROVAL_CHAIN),
        "escalate_approval" => Some(&vocabulary::ACTION_ESCALATE_APPROVAL),
        "request_approval" => Some(&vocabulary::ACTION_REQUEST_APPROVAL),
        "add_label" => Some(&vocabulary::ACTION_ADD_LABEL),
        "set_priority" => Some(&vocabulary::ACTION_SET_PRIORITY),
        "set_field" => Some(&vocabulary::ACTION_SET_FIELD),
        "assign" => Some(&vocabulary::ACTION_ASSIGN),
        _ => None,
    };
    if let Some(structure) = closed {
        f.check_keys(cx, structure, &[]);
    }
    let moves_to = match kind_name.as_str() {
        "transition" => {
            f.check_keys(cx, &vocabulary::ACTION_TRANSITION, &[]);
            Some(f.req(cx, "to", "the state to move to", state_name)?)
        }
        "set_field" if f.get("field").and_then(Node::scalar) == Some(Scalar::Str("status")) => {
            Some(f.req(cx, "value", "the state to move to", state_name)?)
        }
        _ => None,
    };
    if let Some(to) = &moves_to {
        cx.refer(RefKind::Move { from: Vec::new() }, to, node.pos);
    }
    let kind = match (moves_to, kind_name.as_str()) {
        (Some(to), _) => ActionKind::Move { to },
        (None, kind) => action_kind(kind, &f, type_node, cx)?,
    };
    Some(Action { kind, params: f.to_json_except("type") })
}

fn action_kind(kind_name: &str, f: &Fields, type_node: &Node, cx: &mut Cx) -> Option<ActionKind> {
    Some(match kind_name {
        "notify" => {
            if !f.has("channel") && !f.has("recipients") {
                cx.error(f.pos, "a `notify` action needs a `channel` or `recipients`");
            }
            ActionKind::Notify
        }
        "modify_approval_chain" => ActionKind::ModifyApprovalChain(
            f.req(cx, "changes", "the chain changes", |n, cx| list(n, cx, chain_changes))
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .collect(),
        ),
        "escalate_approval" => ActionKind::EscalateApproval {
            add_approvers: f.req(cx, "add_approvers", "who becomes eligible", assignments).unwrap_or_default(),
            reason: f.opt(cx, "reason", text),
        },
        "request_approval" => {
            // `assignment: {type, identifier}`, or the short `role: <name>`.
            let assignment = match (f.get("assignment"), f.get("role")) {
                (Some(a), None) => assignment(a, cx)?,
                (None, Some(r)) => {
                    let identifier = text(r, cx)?;
                    cx.refer(RefKind::Role, &identifier, r.pos);
                    Assignment { kind: AssignmentKind::Role, identifier }
                }
                (Some(_), Some(_)) => {
                    cx.error(f.key_pos("role"), "`assignment` and `role` both say who must approve; keep one");
                    return None;
                }
                (None, None) => {
                    cx.error(f.pos, "missing `assignment` (or `role`): who must approve");
                    return None;
                }
            };
            ActionKind::RequestApproval { assignment, timeout: f.opt(cx, "timeout", duration) }
        }
        "add_label" => ActionKind::AddLabel(f.req(cx, "label", "the label to add", text)?),
        "set_priority" => ActionKind::SetPriority(f.req(cx, "value", "the new priority", text)?),
        "set_field" => {
            let field = f.req(cx, "field", "the field to set", text)?;
            let value = f.entry("value").map(|(_, v)| v.to_json());
            if value.is_none() {
                cx.error(f.pos, "missing `value` (what to set the field to)");
            }
            ActionKind::SetField { field, value: value.unwrap_or(Value::Null) }
        }
        "add_comment" => ActionKind::AddComment(f.req(cx, "body", "the comment text", text)?),
        // Returned to the host as written; its keys are checked above.
        "assign" => ActionKind::Other("assign".to_owned()),
        "create_child_issue" => {
            let case_type = f.req(cx, "case_type", "the child's case type", text)?;
            cx.refer(RefKind::CaseType, &case_type, f.get("case_type").map_or(f.pos, |n| n.pos));
            f.req(cx, "title", "the child's title", text);
            ActionKind::CreateChildIssue { case_type }
        }
        // Kiket's host actions that decide nothing here (AI, notifications, watchers, comments,
        // evidence, reminders, assignment): returned to the host as written.
        known @ ("ai_action" | "ai_analyze" | "ai_suggest" | "ai_generate" | "webhook" | "add_watcher" | "comment"
        | "blockchain_anchor" | "anchor_data" | "schedule_reminder" | "auto_assign" | "notification.send" | "extension.invoke") => {
            ActionKind::Other(known.to_owned())
        }
        other => {
            cx.warn(type_node.pos, format!("unknown action type `{}`: the engine returns it to the host as written", shorten(other)));
            ActionKind::Other(other.to_owned())
        }
    })
}

fn level_number(node: &Node, cx: &mut Cx) -> Option<u32> {
    let n = positive(node, cx)?;
    cx.refer(RefKind::Level, &n.to_string(), node.pos);
    Some(n)
}

/// One item of `changes:`; a mapping may hold several changes, applied in the order written.
fn chain_changes(node: &Node, cx: &mut Cx) -> Option<Vec<ChainChange>> {
    let f = fields(node, cx, "a chain change")?;
    let mut out = Vec::new();
    for (key, value) in f.entries {
        let change = match key.key_text() {
            "skip_levels" => list(value, cx, level_number).map(ChainChange::SkipLevels),
            "reduce_timeout" => reduce_timeout(value, cx),
            "add_approvers" => add_approvers(value, cx),
            other => {
                cx.error(
                    key.pos,
                    format!("unknown chain change `{}`; expected skip_levels, reduce_timeout or add_approvers", shorten(other)),
                );
                None
            }
        };
        out.extend(change);
    }
    Some(out)
}

fn reduce_timeout(node: &Node, cx: &mut Cx) -> Option<ChainChange> {
    let f = fields(node, cx, "reduce_timeout (`all_levels: 1h`, or `level:`/`levels:` with `timeout:`)")?;
    f.check_keys(cx, &vocabulary::REDUCE_TIMEOUT, &[]);
    if let Some(all) = f.get("all_levels") {
        if let Some(extra) = ["level", "levels", "timeout"].iter().find_map(|k| f.get(k)) {
            cx.error(extra.pos, "`all_levels` applies to every level; drop `level`/`levels`/`timeout`");
        }
        return duration(all, cx).map(|to| ChainChange::ReduceTimeout { levels: None, to });
    }
    let levels = match (f.get("level"), f.get("levels")) {
        (Some(n), None) => level_number(n, cx).map(|l| vec![l]),
        (None, Some(n)) => list(n, cx, level_number),
        _ => {
            cx.error(f.pos, "reduce_timeout needs `all_levels`, or one of `level` / `levels` with `timeout`");
            None
        }
    };
    let to = f.req(cx, "timeout", "the new, shorter timeout", duration);
    Some(ChainChange::ReduceTimeout { levels: Some(levels?), to: to? })
}

fn add_approvers(node: &Node, cx: &mut Cx) -> Option<ChainChange> {
    let f = fields(node, cx, "add_approvers (`level` and `assignment`/`assignments`)")?;
    f.check_keys(cx, &vocabulary::ADD_APPROVERS, &[]);
    let level = f.req(cx, "level", "the level that gains approvers", level_number);
    let assignments = match (f.get("assignment"), f.get("assignments")) {
        (Some(a), None) => assignment(a, cx).map(|a| vec![a]),
        (None, Some(list)) => assignments(list, cx),
        _ => {
            cx.error(f.pos, "add_approvers needs exactly one of `assignment` or `assignments`");
            None
        }
    };
    Some(ChainChange::AddApprovers { level: level?, assignments: assignments? })
}

// ---------------------------------------------------------------------------------------------
// Dashboards

pub(crate) fn dashboard_file(root: &Node, cx: &mut Cx) -> Option<Dashboard> {
    let top = fields(root, cx, "a dashboard file")?;
    model_version(&top, cx);
    let f = top.req(cx, "dashboard", "the dashboard", |n, cx| fields(n, cx, "a dashboard"))?;
    let id = f.req(cx, "id", "the dashboard id", text)?;
    let widgets = f.opt_list(cx, "widgets", widget);
    if let Some(list_node) = f.get("widgets") {
        for (i, w) in widgets.iter().enumerate() {
            if widgets[..i].iter().any(|o| o.id == w.id) {
                cx.error(list_node.pos, format!("two widgets have the id `{}`", w.id));
            }
        }
    }
    // An alert whose `condition` is text runs in the host's warehouse; one with a mapping is ours.
    let is_warehouse = |n: &Node| matches!(&n.kind, Kind::Map(e) if e.iter().any(|(k, v)| k.key_text() == "condition" && matches!(v.kind, Kind::Scalar { .. })));
    let alert_nodes: &[Node] = match f.get("alerts").map(|n| &n.kind) {
        Some(Kind::Seq(items)) => items,
        Some(_) => {
            cx.error(f.get("alerts").map_or(f.pos, |n| n.pos), "expected a list of alerts");
            &[]
        }
        None => &[],
    };
    let alerts = alert_nodes.iter().filter(|n| !is_warehouse(n)).filter_map(|n| alert(n, cx, &id)).collect();
    let warehouse_alerts = alert_nodes.iter().filter(|n| is_warehouse(n)).filter_map(|n| warehouse_alert(n, cx)).collect();
    Some(Dashboard { name: f.opt(cx, "name", text).unwrap_or_else(|| id.clone()), id, widgets, alerts, warehouse_alerts })
}

fn warehouse_alert(node: &Node, cx: &mut Cx) -> Option<WarehouseAlert> {
    let f = fields(node, cx, "an alert")?;
    let model = f.req(cx, "query", "the warehouse model the alert reads", text);
    let condition = f.req(cx, "condition", "when the alert fires", text);
    Some(WarehouseAlert { model: model?, condition: condition?, message: f.opt(cx, "message", text) })
}

fn widget(node: &Node, cx: &mut Cx) -> Option<Widget> {
    let f = fields(node, cx, "a widget")?;
    let id = f.req(cx, "id", "the widget id", text);
    let kind = f.req(cx, "type", "the widget type", text);
    // `query: <model name>` (with `query_config`) is read by the host's warehouse.
    let model = match f.get("query").map(|n| &n.kind) {
        Some(Kind::Scalar { .. }) => f.opt(cx, "query", text),
        _ => None,
    };
    Some(Widget {
        title: f.opt(cx, "title", text),
        query: if model.is_some() { Query::default() } else { f.opt(cx, "query", query).unwrap_or_default() },
        model,
        // `thresholds: {warning, critical}` (display bands of the structured dashboards) decides
        // nothing; the list form `[{value, color}]` colours the deployment-health gauge.
        thresholds: if matches!(f.get("thresholds").map(|n| &n.kind), Some(Kind::Map(_))) {
            Vec::new()
        } else {
            f.opt_list(cx, "thresholds", |n, cx| {
                let t = fields(n, cx, "a threshold")?;
                let value = t.req(cx, "value", "the threshold value", number);
                let color = t.req(cx, "color", "its color", text);
                Some(Threshold { value: value?, color: color? })
            })
        },
        fields: f.opt(cx, "fields", texts).unwrap_or_default(),
        id: id?,
        kind: kind?,
    })
}

fn filters(node: &Node, cx: &mut Cx) -> Option<Vec<Filter>> {
    let Kind::Map(entries) = &node.kind else {
        cx.error(node.pos, format!("expected a filter mapping (`status: production`), found {}", node.describe()));
        return None;
    };
    let mut out = Vec::new();
    for (key, value) in entries {
        let Some(values) = one_or_many(value, cx) else { continue };
        if key.key_text() == "status" {
            for v in &values {
                cx.refer(RefKind::State, v, value.pos);
            }
        }
        out.push(Filter { field: key.key_text().to_owned(), values });
    }
    Some(out)
}

fn query(node: &Node, cx: &mut Cx) -> Option<Query> {
    let f = fields(node, cx, "a widget query")?;
    let buckets = f.opt(cx, "buckets", |n, cx| list(n, cx, duration)).unwrap_or_default();
    if buckets.windows(2).any(|w| w[0] >= w[1]) {
        if let Some(n) = f.get("buckets") {
            cx.error(n.pos, "histogram buckets must be strictly ascending");
        }
    }
    Some(Query {
        metric: f.opt(cx, "metric", text),
        field: f.opt(cx, "field", text),
        expression: f.opt(cx, "expression", text),
        filter: f.opt(cx, "filter", filters).unwrap_or_default(),
        group_by: f.opt(cx, "group_by", text),
        time_range: f.opt(cx, "time_range", duration),
        from_state: f.opt(cx, "from_state", state_name),
        to_state: f.opt(cx, "to_state", state_name),
        buckets,
        order_by: f.opt(cx, "order_by", text),
        limit: f.opt(cx, "limit", positive),
    })
}

fn alert(node: &Node, cx: &mut Cx, dashboard: &str) -> Option<Alert> {
    let f = fields(node, cx, "an alert")?;
    let id = f.req(cx, "id", "the alert id", text);
    let c = f.req(cx, "condition", "when the alert fires", |n, cx| fields(n, cx, "an alert condition"))?;
    c.warn_unknown(cx, "an alert condition", &["metric", "filter", "field", "operator", "value"]);
    let metric = c.opt(cx, "metric", text);
    let field = c.opt(cx, "field", text);
    match (&metric, &field, c.get("metric"), c.get("field")) {
        (Some(m), None, Some(n), _) => cx.refer(RefKind::Metric { dashboard: dashboard.to_owned() }, m, n.pos),
        (None, Some(name), _, Some(n)) => {
            if !ALERT_FIELDS.contains(&name.as_str()) {
                cx.error(n.pos, format!("unknown alert field `{}`; the engine computes {}", shorten(name), ALERT_FIELDS.join(", ")));
            }
        }
        (Some(_), Some(_), _, Some(n)) => cx.error(n.pos, "an alert watches a `metric` or a `field`, not both"),
        _ => cx.error(c.pos, "an alert condition needs a `metric` or a `field`"),
    }
    let operator = c.req(cx, "operator", "how to compare, e.g. \">\"", |n, cx| {
        let spelled = text(n, cx)?;
        let op = Operator::from_spelling(&spelled);
        match op {
            Some(op) if op.operand() == Operand::Number || matches!(op, Operator::Eq | Operator::Ne) => Some(op),
            Some(_) => {
                cx.error(n.pos, format!("an alert compares numbers; `{}` does not", shorten(&spelled)));
                None
            }
            None => {
                let known: Vec<_> = Operator::spellings().collect();
                cx.error(n.pos, format!("unknown operator `{}`; expected one of {}", shorten(&spelled), known.join(", ")));
                None
            }
        }
    });
    let value = c.req(cx, "value", "the threshold", number);
    Some(Alert {
        name: f.opt(cx, "name", text),
        filter: c.opt(cx, "filter", filters).unwrap_or_default(),
        severity: f.opt(cx, "severity", text),
        channels: f.opt(cx, "channels", texts).unwrap_or_default(),
        id: id?,
        metric,
        field,
        operator: operator?,
        value: value?,
    })
}

// ---------------------------------------------------------------------------------------------
// Case types and workspace

/// `case_types.yaml` (`case_types:`, alias `issue_types:`).
pub(crate) fn case_types_file(root: &Node, cx: &mut Cx) -> Vec<CaseType> {
    let Some(f) = fields(root, cx, "a case types file") else { return Vec::new() };
    f.check_keys(cx, &vocabulary::CASE_TYPES_FILE, &[]);
    model_version(&f, cx);
    let Some(list_node) = f.get_either(cx, "case_types", "issue_types") else {
        cx.error(f.pos, "missing `case_types` (the list of case types)");
        return Vec::new();
    };
    let types = list(list_node, cx, case_type).unwrap_or_default();
    for (i, t) in types.iter().enumerate() {
        if types[..i].iter().any(|o| o.key == t.key) {
            cx.error(list_node.pos, format!("two case types have the key `{}`", t.key));
        }
    }
    types
}

fn case_type(node: &Node, cx: &mut Cx) -> Option<CaseType> {
    let f = fields(node, cx, "a case type")?;
    f.check_keys(cx, &vocabulary::CASE_TYPE, &[]);
    let key = f.req(cx, "key", "the case type key", text)?;
    let fields_node = f.get("fields");
    let defs = fields_node.and_then(|n| list(n, cx, field_def)).unwrap_or_default();
    for (i, d) in defs.iter().enumerate() {
        if defs[..i].iter().any(|o| o.key == d.key) {
            cx.error(fields_node.map_or(f.pos, |n| n.pos), format!("case type `{key}` declares the field `{}` twice", d.key));
        }
    }
    let workflow = f.opt(cx, "workflow", |n, cx| {
        let id = text(n, cx)?;
        cx.refer(RefKind::Workflow, &id, n.pos);
        Some(id)
    });
    Some(CaseType { label: f.opt(cx, "label", text), workflow, fields: defs, key })
}

fn field_def(node: &Node, cx: &mut Cx) -> Option<FieldDef> {
    let f = fields(node, cx, "a field definition")?;
    f.check_keys(cx, &vocabulary::FIELD_DEF, &[]);
    let key = f.req(cx, "key", "the field key", text);
    let kind = f.req(cx, "type", "the field type", |n, cx| one_of(n, cx, "field type", &FieldKind::ALL));
    let options = f.opt(cx, "options", texts).unwrap_or_default();
    if matches!(kind, Some(FieldKind::Select | FieldKind::Multiselect)) && options.is_empty() {
        cx.error(f.get("type").map_or(f.pos, |n| n.pos), "a select field needs a non-empty list of `options`");
    }
    Some(FieldDef {
        label: f.opt(cx, "label", text),
        required: f.opt(cx, "required", boolean).unwrap_or(false),
        readonly: f.opt(cx, "readonly", boolean).unwrap_or(false),
        options,
        key: key?,
        kind: kind?,
    })
}

/// `workspace.yaml` (`workspace:`, alias `project:`).
pub(crate) fn workspace_file(root: &Node, cx: &mut Cx) -> Option<Workspace> {
    let top = fields(root, cx, "a workspace file")?;
    top.check_keys(cx, &vocabulary::WORKSPACE_FILE, &[]);
    let f = match top.get_either(cx, "workspace", "project") {
        Some(n) => fields(n, cx, "the workspace")?,
        None => {
            cx.error(top.pos, "missing `workspace` (the workspace settings)");
            return None;
        }
    };
    f.check_keys(cx, &vocabulary::WORKSPACE, &[]);
    let roles = f
        .opt(cx, "team", |n, cx| fields(n, cx, "the team"))
        .map(|team| {
            team.opt_list(cx, "roles", |n, cx| match &n.kind {
                Kind::Map(_) => fields(n, cx, "a role")?.req(cx, "name", "the role name", text),
                _ => text(n, cx),
            })
        })
        .unwrap_or_default();
    let calendar = match (f.get("calendar"), top.get("calendar")) {
        (Some(_), Some(_)) => {
            cx.error(top.key_pos("calendar"), "`calendar` is given twice (top level and under `workspace`); keep one");
            None
        }
        (Some(n), None) | (None, Some(n)) => calendar(n, cx),
        (None, None) => None,
    };
    let seed_cases =
        f.opt(cx, "seed_data", |n, cx| fields(n, cx, "seed data")).map(|seed| seed.opt_list(cx, "cases", seed_case)).unwrap_or_default();
    Some(Workspace { key: f.opt(cx, "key", text), name: f.opt(cx, "name", text), roles, calendar, seed_cases })
}

fn seed_case(node: &Node, cx: &mut Cx) -> Option<SeedCase> {
    let f = fields(node, cx, "a seed case")?;
    let title = f.req(cx, "title", "the case title", text);
    let case_type_node = f.get_either(cx, "case_type", "issue_type");
    let case_type = match case_type_node {
        Some(n) => {
            let t = text(n, cx);
            if let Some(t) = &t {
                cx.refer(RefKind::CaseType, t, n.pos);
            }
            t
        }
        None => {
            cx.error(f.pos, "missing `case_type` of the seed case");
            None
        }
    };
    Some(SeedCase {
        description: f.opt(cx, "description", text),
        status: f.opt(cx, "status", state_name),
        priority: f.opt(cx, "priority", text),
        labels: f.opt(cx, "labels", texts).unwrap_or_default(),
        custom_fields: f.opt(cx, "custom_fields", |n, cx| fields(n, cx, "custom fields").map(|c| c.to_json_except(""))).unwrap_or_default(),
        title: title?,
        case_type: case_type?,
    })
}

/// A text scalar run through one of the calendar module's parsers.
fn parsed<T>(node: &Node, cx: &mut Cx, parse: fn(&str) -> Result<T, String>) -> Option<T> {
    let t = text(node, cx)?;
    parse(&t).map_err(|e| cx.error(node.pos, e)).ok()
}

/// The `calendar:` extension; absent parts take the defaults (UTC, Mon–Fri, 09:00–17:00).
pub(crate) fn calendar(node: &Node, cx: &mut Cx) -> Option<Calendar> {
    let f = fields(node, cx, "a calendar")?;
    f.check_keys(cx, &vocabulary::CALENDAR, &[]);
    let default = Calendar::default();
    let timezone = match f.get("timezone") {
        Some(n) => parsed(n, cx, calendar::parse_timezone)?,
        None => (default.timezone_name().to_owned(), default.timezone()),
    };
    let days = match f.get("working_days") {
        Some(n) => list(n, cx, |d, cx| parsed(d, cx, calendar::parse_weekday))?,
        None => [
            jiff::civil::Weekday::Monday,
            jiff::civil::Weekday::Tuesday,
            jiff::civil::Weekday::Wednesday,
            jiff::civil::Weekday::Thursday,
            jiff::civil::Weekday::Friday,
        ]
        .to_vec(),
    };
    if days.is_empty() {
        cx.error(f.get("working_days").map_or(f.pos, |n| n.pos), "a calendar needs at least one working day");
    }
    let hours: WorkingHours = match f.get("hours") {
        Some(n) => parsed(n, cx, calendar::parse_hours)?,
        None => default.hours(),
    };
    let holidays = f.opt(cx, "holidays", |n, cx| list(n, cx, |d, cx| parsed(d, cx, calendar::parse_date))).unwrap_or_default();
    Some(Calendar::new(timezone, days, hours, holidays))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definitions::yaml::parse;

    /// Decodes a condition written in YAML; returns it or the error messages.
    fn cond(text: &str) -> Result<Condition, Vec<String>> {
        let node = parse(text).expect("yaml");
        let mut cx = Cx::new(64);
        let c = condition(&node, &mut cx, 1);
        match (c, cx.errors.is_empty()) {
            (Some(c), true) => Ok(c),
            _ => Err(cx.errors.into_iter().map(|e| e.message).collect()),
        }
    }

    fn shown(text: &str) -> String {
        cond(text).unwrap_or_else(|e| panic!("{text}: {e:?}")).to_string()
    }

    #[test]
    fn a_bare_list_means_all() {
        let c = cond("- {field: priority, operator: '=', value: high}\n- {field: labels, operator: contains, value: x}").unwrap();
        assert!(matches!(&c, Condition::All(items) if items.len() == 2));
    }

    #[test]
    fn trees_nest_freely() {
        assert_eq!(
            shown(
                "any:\n  - all: [{field: status, equals: staging}, {field: days_in_state, gte: 3}]\n  - not: {field: labels, contains: frozen}\n"
            ),
            "(status = staging AND days_in_state >= 3) OR NOT (labels contains frozen)"
        );
    }

    #[test]
    fn shorthand_keys_are_operators() {
        assert_eq!(shown("{field: priority, equals: critical}"), "priority = critical");
        assert_eq!(shown("{field: priority, in: [high, critical]}"), "priority in [high, critical]");
        assert_eq!(shown("{field: hours_in_state, gte: 4}"), "hours_in_state >= 4");
        assert_eq!(shown("{field: assignee, is_present: true}"), "assignee is_present");
        assert_eq!(shown("{field: title, operator: is_empty}"), "title is_empty");
    }

    #[test]
    fn operands_must_fit_the_operator() {
        let err = |t: &str| cond(t).unwrap_err().join(" | ");
        assert!(err("{field: priority, operator: in, value: high}").contains("`in` needs a list of values"));
        assert!(err("{field: days_in_state, operator: '>', value: seven}").contains("`>` compares numbers, found `seven`"));
        assert!(err("{field: days_in_state, operator: '=', value: seven}").contains("`days_in_state` is a number"));
        assert!(err("{field: title, operator: is_empty, value: x}").contains("`is_empty` takes no value"));
        assert!(err("{field: priority, operator: '='}").contains("`=` needs a `value`"));
        assert!(err("{field: priority, equals: a, in: [b]}").contains("one operator"));
        assert!(err("{field: priority}").contains("missing `operator`"));
        assert!(err("{all: [], any: []}").contains("must be the only key"));
        assert!(err("{all: []}").contains("empty condition list"));
        assert!(err("just text").contains("expected a condition"));
    }

    #[test]
    fn the_nesting_limit_counts_every_level() {
        let nested = |depth: usize| format!("{}{{field: priority, equals: x}}{}", "{not: ".repeat(depth - 1), "}".repeat(depth - 1));
        assert!(cond(&nested(64)).is_ok());
        assert_eq!(cond(&nested(65)).unwrap_err(), ["conditions nested deeper than 64 levels"]);
    }
}
