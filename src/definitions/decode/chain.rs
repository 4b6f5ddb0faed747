//! Approval chains: levels, parallel groups, `required`, `logic`, the escalation ladder.

use super::*;

// ---------------------------------------------------------------------------------------------
// Approval chain

pub(super) fn approval_chain(node: &Node, cx: &mut Cx) -> Option<ApprovalChain> {
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

pub(super) fn levels(node: &Node, cx: &mut Cx) -> Vec<Level> {
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
pub(super) fn level(node: &Node, cx: &mut Cx) -> Option<(Level, Pos)> {
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
pub(super) fn approval_conditions(f: &Fields, cx: &mut Cx) -> Option<Condition> {
    cx.approval_conditions = true;
    let conditions = f.opt(cx, "conditions", |n, cx| condition(n, cx, 1));
    cx.approval_conditions = false;
    conditions
}

pub(super) fn parallel_groups(node: &Node, cx: &mut Cx) -> Vec<Group> {
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

pub(super) fn group(node: &Node, cx: &mut Cx) -> Option<Group> {
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
pub(super) fn check_reachable(assignments: &[Assignment], required: Required, pos: Pos, cx: &mut Cx) {
    if let Required::AtLeast(n) = required {
        let all_users = !assignments.is_empty() && assignments.iter().all(|a| a.kind == AssignmentKind::User);
        if all_users && n as usize > assignments.len() {
            cx.error(pos, format!("`required: {n}` can never be met by {} named user(s)", assignments.len()));
        }
    }
}

pub(super) fn required(node: &Node, cx: &mut Cx) -> Option<Required> {
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

pub(super) fn logic(node: &Node, cx: &mut Cx) -> Option<Logic> {
    match text(node, cx)?.to_ascii_uppercase().as_str() {
        "AND" => Some(Logic::And),
        "OR" => Some(Logic::Or),
        _ => {
            cx.error(node.pos, format!("`logic` is AND or OR, found {}", node.describe()));
            None
        }
    }
}

pub(super) fn escalation_step(node: &Node, cx: &mut Cx) -> Option<EscalationStep> {
    let f = fields(node, cx, "an escalation step")?;
    f.check_keys(cx, &vocabulary::ESCALATION_STEP, &[]);
    let after = f.req(cx, "after", "when the step fires, e.g. `4h`", duration);
    let action = f.req(cx, "action", "reminder, escalate, notify_executive or auto_approve", |n, cx| {
        one_of(n, cx, "escalation action", &LadderAction::ALL)
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
