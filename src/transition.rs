//! Transitions out of the release's status: allowed or not, and what blocks them; and the guard
//! (Kiket's `workflow.before_transition`) that answers allow / pending / deny and fails closed.
//!
//! Owns: blockers (required fields, required approvals, the chain, WIP limits) and their
//! classification. Must not know how the chain is simulated or how requests are parsed.

use serde::Serialize;

use crate::calendar::Instant;
use crate::chain::{self, ChainRun, ChainState, LevelRun, LevelState};
use crate::condition::{Actual, FieldPath, Leaf, Operator, Why};
use crate::definitions::{ApprovalRequirement, Transition, Workflow};
use crate::error::ErrorBody;
use crate::recipe::RecipeRun;
use crate::request::{Decision, Request};

/// Why a transition cannot be taken now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocker {
    MissingField(String),
    /// Approvals still in progress (the chain, or a `require_approval`): wait, don't give up.
    AwaitingApproval(String),
    Rejected(String),
    WipLimit(String),
    /// The transition's conditions, or its target's entry guard, do not hold.
    Condition(String),
}

impl Blocker {
    pub fn message(&self) -> &str {
        match self {
            Blocker::MissingField(m)
            | Blocker::AwaitingApproval(m)
            | Blocker::Rejected(m)
            | Blocker::WipLimit(m)
            | Blocker::Condition(m) => m,
        }
    }
}

/// One transition out of the current status.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TransitionRow<'a> {
    pub to: &'a str,
    pub name: Option<&'a str>,
    pub allowed: bool,
    /// Only approvals still in progress block it (the guard would answer `pending`).
    pub pending: bool,
    pub blockers: Vec<String>,
    /// Every leaf of the transition's conditions and of its target's entry guard, evaluated
    /// (absent when there are none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<crate::condition::WhyJson<'a, 'a>>>", optional))]
    pub conditions: Vec<Why<'a, 'a>>,
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub blocking: Vec<Blocker>,
}

impl TransitionRow<'_> {
    /// The guard's status for this transition and its message (`Deploy: allowed`, or the name and
    /// every blocker).
    pub fn verdict(&self) -> (GuardStatus, String) {
        let status = if self.allowed {
            GuardStatus::Allow
        } else if self.pending {
            GuardStatus::Pending
        } else {
            GuardStatus::Deny
        };
        let name = self.name.unwrap_or(self.to);
        let message = if self.allowed { format!("{name}: allowed") } else { format!("{name}: {}", self.blockers.join("; ")) };
        (status, message)
    }
}

/// What the caller evaluated of one transition's conditions: its own guard and the entry guard of
/// its target state, with the missing items of every checklist a failing leaf reads.
#[derive(Clone, Debug, Default)]
pub struct ConditionCheck<'a> {
    pub why: Vec<Why<'a, 'a>>,
    pub holds: bool,
    pub incomplete: Vec<(&'a str, Vec<&'a str>)>,
}

/// Every transition out of `request.release.status`, in the order the workflow lists them.
pub fn rows<'a>(
    workflow: &'a Workflow,
    request: &'a Request,
    chain: &ChainRun<'_>,
    allow_self_approval: bool,
    state_approval: Option<(&str, &LevelRun<'_>)>,
    check: impl Fn(&'a Transition) -> ConditionCheck<'a>,
) -> Vec<TransitionRow<'a>> {
    workflow
        .transitions
        .iter()
        .filter(|t| t.from == request.release.status)
        .map(|t| {
            let gate = state_approval.and_then(|(state, level)| state_gate(state, level, t));
            row(workflow, request, t, chain, allow_self_approval, gate, check(t))
        })
        .collect()
}

/// What an applying state approval says of one exit: a rejecting exit (see
/// [`Transition::rejects`]) opens with an eligible `reject`, every other exit with the approval;
/// before anyone has decided, no exit is allowed.
fn state_gate(state: &str, level: &LevelRun<'_>, t: &Transition) -> Option<Blocker> {
    let who = || {
        let group = level.groups.first();
        let names: Vec<String> = group
            .map(|g| g.group.assignments.iter().map(|a| format!("{} {}", role_word(a.kind), a.identifier)).collect())
            .unwrap_or_default();
        names.join(", ")
    };
    match (level.state, t.rejects()) {
        (LevelState::Approved | LevelState::AutoApproved | LevelState::Skipped, false) | (LevelState::Rejected, true) => None,
        (LevelState::Approved | LevelState::AutoApproved, true) => {
            Some(Blocker::Rejected(format!("the approval of `{state}` was granted; its rejecting exit is closed")))
        }
        (LevelState::Rejected, false) => Some(Blocker::Rejected(format!("the approval of `{state}` was rejected"))),
        (_, false) => Some(Blocker::AwaitingApproval(format!("awaiting the approval of `{state}` by {}", who()))),
        (_, true) => Some(Blocker::AwaitingApproval(format!("awaiting a rejection of `{state}` by {}", who()))),
    }
}

fn row<'a>(
    workflow: &'a Workflow,
    request: &'a Request,
    t: &'a Transition,
    chain: &ChainRun<'_>,
    allow_self_approval: bool,
    state_gate: Option<Blocker>,
    check: ConditionCheck<'a>,
) -> TransitionRow<'a> {
    let release = &request.release;
    let mut blocking: Vec<Blocker> = state_gate.into_iter().collect();
    if !check.holds {
        blocking.extend(check.why.iter().filter(|w| !w.result).map(|w| Blocker::Condition(failed_leaf(w, &check.incomplete))));
    }
    for field in &t.requires_fields {
        let empty = Leaf { field: FieldPath::CustomField(field.clone()), operator: Operator::IsEmpty, value: None };
        let actual = release.custom_fields.get(field).map_or(Actual::Missing, Actual::Json);
        if empty.test(actual) {
            blocking.push(Blocker::MissingField(format!("missing required field `{field}`")));
        }
    }
    for requirement in &t.require_approval {
        if let Some(b) = required_approval(request, &t.to, requirement, allow_self_approval) {
            blocking.push(b);
        }
    }
    if t.approval_chain.is_some() {
        match chain.state {
            ChainState::Approved => {}
            ChainState::Rejected => {
                let level = chain.levels.iter().find(|l| l.state == LevelState::Rejected);
                let at = level.map(|l| format!("level {} ({})", l.plan.level.level, l.plan.level.name)).unwrap_or_default();
                blocking.push(Blocker::Rejected(format!("the approval chain was rejected at {at}")));
            }
            ChainState::InProgress | ChainState::NotStarted => {
                let active = chain.levels.iter().find(|l| l.state == LevelState::Active);
                let what = active.map_or_else(String::new, |l| {
                    let waiting: Vec<&str> =
                        l.groups.iter().filter(|g| !g.satisfied).map(|g| g.group.name.as_deref().unwrap_or("approvers")).collect();
                    format!(": level {} ({}) awaits {}", l.plan.level.level, l.plan.level.name, waiting.join(", "))
                });
                blocking.push(Blocker::AwaitingApproval(format!("the approval chain is in progress{what}")));
            }
        }
    }
    if let Some(limit) = workflow.state(&t.to).and_then(|s| s.wip_limit) {
        let current = request.wip.get(&t.to).copied().unwrap_or(0);
        if current >= limit {
            blocking.push(Blocker::WipLimit(format!("WIP limit of {} reached: {current} of {limit}", t.to)));
        }
    }
    let allowed = blocking.is_empty();
    let pending = !allowed && blocking.iter().all(|b| matches!(b, Blocker::AwaitingApproval(_)));
    TransitionRow {
        to: &t.to,
        name: t.name.as_deref(),
        allowed,
        pending,
        blockers: blocking.iter().map(|b| b.message().to_owned()).collect(),
        conditions: check.why,
        blocking,
    }
}

/// A failing leaf in words, with the value the case has (`custom_fields.amount lte 5000: actual
/// 7000`), or the missing items of a checklist.
fn failed_leaf(w: &Why<'_, '_>, incomplete: &[(&str, Vec<&str>)]) -> String {
    if let FieldPath::Checklist(id) = &w.leaf.field {
        return match incomplete.iter().find(|(c, _)| c == id) {
            Some((_, missing)) if !missing.is_empty() => format!("checklist `{id}` is incomplete: {} not done", missing.join(", ")),
            _ => format!("condition not met: {}", w.leaf),
        };
    }
    let actual = match w.actual {
        Actual::Missing => "absent".to_owned(),
        other => crate::json::to_string(&other).unwrap_or_default(),
    };
    format!("condition not met: {} (actual: {actual})", w.leaf)
}

/// A `require_approval` is met by an eligible approval of the transition, cast since the release
/// entered its status and not after now; an eligible rejection blocks it.
fn required_approval(request: &Request, to: &str, requirement: &ApprovalRequirement, allow_self_approval: bool) -> Option<Blocker> {
    let release = &request.release;
    let who = &requirement.assignment;
    let counting = release.approvals.iter().filter(|a| {
        a.transition.as_deref() == Some(to)
            && a.at >= release.status_since
            && a.at <= request.now
            && (allow_self_approval || release.requester() != Some(a.approver.as_str()))
            && matches!(chain::acts_for(who, a, &request.directory, a.at), Some(acting) if allow_self_approval || !matches!(acting, chain::Acting::As(p) if release.requester() == Some(p)))
    });
    let mut approved = false;
    for a in counting {
        match a.decision {
            Decision::Reject => return Some(Blocker::Rejected(format!("{} rejected the transition to {to}", a.approver))),
            Decision::Approve => approved = true,
        }
    }
    let message = requirement.message.as_deref().map_or_else(String::new, |m| format!(": {m}"));
    (!approved).then(|| Blocker::AwaitingApproval(format!("awaiting approval by {} {}{message}", role_word(who.kind), who.identifier)))
}

fn role_word(kind: crate::definitions::AssignmentKind) -> &'static str {
    match kind {
        crate::definitions::AssignmentKind::Role => "role",
        crate::definitions::AssignmentKind::User => "user",
    }
}

/// The guard's answer for a move an automation would make (`transition`, `set_field` of `status`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct MoveAnswer {
    pub status: GuardStatus,
    pub message: String,
}

impl MoveAnswer {
    pub fn deny(message: String) -> MoveAnswer {
        MoveAnswer { status: GuardStatus::Deny, message }
    }
}

/// The answer for moving from `from` (the release's status) to `to`, from that transition's row;
/// an edge the workflow does not declare is denied.
pub fn move_answer(rows: &[TransitionRow<'_>], from: &str, to: &str) -> MoveAnswer {
    match rows.iter().find(|r| r.to == to) {
        None => MoveAnswer::deny(format!("the workflow has no transition from `{from}` to `{to}`")),
        Some(row) => {
            let (status, message) = row.verdict();
            MoveAnswer { status, message }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum GuardStatus {
    Allow,
    Pending,
    Deny,
}

/// Kiket's guard contract: `{status, message, metadata}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct GuardAnswer<'a> {
    pub status: GuardStatus,
    pub message: String,
    pub metadata: GuardMetadata<'a>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct GuardMetadata<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub from: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub to: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub transition: Option<&'a str>,
    pub blockers: Vec<String>,
    /// The failing leaves of the transition's conditions and of its target's entry guard, each
    /// with field, operator, expected and actual value (absent when none fail).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<crate::condition::WhyJson<'a, 'a>>>", optional))]
    pub failed_conditions: Vec<Why<'a, 'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub chain_state: Option<ChainState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub current_level: Option<u32>,
    /// The `workflow.after_transition` recipes this transition matches; their actions are listed
    /// only when the answer is `allow` (only then will the transition, and so the recipes, happen).
    pub after_transition: Vec<RecipeRun<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub error: Option<ErrorBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub at: Option<Instant>,
}

impl GuardAnswer<'_> {
    /// The fail-closed answer to anything that went wrong.
    pub fn deny_error(error: ErrorBody) -> GuardAnswer<'static> {
        GuardAnswer {
            status: GuardStatus::Deny,
            message: error.message.clone(),
            metadata: GuardMetadata { error: Some(error), ..GuardMetadata::default() },
        }
    }
}

/// The guard's answer for the row of the requested transition.
pub fn answer<'a>(
    row: &TransitionRow<'a>,
    from: &'a str,
    chain: Option<&ChainRun<'_>>,
    after_transition: Vec<RecipeRun<'a>>,
    now: Instant,
) -> GuardAnswer<'a> {
    let (status, message) = row.verdict();
    let after_transition = after_transition
        .into_iter()
        .map(|mut r| {
            if status != GuardStatus::Allow {
                r.actions.clear();
            }
            r
        })
        .collect();
    GuardAnswer {
        status,
        message,
        metadata: GuardMetadata {
            from: Some(from),
            to: Some(row.to),
            transition: row.name,
            blockers: row.blockers.clone(),
            failed_conditions: row.conditions.iter().filter(|w| !w.result).cloned().collect(),
            chain_state: chain.map(|c| c.state),
            current_level: chain.and_then(|c| c.current_level),
            after_transition,
            error: None,
            at: Some(now),
        },
    }
}
