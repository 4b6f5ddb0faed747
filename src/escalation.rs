//! The escalation ladder as the output reports it: the steps fired so far, the next one due, and the
//! audit trail of auto-approvals. The chain simulation decides when steps fire; this module says who
//! they reach.
//!
//! Owns: step and audit records, recipients. Must not know JSON input or recipes.

use crate::calendar::Instant;
use crate::chain::{self, ChainRun, Happening};
use crate::definitions::{ApprovalChain, Assignment, EscalationStep, LadderAction};
use crate::duration::Duration;
use crate::request::Directory;

/// One ladder step of one level.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StepRecord<'a> {
    pub level: u32,
    /// Index of the step in the ladder.
    pub step: usize,
    pub after: Duration,
    pub action: &'static str,
    pub at: Instant,
    pub to: &'a [Assignment],
    pub channels: &'a [String],
    /// The users it reaches: for a reminder, the eligible approvers whose approval is still needed
    /// at its instant (not those who approved, nor the groups already satisfied); `to` resolved
    /// through the directory otherwise (empty for an auto-approval).
    pub recipients: Vec<&'a str>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Escalation<'a> {
    pub fired: Vec<StepRecord<'a>>,
    pub next: Option<StepRecord<'a>>,
}

/// An auto-approval, with the rule that made it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AuditEntry<'a> {
    pub at: Instant,
    pub action: &'static str,
    pub level: u32,
    pub reason: &'a str,
    /// `escalation[3]`: the ladder step.
    pub rule: String,
}

const DEFAULT_REASON: &str = "Auto-approved by the escalation ladder: no decision before the step was due";

fn record<'a>(
    chain: &'a ApprovalChain,
    run: &ChainRun<'a>,
    directory: &'a Directory,
    level: u32,
    index: usize,
    at: Instant,
) -> StepRecord<'a> {
    let step: &'a EscalationStep = &chain.escalation[index];
    let recipients = match step.action {
        // The level's run worked out whom each of its reminder steps asks, as it scheduled them.
        LadderAction::Reminder => run
            .levels
            .iter()
            .find(|l| l.plan.level.level == level)
            .and_then(|l| l.reminded.iter().find(|(i, _)| *i == index))
            .map(|(_, users)| users.clone())
            .unwrap_or_default(),
        LadderAction::Escalate | LadderAction::NotifyExecutive => {
            let mut users: Vec<&'a str> =
                step.to.iter().filter_map(|a| chain::resolve(a, directory)).flat_map(chain::Members::iter).collect();
            crate::sort::unique(&mut users);
            users
        }
        LadderAction::AutoApprove => Vec::new(),
    };
    StepRecord {
        level,
        step: index,
        after: step.after,
        action: step.action.as_str(),
        at,
        to: &step.to,
        channels: &step.channels,
        recipients,
    }
}

/// Fired steps, the next step, and the audit of auto-approvals, from a chain run.
pub fn report<'a>(chain: &'a ApprovalChain, run: &ChainRun<'a>, directory: &'a Directory) -> (Escalation<'a>, Vec<AuditEntry<'a>>) {
    let mut fired = Vec::new();
    let mut next = None;
    let mut audit = Vec::new();
    for event in &run.events {
        let Happening::Step { index } = event.what else { continue };
        if event.happened {
            fired.push(record(chain, run, directory, event.level, index, event.at));
            let step = &chain.escalation[index];
            if step.action == LadderAction::AutoApprove {
                audit.push(AuditEntry {
                    at: event.at,
                    action: "auto_approve",
                    level: event.level,
                    reason: step.reason.as_deref().unwrap_or(DEFAULT_REASON),
                    rule: format!("escalation[{index}]"),
                });
            }
        } else if next.is_none() {
            next = Some(record(chain, run, directory, event.level, index, event.at));
        }
    }
    (Escalation { fired, next }, audit)
}
