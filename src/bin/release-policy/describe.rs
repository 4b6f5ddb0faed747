//! A human-readable summary of a pack: what `make run` prints until the preview page exists.

use std::fmt::Write;

use release_policy::Policy;
use release_policy::definitions::{ActionKind, Assignment, AssignmentKind, ChainChange, Group, Logic, Required, Workflow};

fn assignment(a: &Assignment) -> String {
    match a.kind {
        AssignmentKind::Role => format!("role {}", a.identifier),
        AssignmentKind::User => format!("user {}", a.identifier),
    }
}

fn group(g: &Group) -> String {
    let who: Vec<String> = g.assignments.iter().map(assignment).collect();
    let rule = match g.required {
        Required::Any => "any of".to_owned(),
        Required::All => "all of".to_owned(),
        Required::AtLeast(n) => format!("{n} of"),
    };
    let name = g.name.as_ref().map(|n| format!("{n}: ")).unwrap_or_default();
    format!("{name}{rule} {}", who.join(", "))
}

fn levels(list: &[u32]) -> String {
    list.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// The summary, as printed by `release-policy describe`: each workflow (states, chain, ladder,
/// SLAs, recipes), then the calendar and the warnings.
pub fn describe(policy: &Policy, source: &str) -> String {
    let pack = policy.pack();
    let mut out = String::new();
    if pack.workflows.len() != 1 {
        let ids: Vec<&str> = pack.workflows.iter().map(|w| w.id.as_str()).collect();
        let list = if ids.is_empty() { "no workflow".to_owned() } else { format!("workflows {}", ids.join(", ")) };
        let _ = writeln!(out, "Pack from {source}: valid, {} warning(s); {list}", policy.warnings().len());
    }
    for wf in &pack.workflows {
        describe_workflow(&mut out, wf, policy, source);
    }
    let calendar = pack.workspace.calendar.clone().unwrap_or_default();
    let _ = writeln!(
        out,
        "\nCalendar: {} {}{}",
        calendar.timezone_name(),
        calendar.hours(),
        if pack.workspace.calendar.is_none() { " Mon–Fri (default)" } else { "" }
    );
    if !policy.warnings().is_empty() {
        let _ = writeln!(out, "\nWarnings:");
        for w in policy.warnings() {
            let _ = writeln!(out, "  {w}");
        }
    }
    out
}

fn describe_workflow(out: &mut String, wf: &Workflow, policy: &Policy, source: &str) {
    let single = policy.pack().workflows.len() == 1;
    if single {
        let _ = writeln!(out, "{} (workflow `{}`) from {source}: valid, {} warning(s)", wf.name, wf.id, policy.warnings().len());
    } else {
        let _ = writeln!(out, "\n== {} (workflow `{}`)", wf.name, wf.id);
    }
    let states: Vec<&str> = wf.states.iter().map(|s| s.id.as_str()).collect();
    let _ = writeln!(out, "States: {}", states.join(" → "));

    match wf.chain_transition() {
        Some((transition, chain)) => {
            let _ = writeln!(
                out,
                "\nApproval chain on {} → {} ({}){}{}:",
                transition.from,
                transition.to,
                transition.name.as_deref().unwrap_or(""),
                if chain.business_hours { ", business hours" } else { "" },
                if chain.allow_self_approval { ", self-approval allowed" } else { "" }
            );
            for level in &chain.levels {
                let joiner = if level.logic == Logic::Or { "  OR  " } else { "  AND  " };
                let groups: Vec<String> = level.groups.iter().map(group).collect();
                let timeout = level.timeout.map_or_else(|| "no timeout".to_owned(), |t| format!("timeout {t}"));
                let when = level.conditions.as_ref().map_or_else(|| "always".to_owned(), |c| format!("when {c}"));
                let _ = writeln!(out, "  {}. {:<20} {:<48} {:<12} {when}", level.level, level.name, groups.join(joiner), timeout);
            }
            let _ = writeln!(out, "Escalation ladder (restarts when each level activates):");
            for step in &chain.escalation {
                let to: Vec<String> = step.to.iter().map(assignment).collect();
                let to = if to.is_empty() { String::new() } else { format!(" → {}", to.join(", ")) };
                let channels = if step.channels.is_empty() { String::new() } else { format!(" via {}", step.channels.join(", ")) };
                let reason = step.reason.as_ref().map(|r| format!(" \"{r}\"")).unwrap_or_default();
                let _ = writeln!(out, "  after {:<4} {}{to}{channels}{reason}", step.after.to_string(), step.action.as_str());
            }
        }
        None => {
            let _ = writeln!(out, "No approval chain.");
        }
    }

    for state in &wf.states {
        if let Some(a) = &state.approval {
            let when = a.conditions.as_ref().map_or_else(|| "always".to_owned(), |c| format!("when {c}"));
            let _ = writeln!(out, "\nApproval to leave {}: {} ({when})", state.id, group(&a.group));
        }
        if let Some(c) = &state.conditions {
            let _ = writeln!(out, "\nEntering {} requires {c}", state.id);
        }
        if let Some(c) = &state.checklist {
            let items: Vec<String> = c
                .items
                .iter()
                .map(|i| {
                    let required = if c.all_required || i.required { "" } else { " (optional)" };
                    match &i.auto {
                        Some(cond) => format!("{} [auto: {cond}]{required}", i.id),
                        None => format!("{}{required}", i.id),
                    }
                })
                .collect();
            let _ = writeln!(out, "\nChecklist {} in {}: {}", c.id, state.id, items.join(", "));
        }
        for v in &state.sla_variants {
            let part = |label: &str, d: Option<release_policy::Duration>| d.map(|d| format!("{label} {d}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "\nSLA in {} when {}: {} {}",
                state.id,
                v.condition,
                part("warning", v.sla.warning),
                part("breach", v.sla.breach)
            );
        }
        if let Some(sla) = &state.sla {
            let part = |label: &str, d: Option<release_policy::Duration>| d.map(|d| format!("{label} {d}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "\nSLA in {}: {} {}{}",
                state.id,
                part("warning", sla.warning),
                part("breach", sla.breach),
                if sla.business_hours { " (business hours)" } else { "" }
            );
        }
    }
    let guarded: Vec<String> =
        wf.transitions.iter().filter_map(|t| t.conditions.as_ref().map(|c| format!("  {} → {} when {c}", t.from, t.to))).collect();
    if !guarded.is_empty() {
        let _ = writeln!(out, "\nGuarded transitions:\n{}", guarded.join("\n"));
    }

    if wf.recipes.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nRecipes:");
    for recipe in &wf.recipes {
        let when = recipe.conditions.as_ref().map_or_else(String::new, |c| format!(" when {c}"));
        let schedule = recipe.schedule.as_ref().map(|s| format!(" [{}]", s.as_str())).unwrap_or_default();
        let _ = writeln!(out, "  {} ({}{schedule}){when}", recipe.key, recipe.trigger.as_str());
        for action in &recipe.actions {
            let detail = match &action.kind {
                ActionKind::ModifyApprovalChain(changes) => changes
                    .iter()
                    .map(|c| match c {
                        ChainChange::SkipLevels(l) => format!("skip levels {}", levels(l)),
                        ChainChange::ReduceTimeout { levels: None, to } => format!("timeouts at most {to}"),
                        ChainChange::ReduceTimeout { levels: Some(l), to } => format!("timeouts of levels {} at most {to}", levels(l)),
                        ChainChange::AddApprovers { level, assignments } => {
                            format!("add {} to level {level}", assignments.iter().map(assignment).collect::<Vec<_>>().join(", "))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                ActionKind::EscalateApproval { add_approvers, .. } => {
                    format!("add {}", add_approvers.iter().map(assignment).collect::<Vec<_>>().join(", "))
                }
                _ => String::new(),
            };
            let _ = writeln!(out, "    - {}{}", action.type_name(), if detail.is_empty() { detail } else { format!(": {detail}") });
        }
    }
}
