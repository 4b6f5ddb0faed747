//! The projected schedule if nobody acts: every future activation, deadline, ladder step,
//! auto-approval, SLA warning and breach, in time order, until the chain completes.
//!
//! Owns: turning a chain run and an SLA run into timeline events. Must not know JSON input.

use crate::calendar::Instant;
use crate::chain::{ChainRun, Happening};
use crate::definitions::{ApprovalChain, LadderAction};
use crate::sla::SlaRun;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "ts", ts(rename = "TimelineKind"))]
pub enum Kind {
    Activation,
    Deadline,
    Escalation,
    AutoApprove,
    SlaWarning,
    SlaBreach,
    ChainComplete,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TimelineEvent {
    pub at: Instant,
    pub kind: Kind,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub level: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub action: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Timeline {
    pub events: Vec<TimelineEvent>,
}

/// Future events of `run` (in a preview, all of them: nothing has happened) and of `sla`, sorted,
/// cut at the chain's completion.
pub fn project(chain: &ApprovalChain, run: &ChainRun<'_>, sla: Option<&SlaRun<'_>>, now: Instant) -> Timeline {
    let mut events: Vec<TimelineEvent> = run
        .events
        .iter()
        .filter(|e| !e.happened)
        .map(|e| {
            let level = (e.level != 0).then_some(e.level);
            match e.what {
                Happening::Activation => TimelineEvent { at: e.at, kind: Kind::Activation, level, action: None },
                Happening::Deadline => TimelineEvent { at: e.at, kind: Kind::Deadline, level, action: None },
                Happening::ChainComplete => TimelineEvent { at: e.at, kind: Kind::ChainComplete, level: None, action: None },
                Happening::Step { index } => {
                    let action = chain.escalation[index].action;
                    let kind = if action == LadderAction::AutoApprove { Kind::AutoApprove } else { Kind::Escalation };
                    TimelineEvent { at: e.at, kind, level, action: Some(action.as_str()) }
                }
            }
        })
        .collect();
    if let Some(sla) = sla {
        for (at, kind) in [(sla.warning_at, Kind::SlaWarning), (sla.breach_at, Kind::SlaBreach)] {
            if let Some(at) = at.filter(|at| *at > now) {
                events.push(TimelineEvent { at, kind, level: None, action: None });
            }
        }
    }
    // Stable: simultaneous events keep the chain's order; the completion closes its instant.
    crate::sort::by_key(&mut events, |e| (e.at, e.kind == Kind::ChainComplete));
    if let Some(end) = events.iter().find(|e| e.kind == Kind::ChainComplete).map(|e| e.at) {
        events.retain(|e| e.at <= end);
    }
    Timeline { events }
}
