//! Automation recipes: which recipes match a release at which trigger instant, what they change in
//! the chain, and the actions handed to the host, each with a stable idempotency key.
//!
//! Owns: trigger instants, matching, keys, the next run of a cron schedule. Must not know the chain's
//! simulation (the caller asks "what do matched recipes change?" and applies it) or JSON input.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::calendar::{Calendar, Instant};
use crate::condition::{Facts, Why};
use crate::definitions::{ActionKind, Assignment, ChainChange, Recipe, Trigger};

/// An action for the host to perform: its type, an idempotency key, the instant it belongs to, and
/// its parameters verbatim (flattened beside `type`, `key` and `at`, which take precedence).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(
    feature = "ts",
    derive(ts_rs::TS),
    ts(export, rename = "HostAction", type = "{ type: string; key: string; at: string; [param: string]: unknown }")
)]
pub struct HostActionOut<'a> {
    pub kind: &'a str,
    pub key: String,
    pub at: Instant,
    pub params: &'a Map<String, Value>,
    /// The state a move action takes the case to.
    pub moves_to: Option<&'a str>,
    /// For a move: the guard's answer for it (a host performs the move only on `allow`).
    pub guard: Option<crate::transition::MoveAnswer>,
}

impl Serialize for HostActionOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", self.kind)?;
        map.serialize_entry("key", &self.key)?;
        map.serialize_entry("at", &self.at)?;
        for (k, v) in self.params {
            if !matches!(k.as_str(), "type" | "key" | "at" | "guard") {
                map.serialize_entry(k, v)?;
            }
        }
        if let Some(guard) = &self.guard {
            map.serialize_entry("guard", guard)?;
        }
        map.end()
    }
}

/// `<release>/<source>/<instant>/<index>`: the same release, rule and trigger instant always give
/// the same key, so a host can perform each action exactly once however often it evaluates.
pub fn idempotency_key(release_id: &str, source: &str, at: Instant, index: usize) -> String {
    format!("{release_id}/{source}/{at}/{index}")
}

/// One evaluation of a recipe at one trigger instant.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecipeRun<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub trigger: &'static str,
    pub matched: bool,
    /// The trigger instant (null when the trigger has not occurred).
    pub at: Option<Instant>,
    /// For `approval.timeout`: the level whose deadline passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub level: Option<u32>,
    /// For `scheduled`: the next run of the cron schedule, in the calendar's time zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub next_run: Option<Instant>,
    #[cfg_attr(feature = "ts", ts(as = "Vec<crate::condition::WhyJson<'a, 'a>>"))]
    pub why: Vec<Why<'a, 'a>>,
    /// Actions for the host (never `modify_approval_chain`, which the engine applies itself).
    pub actions: Vec<HostActionOut<'a>>,
    /// `requires_approval: true`: the host obtains an approval before performing the actions, and
    /// the engine applies none of the recipe's chain changes (absent when false).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub requires_approval: bool,
}

/// Evaluates `recipe` at `at` on `facts`; actions are listed when it matches and `with_actions`.
pub fn run<'a>(recipe: &'a Recipe, facts: &impl Facts<'a>, release_id: &str, at: Option<Instant>, with_actions: bool) -> RecipeRun<'a> {
    let mut why = Vec::new();
    let matched = recipe.conditions.as_ref().is_none_or(|c| c.evaluate(facts, &mut why)) && recipe.enabled;
    let actions = match (matched && with_actions, at) {
        (true, Some(at)) => host_actions(recipe, release_id, at),
        _ => Vec::new(),
    };
    RecipeRun {
        key: &recipe.key,
        name: &recipe.name,
        trigger: recipe.trigger.as_str(),
        matched,
        at,
        level: None,
        next_run: None,
        why,
        actions,
        requires_approval: recipe.requires_approval,
    }
}

fn host_actions<'a>(recipe: &'a Recipe, release_id: &str, at: Instant) -> Vec<HostActionOut<'a>> {
    let source = format!("recipe:{}", recipe.key);
    recipe
        .actions
        .iter()
        .enumerate()
        .filter(|(_, a)| !matches!(a.kind, ActionKind::ModifyApprovalChain(_)))
        .map(|(i, a)| HostActionOut {
            kind: a.type_name(),
            key: idempotency_key(release_id, &source, at, i),
            at,
            params: &a.params,
            moves_to: match &a.kind {
                ActionKind::Move { to } => Some(to.as_str()),
                _ => None,
            },
            guard: None,
        })
        .collect()
}

/// The chain changes of a recipe, and the approvers its `escalate_approval` actions add.
pub fn chain_changes(recipe: &Recipe) -> impl Iterator<Item = &ChainChange> {
    recipe.actions.iter().flat_map(|a| match &a.kind {
        ActionKind::ModifyApprovalChain(changes) => changes.as_slice(),
        _ => &[],
    })
}

pub fn escalated_approvers(recipe: &Recipe) -> impl Iterator<Item = &Assignment> {
    recipe.actions.iter().flat_map(|a| match &a.kind {
        ActionKind::EscalateApproval { add_approvers, .. } => add_approvers.as_slice(),
        _ => &[],
    })
}

/// Recipes of one trigger.
pub fn with_trigger(recipes: &[Recipe], trigger: Trigger) -> impl Iterator<Item = &Recipe> {
    recipes.iter().filter(move |r| r.trigger == trigger)
}

/// The next run of a scheduled recipe strictly after `now`, in the calendar's time zone.
pub fn next_run(recipe: &Recipe, now: Instant, calendar: &Calendar) -> Option<Instant> {
    recipe.schedule.as_ref()?.next_after(now, &calendar.timezone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Policy;

    #[test]
    fn the_stale_follow_up_runs_next_on_a_weekday_at_nine_local_time() {
        let policy = Policy::builtin();
        let recipe = policy.pack().workflows[0].recipes.iter().find(|r| r.key == "stale_release_followup").unwrap();
        let utc = Calendar::default();
        let friday_noon: Instant = "2026-11-27T12:00:00Z".parse().unwrap();
        assert_eq!(next_run(recipe, friday_noon, &utc).unwrap().to_string(), "2026-11-30T09:00:00Z", "skips the weekend");
        let at_nine: Instant = "2026-11-30T09:00:00Z".parse().unwrap();
        assert_eq!(next_run(recipe, at_nine, &utc).unwrap().to_string(), "2026-12-01T09:00:00Z", "strictly after now");
        let berlin = Calendar::new(
            crate::calendar::parse_timezone("Europe/Berlin").unwrap(),
            [jiff::civil::Weekday::Monday],
            crate::calendar::parse_hours("09:00-17:00").unwrap(),
            [],
        );
        assert_eq!(next_run(recipe, friday_noon, &berlin).unwrap().to_string(), "2026-11-30T08:00:00Z", "09:00 in Berlin");
    }

    #[test]
    fn keys_are_stable_and_readable() {
        let at: Instant = "2026-11-27T09:00:00Z".parse().unwrap();
        assert_eq!(idempotency_key("REL-42", "recipe:hotfix_fast_track", at, 0), "REL-42/recipe:hotfix_fast_track/2026-11-27T09:00:00Z/0");
    }
}
