//! Workflow files: the header, states (SLA in both forms, checklists, state approvals, entry guards,
//! state actions), transitions and their guards, hooks, workflow automations and analytics.

use super::*;

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

pub(super) fn states(node: &Node, cx: &mut Cx) -> Option<Vec<State>> {
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

pub(super) fn state(key: &Node, node: &Node, cx: &mut Cx) -> Option<State> {
    let id = key.key_text().to_owned();
    let f = fields(node, cx, &format!("state `{}`", shorten(&id)))?;
    f.check_keys(cx, &vocabulary::STATE, &[]);
    let kind = f.req(cx, "type", "initial, active, gateway or final", |n, cx| one_of(n, cx, "state type", &StateType::ALL));
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

pub(super) fn state_approval(node: &Node, cx: &mut Cx, state: &str) -> Option<StateApproval> {
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
pub(super) fn approver(node: &Node, cx: &mut Cx) -> Option<Assignment> {
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

pub(super) fn checklist(node: &Node, cx: &mut Cx) -> Option<Checklist> {
    let f = fields(node, cx, "a checklist")?;
    f.check_keys(cx, &vocabulary::CHECKLIST, &[]);
    let id = f.req(cx, "id", "the checklist id", text);
    let all_required = f.opt(cx, "required_mode", |n, cx| one_of(n, cx, "required_mode", &vocabulary::REQUIRED_MODES));
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

pub(super) fn checklist_item(node: &Node, cx: &mut Cx) -> Option<ChecklistItem> {
    let f = fields(node, cx, "a checklist item")?;
    f.check_keys(cx, &vocabulary::CHECKLIST_ITEM, &[]);
    let id = f.req(cx, "id", "the item id", text);
    let auto = f.opt(cx, "check_type", |n, cx| one_of(n, cx, "check_type", &vocabulary::CHECK_TYPES)).unwrap_or(false);
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

pub(super) fn sla(node: &Node, cx: &mut Cx) -> Option<Sla> {
    let f = fields(node, cx, "an SLA")?;
    f.check_keys(cx, &vocabulary::SLA, &[]);
    Some(sla_fields(&f, cx))
}

/// The list form: `[{condition, warning, breach}, …, {default: true, warning, breach}]`. Returns
/// the default (if any) and the conditional entries in order.
pub(super) fn sla_list(node: &Node, cx: &mut Cx) -> (Option<Sla>, Vec<SlaVariant>) {
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
pub(super) fn sla_fields(f: &Fields, cx: &mut Cx) -> Sla {
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
pub(super) fn host_action(node: &Node, cx: &mut Cx) -> Option<HostAction> {
    let f = fields(node, cx, "an action")?;
    f.check_keys(cx, &vocabulary::HOST_ACTION, &[]);
    let action = f.req(cx, "action", "the action's name", text)?;
    if action == "set_field" {
        f.check_keys(cx, &vocabulary::HOST_SET_FIELD, &[]);
    }
    refuse_moves(&f, &action, cx);
    Some(HostAction { action, params: f.to_json_except("action") })
}

/// Honour or refuse: a host action (hooks, state actions) that would move a case is not guarded
/// there, so the pack is refused at it; recipes and automations move cases through
/// [`ActionKind::Move`], which the evaluation guards.
fn refuse_moves(f: &Fields, action: &str, cx: &mut Cx) {
    let sets_status = action == "set_field" && f.get("field").and_then(Node::scalar) == Some(Scalar::Str("status"));
    if action == "transition" || sets_status {
        cx.error(f.key_pos("action"), format!("`{action}`: {}; the pack is refused rather than read past", vocabulary::MOVES_A_CASE));
    }
}

pub(super) fn transitions(node: &Node, cx: &mut Cx) -> Option<Vec<Transition>> {
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

pub(super) fn state_name(node: &Node, cx: &mut Cx) -> Option<String> {
    let name = text(node, cx)?;
    cx.refer(RefKind::State, &name, node.pos);
    Some(name)
}

pub(super) fn transition(node: &Node, cx: &mut Cx) -> Option<Transition> {
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

pub(super) fn required_fields(node: &Node, cx: &mut Cx) -> Vec<String> {
    list(node, cx, |n, cx| {
        let key = text(n, cx)?;
        cx.refer(RefKind::RequiredField, &key, n.pos);
        Some(key)
    })
    .unwrap_or_default()
}

pub(super) fn approval_requirement(node: &Node, cx: &mut Cx) -> Option<ApprovalRequirement> {
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
    let kind = f.req(cx, "type", "role or user", |n, cx| one_of(n, cx, "assignment type", &AssignmentKind::ALL));
    let identifier = f.req(cx, "identifier", "the role or user name", text)?;
    let kind = kind?;
    if kind == AssignmentKind::Role {
        let at = f.get("identifier").map_or(f.pos, |n| n.pos);
        cx.refer(RefKind::Role, &identifier, at);
    }
    Some(Assignment { kind, identifier })
}

pub(super) fn assignments(node: &Node, cx: &mut Cx) -> Option<Vec<Assignment>> {
    let out = list(node, cx, assignment)?;
    if matches!(&node.kind, Kind::Seq(items) if items.is_empty()) {
        cx.error(node.pos, "an empty list of assignments: nobody could ever approve");
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Hooks, automations, analytics

pub(super) fn transition_filter(node: &Node, cx: &mut Cx) -> Option<TransitionFilter> {
    let f = fields(node, cx, "`when` (from / to)")?;
    f.check_keys(cx, &vocabulary::TRANSITION_FILTER, &[]);
    Some(TransitionFilter { from: f.opt(cx, "from", state_name), to: f.opt(cx, "to", state_name) })
}

pub(super) fn hook(node: &Node, cx: &mut Cx) -> Option<Hook> {
    let f = fields(node, cx, "a hook")?;
    f.check_keys(cx, &vocabulary::HOOK, &[]);
    let event = f.req(cx, "event", "the event name", text)?;
    Some(Hook { event, when: f.opt(cx, "when", transition_filter).unwrap_or_default(), run: f.opt_list(cx, "run", host_action) })
}

pub(super) fn automation(node: &Node, cx: &mut Cx) -> Option<Automation> {
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

pub(super) fn analytics(node: &Node, cx: &mut Cx) -> Option<Analytics> {
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
