//! What a pack's policy tests exercised (SPEC §12, `release-policy test --coverage`): each level
//! required and skipped, each condition leaf true and false, each recipe matched, each ladder step
//! fired, each transition allowed and blocked.
//!
//! Owns: the list of what could be exercised, read from the pack's typed model, and marking it from
//! the answers the tests got. Must not know how answers are computed: it reads their JSON.

use serde::Serialize;
use serde_json::Value;

use crate::condition::{Condition, Leaf};
use crate::definitions::{ActionKind, ChainChange, Pack, Workflow};

/// Everything the tests could exercise, each marked with whether they did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Coverage {
    /// Outcomes exercised, of `total`.
    pub covered: usize,
    pub total: usize,
    /// `covered` in hundredths of `total`, to one decimal (100 when there is nothing to cover).
    pub percent: f64,
    pub levels: Vec<LevelCoverage>,
    pub conditions: Vec<LeafCoverage>,
    pub recipes: Vec<RecipeCoverage>,
    pub ladder: Vec<StepCoverage>,
    pub transitions: Vec<TransitionCoverage>,
}

/// A chain level: seen required, seen skipped. A level nothing can skip (no conditions, no
/// recipe's `skip_levels` names it) has no skipped outcome to cover (`skipped: null`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LevelCoverage {
    pub workflow: String,
    pub level: u32,
    pub name: String,
    pub required: bool,
    pub skipped: Option<bool>,
}

/// A condition leaf where it stands (`level 3`, `recipe hotfix_fast_track`, `transition a → b`):
/// seen true, seen false.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct LeafCoverage {
    pub workflow: String,
    #[serde(rename = "where")]
    pub place: String,
    /// `field operator value`, as answers' `why` entries name it.
    pub leaf: String,
    #[serde(rename = "true")]
    pub seen_true: bool,
    #[serde(rename = "false")]
    pub seen_false: bool,
}

/// A recipe: seen matched.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecipeCoverage {
    pub workflow: String,
    pub key: String,
    pub matched: bool,
}

/// A ladder step of a level: seen fired. `step` counts from 0, as answers' `escalation` does.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StepCoverage {
    pub workflow: String,
    pub level: u32,
    pub step: u32,
    pub action: &'static str,
    pub fired: bool,
}

/// A declared transition: seen allowed, seen blocked (in evaluate's rows or a guard's answer).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TransitionCoverage {
    pub workflow: String,
    pub from: String,
    pub to: String,
    pub allowed: bool,
    pub blocked: bool,
}

/// How a leaf is named in answers (`why`: field, operator, expected) and here.
fn leaf_name(field: &str, operator: &str, expected: &Value) -> String {
    match expected {
        Value::Null => format!("{field} {operator}"),
        Value::String(s) => format!("{field} {operator} {s}"),
        other => format!("{field} {operator} {other}"),
    }
}

/// Whether something can skip `level` of `w`'s chain: its own conditions, or a recipe's `skip_levels`.
fn skippable(w: &Workflow, level: &crate::definitions::Level) -> bool {
    let by_recipe = w.recipes.iter().flat_map(|r| &r.actions).any(|a| {
        matches!(&a.kind, ActionKind::ModifyApprovalChain(changes)
            if changes.iter().any(|c| matches!(c, ChainChange::SkipLevels(levels) if levels.contains(&level.level))))
    });
    level.conditions.is_some() || by_recipe
}

fn leaves_of(condition: Option<&Condition>) -> Vec<&Leaf> {
    condition.map(Condition::leaves).unwrap_or_default()
}

impl Coverage {
    /// Everything `pack` could have exercised, nothing marked yet.
    pub fn of(pack: &Pack) -> Coverage {
        let mut c = Coverage {
            covered: 0,
            total: 0,
            percent: 100.0,
            levels: Vec::new(),
            conditions: Vec::new(),
            recipes: Vec::new(),
            ladder: Vec::new(),
            transitions: Vec::new(),
        };
        for w in &pack.workflows {
            let mut leaves = |place: String, list: Vec<&Leaf>| {
                for leaf in list {
                    let expected = serde_json::to_value(&leaf.value).unwrap_or(Value::Null);
                    let name = leaf_name(&leaf.field.to_string(), leaf.operator.as_str(), &expected);
                    if !c.conditions.iter().any(|l| l.workflow == w.id && l.place == place && l.leaf == name) {
                        c.conditions.push(LeafCoverage {
                            workflow: w.id.clone(),
                            place: place.clone(),
                            leaf: name,
                            seen_true: false,
                            seen_false: false,
                        });
                    }
                }
            };
            if let Some((_, chain)) = w.chain_transition() {
                for level in &chain.levels {
                    leaves(format!("level {}", level.level), leaves_of(level.conditions.as_ref()));
                }
            }
            for r in &w.recipes {
                leaves(format!("recipe {}", r.key), leaves_of(r.conditions.as_ref()));
            }
            for t in &w.transitions {
                let mut list = leaves_of(t.conditions.as_ref());
                list.extend(leaves_of(w.state(&t.to).and_then(|s| s.conditions.as_ref())));
                leaves(format!("transition {} → {}", t.from, t.to), list);
            }
            if let Some((_, chain)) = w.chain_transition() {
                for level in &chain.levels {
                    let skipped = skippable(w, level).then_some(false);
                    c.levels.push(LevelCoverage {
                        workflow: w.id.clone(),
                        level: level.level,
                        name: level.name.clone(),
                        required: false,
                        skipped,
                    });
                    for (step, s) in chain.escalation.iter().enumerate() {
                        let (level, step, action) = (level.level, step as u32, s.action.as_str());
                        c.ladder.push(StepCoverage { workflow: w.id.clone(), level, step, action, fired: false });
                    }
                }
            }
            for r in &w.recipes {
                c.recipes.push(RecipeCoverage { workflow: w.id.clone(), key: r.key.clone(), matched: false });
            }
            for t in &w.transitions {
                c.transitions.push(TransitionCoverage {
                    workflow: w.id.clone(),
                    from: t.from.clone(),
                    to: t.to.clone(),
                    allowed: false,
                    blocked: false,
                });
            }
        }
        c.count();
        c
    }

    /// Marks what an evaluate answer for a case of `workflow` in state `from` exercised.
    pub fn record_evaluate(&mut self, workflow: &str, from: &str, answer: &Value) {
        let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
        for level in list(&answer["chain"]["levels"]) {
            let number = level["level"].as_u64();
            let place = format!("level {}", level["level"]);
            if let Some(l) = self.levels.iter_mut().find(|l| l.workflow == workflow && Some(u64::from(l.level)) == number) {
                match level["required"].as_bool() {
                    Some(true) => l.required = true,
                    Some(false) => l.skipped = Some(true),
                    None => {}
                }
            }
            self.record_why(workflow, &place, &level["why"]);
        }
        self.record_recipes(workflow, &answer["recipes"]);
        for fired in list(&answer["escalation"]["fired"]) {
            let (level, step) = (fired["level"].as_u64(), fired["step"].as_u64());
            if let Some(s) = self
                .ladder
                .iter_mut()
                .find(|s| s.workflow == workflow && Some(u64::from(s.level)) == level && Some(u64::from(s.step)) == step)
            {
                s.fired = true;
            }
        }
        for row in list(&answer["transitions"]) {
            let to = row["to"].as_str().unwrap_or_default();
            self.record_transition(workflow, from, to, row["allowed"] == Value::Bool(true));
            self.record_why(workflow, &format!("transition {from} → {to}"), &row["conditions"]);
        }
        self.count();
    }

    /// Marks a guard's answer for `from → to`, with the recipes the move would run.
    pub fn record_guard(&mut self, workflow: &str, from: &str, to: &str, answer: &Value) {
        if answer.get("status").is_some() {
            self.record_transition(workflow, from, to, answer["status"] == "allow");
            self.record_recipes(workflow, &answer["metadata"]["after_transition"]);
            self.count();
        }
    }

    /// Marks recipe runs (evaluate's `recipes`, a guard's `after_transition`).
    fn record_recipes(&mut self, workflow: &str, runs: &Value) {
        for run in runs.as_array().into_iter().flatten() {
            let key = run["key"].as_str().unwrap_or_default();
            if run["matched"] == Value::Bool(true) {
                if let Some(r) = self.recipes.iter_mut().find(|r| r.workflow == workflow && r.key == key) {
                    r.matched = true;
                }
            }
            self.record_why(workflow, &format!("recipe {key}"), &run["why"]);
        }
    }

    fn record_transition(&mut self, workflow: &str, from: &str, to: &str, allowed: bool) {
        for t in self.transitions.iter_mut().filter(|t| t.workflow == workflow && t.from == from && t.to == to) {
            if allowed {
                t.allowed = true;
            } else {
                t.blocked = true;
            }
        }
    }

    fn record_why(&mut self, workflow: &str, place: &str, why: &Value) {
        for entry in why.as_array().into_iter().flatten() {
            let name =
                leaf_name(entry["field"].as_str().unwrap_or_default(), entry["operator"].as_str().unwrap_or_default(), &entry["expected"]);
            if let Some(l) = self.conditions.iter_mut().find(|l| l.workflow == workflow && l.place == place && l.leaf == name) {
                match entry["result"].as_bool() {
                    Some(true) => l.seen_true = true,
                    Some(false) => l.seen_false = true,
                    None => {}
                }
            }
        }
    }

    fn count(&mut self) {
        let pairs = |a: bool, b: bool| usize::from(a) + usize::from(b);
        let covered = self.levels.iter().map(|l| pairs(l.required, l.skipped == Some(true))).sum::<usize>()
            + self.conditions.iter().map(|l| pairs(l.seen_true, l.seen_false)).sum::<usize>()
            + self.recipes.iter().filter(|r| r.matched).count()
            + self.ladder.iter().filter(|s| s.fired).count()
            + self.transitions.iter().map(|t| pairs(t.allowed, t.blocked)).sum::<usize>();
        let total = self.levels.iter().map(|l| 1 + usize::from(l.skipped.is_some())).sum::<usize>()
            + 2 * self.conditions.len()
            + self.recipes.len()
            + self.ladder.len()
            + 2 * self.transitions.len();
        self.covered = covered;
        self.total = total;
        self.percent = if total == 0 { 100.0 } else { (covered as f64 * 1000.0 / total as f64).round() / 10.0 };
    }

    /// What is not covered, one line each, for people.
    pub fn gaps(&self) -> Vec<String> {
        let mut out = Vec::new();
        for l in &self.levels {
            let missing: Vec<&str> = [(!l.required, "required"), (l.skipped == Some(false), "skipped")]
                .into_iter()
                .filter(|(m, _)| *m)
                .map(|(_, w)| w)
                .collect();
            if !missing.is_empty() {
                out.push(format!("{}: level {} ({}) never {}", l.workflow, l.level, l.name, missing.join(" nor ")));
            }
        }
        for l in &self.conditions {
            let missing: Vec<&str> =
                [(!l.seen_true, "true"), (!l.seen_false, "false")].into_iter().filter(|(m, _)| *m).map(|(_, w)| w).collect();
            if !missing.is_empty() {
                out.push(format!("{}: {}: `{}` never {}", l.workflow, l.place, l.leaf, missing.join(" nor ")));
            }
        }
        out.extend(self.recipes.iter().filter(|r| !r.matched).map(|r| format!("{}: recipe {} never matched", r.workflow, r.key)));
        out.extend(
            self.ladder
                .iter()
                .filter(|s| !s.fired)
                .map(|s| format!("{}: level {} ladder step {} ({}) never fired", s.workflow, s.level, s.step, s.action)),
        );
        for t in &self.transitions {
            let missing: Vec<&str> =
                [(!t.allowed, "allowed"), (!t.blocked, "blocked")].into_iter().filter(|(m, _)| *m).map(|(_, w)| w).collect();
            if !missing.is_empty() {
                out.push(format!("{}: transition {} → {} never {}", t.workflow, t.from, t.to, missing.join(" nor ")));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::authoring::test::{read, run};
    use crate::{PackFile, Policy};

    /// Two states, one chain of two levels (the second only for high priority), a two-step ladder,
    /// one recipe with one leaf.
    const WORKFLOW: &str = r#"
model_version: "1.0"
workflow: { id: ship, name: Ship }
states:
  open: { type: initial }
  done: { type: final }
transitions:
  - from: open
    to: done
    approval_chain:
      chain:
        - { level: 1, name: Lead, assignments: [{ type: role, identifier: lead }] }
        - level: 2
          name: Boss
          assignments: [{ type: role, identifier: boss }]
          conditions: [{ field: priority, operator: "=", value: high }]
      escalation:
        - { after: 1h, action: reminder }
        - { after: 2h, action: auto_approve }
"#;
    const RECIPE: &str = r#"
model_version: "1.0"
recipe:
  key: urgent
  name: Urgent
  trigger: case.updated
  conditions: [{ field: priority, operator: "=", value: high }]
  actions: [{ type: add_label, label: urgent }]
"#;

    fn policy() -> Policy {
        Policy::from_pack(&[
            PackFile::new("workflows/ship.yaml", WORKFLOW),
            PackFile::new("workflows/ship/automation_recipes/urgent.yaml", RECIPE),
        ])
        .unwrap()
    }

    fn tests(yaml: &str) -> Vec<crate::authoring::test::PolicyTest> {
        read(&PackFile::new("tests/t.yaml", yaml)).unwrap()
    }

    #[test]
    fn the_outcomes_to_cover_are_counted_from_the_pack() {
        let report = run(&policy(), &[], true);
        let c = report.coverage.unwrap();
        // Level 1: required (it has no conditions, nothing skips it); level 2: required, skipped;
        // the leaf `priority = high` of level 2 and of the recipe: true, false each; the recipe
        // matched; 2 levels × 2 ladder steps fired; open → done allowed, blocked.
        assert_eq!((c.levels.len(), c.conditions.len(), c.recipes.len(), c.ladder.len(), c.transitions.len()), (2, 2, 1, 4, 1));
        assert_eq!(c.levels[0].skipped, None);
        assert_eq!((c.covered, c.total, c.percent), (0, 1 + 2 + 4 + 1 + 4 + 2, 0.0));
    }

    #[test]
    fn one_low_priority_case_an_hour_and_a_half_in_covers_what_it_exercised() {
        let t = tests(
            r#"
- name: low priority, ninety minutes pending
  request:
    now: "2026-11-27T10:30:00Z"
    release: { id: S-1, case_type: Ship, status: open, status_since: "2026-11-27T09:00:00Z", priority: low }
    directory: { roles: { lead: [lee], boss: [bo] } }
  expect: { chain: { levels: [ { level: 1, state: active }, { level: 2, state: skipped } ] } }
"#,
        );
        let report = run(&policy(), &t, true);
        assert_eq!((report.passed, report.failed), (1, 0), "{:?}", report.tests);
        let c = report.coverage.unwrap();
        // Covered: level 1 required, level 2 skipped, `priority = high` false at level 2 and in the
        // recipe, level 1's reminder fired, open → done blocked (the chain is in progress).
        assert_eq!(c.covered, 6, "{:#?}", c);
        assert_eq!(c.percent, 42.9);
        assert!(c.gaps().contains(&"ship: level 2 (Boss) never required".to_owned()), "{:?}", c.gaps());
        assert!(c.gaps().contains(&"ship: level 1 ladder step 1 (auto_approve) never fired".to_owned()), "{:?}", c.gaps());
    }
}
