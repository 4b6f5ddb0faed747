//! A state's SLA: when the release in it reaches warning and breach, in business time if the SLA
//! says so, and the actions due once each is crossed.
//!
//! Owns: SLA instants and state. Must not know the chain.

use crate::calendar::{Calendar, Instant};
use crate::condition::Facts;
use crate::definitions::{HostAction, Sla, State};
use crate::recipe::{HostActionOut, idempotency_key};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum SlaState {
    Ok,
    Warning,
    Breached,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SlaRun<'a> {
    /// The state whose SLA this is.
    #[serde(rename = "for_state")]
    pub state_id: &'a str,
    pub state: SlaState,
    pub warning_at: Option<Instant>,
    pub breach_at: Option<Instant>,
    pub business_hours: bool,
    /// `on_warning` / `on_breach` actions, once crossed.
    pub actions: Vec<HostActionOut<'a>>,
    /// `pause_on_state`: the case's service clocks are stopped while it is in this state (this
    /// SLA's own instants still run); absent when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub pauses_service_clocks: bool,
    /// For a list-form SLA, the entry that applies: its condition, or `default`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub variant: Option<String>,
}

/// The SLA that applies to a case in `state`: the mapping form's; or, of the list form, the first
/// entry whose condition holds on `facts`, else the `default: true` entry (with its label).
pub fn pick<'a>(state: &'a State, facts: &impl Facts<'a>) -> Option<(&'a Sla, Option<String>)> {
    match state.sla_variants.iter().find(|v| v.condition.evaluate(facts, &mut Vec::new())) {
        Some(v) => Some((&v.sla, Some(v.condition.to_string()))),
        None if state.sla_variants.is_empty() => state.sla.as_ref().map(|s| (s, None)),
        None => state.sla.as_ref().map(|s| (s, Some("default".to_owned()))),
    }
}

/// The SLA of `state_id` for a release in it since `since`, as of `now`.
pub fn run<'a>(sla: &'a Sla, state_id: &'a str, since: Instant, now: Instant, calendar: &Calendar, release_id: &str) -> SlaRun<'a> {
    let at = |d| calendar.add(since, d, sla.business_hours);
    let warning_at = sla.warning.map(at);
    let breach_at = sla.breach.map(at);
    let crossed = |t: Option<Instant>| t.is_some_and(|t| t <= now);
    let state = if crossed(breach_at) {
        SlaState::Breached
    } else if crossed(warning_at) {
        SlaState::Warning
    } else {
        SlaState::Ok
    };
    let mut actions = Vec::new();
    for (when, list, name) in [(warning_at, &sla.on_warning, "warning"), (breach_at, &sla.on_breach, "breach")] {
        if let Some(t) = when.filter(|t| *t <= now) {
            actions.extend(list.iter().enumerate().map(|(i, a): (usize, &'a HostAction)| HostActionOut {
                kind: &a.action,
                key: idempotency_key(release_id, &format!("sla:{state_id}:{name}"), t, i),
                at: t,
                params: &a.params,
                moves_to: None,
                guard: None,
            }));
        }
    }
    SlaRun {
        state_id,
        state,
        warning_at,
        breach_at,
        business_hours: sla.business_hours,
        actions,
        pauses_service_clocks: sla.pause_on_state,
        variant: None,
    }
}
