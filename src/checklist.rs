//! Checklists: which required items of a state's checklist are not done yet.
//!
//! Owns: completeness (SPEC §13): a manual item is done when the request ticks it in
//! `release.checklists`; an auto item is done when its `condition` holds on the case (the host's CI
//! writes the fields it reads), whatever the request says; a checklist is complete when every
//! required item is done (`required_mode: all` makes every item required). Must not know where the
//! facts come from or how transitions use the answer.

use std::collections::BTreeMap;

use crate::condition::{Actual, Facts, FieldPath};
use crate::definitions::Checklist;

/// The required items of `checklist` that are not done, in the order written.
pub fn missing<'c, 'a>(checklist: &'c Checklist, ticked: Option<&BTreeMap<String, bool>>, facts: &impl Facts<'a>) -> Vec<&'c str> {
    let facts = NoChecklists(facts);
    checklist
        .required_items()
        .filter(|item| match &item.auto {
            Some(condition) => !condition.evaluate(&facts, &mut Vec::new()),
            None => !ticked.and_then(|t| t.get(&item.id)).copied().unwrap_or(false),
        })
        .map(|item| item.id.as_str())
        .collect()
}

/// An auto item's condition reads the case, never another checklist (which could loop).
struct NoChecklists<'f, F>(&'f F);

impl<'a, F: Facts<'a>> Facts<'a> for NoChecklists<'_, F> {
    fn actual(&self, field: &FieldPath) -> Actual<'a> {
        match field {
            FieldPath::Checklist(_) => Actual::Missing,
            other => self.0.actual(other),
        }
    }
}
