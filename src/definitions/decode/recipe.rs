//! Recipes (`automation_recipes/*.yaml`) and standalone automations (`automations/*.yaml`), read
//! into one model, with their triggers, actions and chain changes.

use super::*;

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
    let schedule = schedule(
        &f,
        cx,
        trigger,
        "schedule",
        "a `scheduled` recipe needs a cron `schedule`, e.g. \"0 9 * * 1-5\"",
        "`schedule` only applies to `trigger: scheduled`",
    );
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
pub(super) fn pin_moves(cx: &mut Cx, first_ref: usize, conditions: Option<&Condition>) {
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

/// The cron schedule under `key`: required for a scheduled trigger, refused for any other.
pub(super) fn schedule(f: &Fields, cx: &mut Cx, trigger: Option<Trigger>, key: &str, missing: &str, misplaced: &str) -> Option<Schedule> {
    let schedule = f.opt(cx, key, |n, cx| {
        let t = text(n, cx)?;
        Schedule::parse(&t).map_err(|e| cx.error(n.pos, e)).ok()
    });
    match (trigger, f.get(key)) {
        (Some(Trigger::Scheduled), None) => cx.error(f.pos, missing),
        (Some(t), Some(s)) if t != Trigger::Scheduled => cx.error(s.pos, format!("{misplaced}, not `{}`", t.as_str())),
        _ => {}
    }
    schedule
}

pub(super) fn trigger(node: &Node, cx: &mut Cx) -> Option<Trigger> {
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

pub(super) fn standalone_automation(node: &Node, cx: &mut Cx) -> Option<Recipe> {
    let f = fields(node, cx, "an automation")?;
    f.check_keys(cx, &vocabulary::AUTOMATION, &[]);
    let id = f.req(cx, "id", "the automation id", text);
    let t = f.req(cx, "trigger", "the event that runs it", |n, cx| fields(n, cx, "a trigger"));
    let (trigger, schedule, mut conditions) = match &t {
        Some(t) => {
            t.check_keys(cx, &vocabulary::AUTOMATION_TRIGGER, &[]);
            let event = t.req(cx, "event", "the event that runs it", trigger);
            let schedule = schedule(
                t,
                cx,
                event,
                "cron",
                "a `schedule` trigger needs a `cron`, e.g. \"0 9 * * *\"",
                "`cron` only applies to the `schedule` event",
            );
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
pub(super) fn automation_query(node: &Node, cx: &mut Cx) -> Option<Vec<Condition>> {
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

pub(super) fn action(node: &Node, cx: &mut Cx) -> Option<Action> {
    let f = fields(node, cx, "an action")?;
    f.check_keys(cx, &vocabulary::RECIPE_ACTION, &[]);
    let type_node = f.req(cx, "type", "the action type", |n, _| Some(n))?;
    let kind_name = text(type_node, cx)?;
    if let Some((_, structure)) = vocabulary::RECIPE_ACTIONS.iter().find(|(name, _)| *name == kind_name) {
        f.check_keys(cx, structure, &[]);
    }
    let moves_to = match kind_name.as_str() {
        "transition" => Some(f.req(cx, "to", "the state to move to", state_name)?),
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

pub(super) fn action_kind(kind_name: &str, f: &Fields, type_node: &Node, cx: &mut Cx) -> Option<ActionKind> {
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

pub(super) fn level_number(node: &Node, cx: &mut Cx) -> Option<u32> {
    let n = positive(node, cx)?;
    cx.refer(RefKind::Level, &n.to_string(), node.pos);
    Some(n)
}

/// One item of `changes:`; a mapping may hold several changes, applied in the order written.
pub(super) fn chain_changes(node: &Node, cx: &mut Cx) -> Option<Vec<ChainChange>> {
    let f = fields(node, cx, "a chain change")?;
    let mut out = Vec::new();
    for (key, value) in f.entries {
        let change = match key.key_text() {
            "skip_levels" => list(value, cx, level_number).map(ChainChange::SkipLevels),
            "reduce_timeout" => reduce_timeout(value, cx),
            "add_approvers" => add_approvers(value, cx),
            other => {
                let known: Vec<_> = vocabulary::CHAIN_CHANGE.names().collect();
                cx.error(key.pos, format!("unknown chain change `{}`; expected one of {}", shorten(other), known.join(", ")));
                None
            }
        };
        out.extend(change);
    }
    Some(out)
}

pub(super) fn reduce_timeout(node: &Node, cx: &mut Cx) -> Option<ChainChange> {
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

pub(super) fn add_approvers(node: &Node, cx: &mut Cx) -> Option<ChainChange> {
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
