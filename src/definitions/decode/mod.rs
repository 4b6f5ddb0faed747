//! Decoding YAML trees into the typed model, reporting every problem with its position.
//!
//! Each decoder takes a node and the context, records errors and warnings in the context, and
//! returns `None` only when the item has no identity (no state id, no level number): an item
//! that is known but partly wrong is kept with defaults, so a broken timeout does not also
//! produce "level 3 does not exist" further on. Names that point into other files (states, levels,
//! roles, case types, metrics) are collected as [`Ref`]s and checked once the pack is assembled.

use serde_json::{Map, Value};

mod chain;
mod condition;
mod dashboard;
mod recipe;
mod workflow;
mod workspace;

use self::chain::*;
pub(crate) use self::condition::condition;
pub(crate) use self::dashboard::dashboard_file;
pub(crate) use self::recipe::{automations_file, recipe_file};
pub(crate) use self::workflow::workflow_file;
use self::workflow::*;
pub(crate) use self::workspace::{board_file, case_types_file, workspace_file};

use super::vocabulary::{self, Structure, Support};
use super::yaml::{Kind, Node, Pos, Scalar, shorten};
use super::*;
use crate::calendar::{self, Calendar, WorkingHours};
use crate::condition::{Condition, FieldPath, Leaf, Literal, Operand, Operator};
use crate::error::Diagnostic;

/// What a cross-file name must resolve to.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RefKind {
    State,
    Workflow,
    CaseType,
    /// A role used in an assignment: a warning when workspace roles do not declare it.
    Role,
    /// A level number of the approval chain.
    Level,
    /// An alert's metric: a widget id of its dashboard or a workflow metric.
    Metric {
        dashboard: String,
    },
    Dashboard,
    /// A custom field a condition reads: a warning when no case type declares it.
    CustomField,
    /// A custom field `requires_fields` names: a warning when no case type declares it.
    RequiredField,
    /// A condition field nothing defines (`ai_risk_score`): one warning per name.
    UndefinedField,
    /// A checklist id a condition reads: declared by a state of the workflow.
    Checklist,
    /// A state an action moves the case to, from the states its rule's conditions pin (empty: any
    /// state): a warning when the workflow declares no such transition.
    Move {
        from: Vec<String>,
    },
    /// A value a condition compares `custom_fields.<field>` with: must be an option when the
    /// field is a select / multiselect.
    FieldValue {
        field: String,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Ref {
    pub kind: RefKind,
    pub name: String,
    pub file: String,
    pub pos: Pos,
}

/// Decoding context: the file being read and everything found so far.
pub(crate) struct Cx {
    pub file: String,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    pub refs: Vec<Ref>,
    pub max_condition_depth: usize,
    /// Decoding the conditions of an approval (a chain level, a state approval): a leaf there that
    /// is false for want of a value would waive an approval, so fields nothing defines are refused.
    pub approval_conditions: bool,
}

impl Cx {
    pub fn new(max_condition_depth: usize) -> Cx {
        Cx {
            file: String::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            refs: Vec::new(),
            max_condition_depth,
            approval_conditions: false,
        }
    }

    fn diagnostic(&self, pos: Pos, message: String) -> Diagnostic {
        Diagnostic { file: self.file.clone(), line: pos.line, column: pos.column, message }
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>) {
        let d = self.diagnostic(pos, message.into());
        self.errors.push(d);
    }

    pub fn warn(&mut self, pos: Pos, message: impl Into<String>) {
        let d = self.diagnostic(pos, message.into());
        self.warnings.push(d);
    }

    fn refer(&mut self, kind: RefKind, name: &str, pos: Pos) {
        self.refs.push(Ref { kind, name: name.to_owned(), file: self.file.clone(), pos });
    }
}

// ---------------------------------------------------------------------------------------------
// Mappings and primitives

/// The entries of a mapping node, looked up by key.
pub(crate) struct Fields<'n> {
    pos: Pos,
    entries: &'n [(Node, Node)],
}

pub(crate) fn fields<'n>(node: &'n Node, cx: &mut Cx, what: &str) -> Option<Fields<'n>> {
    match &node.kind {
        Kind::Map(entries) => Some(Fields { pos: node.pos, entries }),
        _ => {
            cx.error(node.pos, format!("expected {what} (a mapping), found {}", node.describe()));
            None
        }
    }
}

impl<'n> Fields<'n> {
    fn entry(&self, key: &str) -> Option<&'n (Node, Node)> {
        self.entries.iter().find(|(k, _)| k.key_text() == key)
    }

    /// The value under `key`; an explicit null counts as absent (`timeout:` with nothing after it).
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entry(key).map(|(_, v)| v).filter(|v| v.scalar() != Some(Scalar::Null))
    }

    /// Where `key` itself is written (for "both given" conflicts), else where the mapping starts.
    fn key_pos(&self, key: &str) -> Pos {
        self.entry(key).map_or(self.pos, |(k, _)| k.pos)
    }

    fn has(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// The value under `key` or its alias; both present is an error.
    fn get_either(&self, cx: &mut Cx, key: &str, alias: &str) -> Option<&'n Node> {
        match (self.get(key), self.get(alias)) {
            (Some(_), Some(_)) => {
                cx.error(self.key_pos(alias), format!("`{key}` and its alias `{alias}` are both given; keep one"));
                None
            }
            (a, b) => a.or(b),
        }
    }

    pub fn req<T>(&self, cx: &mut Cx, key: &str, what: &str, decode: impl FnOnce(&'n Node, &mut Cx) -> Option<T>) -> Option<T> {
        match self.get(key) {
            Some(node) => decode(node, cx),
            None => {
                cx.error(self.pos, format!("missing `{key}` ({what})"));
                None
            }
        }
    }

    pub fn opt<T>(&self, cx: &mut Cx, key: &str, decode: impl FnOnce(&'n Node, &mut Cx) -> Option<T>) -> Option<T> {
        self.get(key).and_then(|node| decode(node, cx))
    }

    fn opt_list<T>(&self, cx: &mut Cx, key: &str, item: impl FnMut(&'n Node, &mut Cx) -> Option<T>) -> Vec<T> {
        self.get(key).and_then(|n| list(n, cx, item)).unwrap_or_default()
    }

    /// Checks every key against the structure's table: a known key this engine refuses, an unknown
    /// key in a closed structure, or a near miss of a deciding key in an open one is an error at
    /// the key itself, naming the nearest known key. `also` names further keys the caller reads
    /// (a condition's shorthand operators).
    pub fn check_keys(&self, cx: &mut Cx, structure: &Structure, also: &[&str]) {
        for (key, _) in self.entries {
            let name = key.key_text();
            if also.contains(&name) {
                continue;
            }
            if let Some(known) = structure.key(name) {
                if let Support::Refused(why) = known.support {
                    cx.error(key.pos, format!("`{name}` in {}: {why}; the pack is refused rather than read past", structure.what));
                }
                continue;
            }
            let candidates = structure.keys.iter().filter(|k| structure.closed || k.decides).map(|k| k.name);
            let nearest = vocabulary::nearest(name, candidates.chain(also.iter().copied()));
            match (structure.closed, nearest) {
                (true, _) => {
                    let hint = nearest.map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
                    let mut known: Vec<&str> = structure.names().collect();
                    known.extend_from_slice(also);
                    cx.error(
                        key.pos,
                        format!("unknown key `{}` in {}; {hint}known keys: {}", shorten(name), structure.what, known.join(", ")),
                    );
                }
                (false, Some(n)) => {
                    cx.error(
                        key.pos,
                        format!(
                            "unknown key `{}` in {}: did you mean `{n}`? a misspelt decision key is never read past",
                            shorten(name),
                            structure.what
                        ),
                    );
                }
                (false, None) => {}
            }
        }
    }

    /// Warns about keys outside the structure where nothing is decided (dashboards), so a typo is seen.
    fn warn_unknown(&self, cx: &mut Cx, structure: &Structure) {
        for (key, _) in self.entries {
            if structure.key(key.key_text()).is_none() {
                let known: Vec<_> = structure.names().collect();
                cx.warn(
                    key.pos,
                    format!("unknown key `{}` in {} is ignored; known keys: {}", shorten(key.key_text()), structure.what, known.join(", ")),
                );
            }
        }
    }

    /// Every entry but `skip`, as JSON, for parameters handed to the host verbatim.
    fn to_json_except(&self, skip: &str) -> Map<String, Value> {
        self.entries.iter().filter(|(k, _)| k.key_text() != skip).map(|(k, v)| (k.key_text().to_owned(), v.to_json())).collect()
    }
}

/// Any non-null scalar, as written (`version: 1.0.0`, `identifier: qa_lead`).
pub(crate) fn text(node: &Node, cx: &mut Cx) -> Option<String> {
    match (&node.kind, node.scalar()) {
        (Kind::Scalar { text, .. }, Some(s)) if s != Scalar::Null => Some(text.to_string()),
        _ => {
            cx.error(node.pos, format!("expected a text value, found {}", node.describe()));
            None
        }
    }
}

pub(super) fn positive(node: &Node, cx: &mut Cx) -> Option<u32> {
    match node.scalar() {
        Some(Scalar::Int(i)) if (1..=i64::from(u32::MAX)).contains(&i) => Some(i as u32),
        _ => {
            cx.error(node.pos, format!("expected a whole number of at least 1, found {}", node.describe()));
            None
        }
    }
}

pub(super) fn boolean(node: &Node, cx: &mut Cx) -> Option<bool> {
    match node.scalar() {
        Some(Scalar::Bool(b)) => Some(b),
        _ => {
            cx.error(node.pos, format!("expected true or false, found {}", node.describe()));
            None
        }
    }
}

pub(super) fn number(node: &Node, cx: &mut Cx) -> Option<f64> {
    match node.scalar() {
        Some(Scalar::Int(i)) => Some(i as f64),
        Some(Scalar::Float(f)) => Some(f),
        _ => {
            cx.error(node.pos, format!("expected a number, found {}", node.describe()));
            None
        }
    }
}

pub(super) fn duration(node: &Node, cx: &mut Cx) -> Option<Duration> {
    match node.scalar() {
        Some(Scalar::Str(s)) => s.parse().map_err(|e: crate::duration::DurationError| cx.error(node.pos, e.0)).ok(),
        Some(Scalar::Int(i)) => {
            cx.error(node.pos, format!("`{i}` is not a duration: a bare number has no unit; write `{i}h`, `{i}m` or `{i}d`"));
            None
        }
        _ => {
            cx.error(node.pos, format!("expected a duration like `4h`, found {}", node.describe()));
            None
        }
    }
}

/// A list whose items are decoded one by one; a broken item is reported and left out.
pub(super) fn list<'n, T>(node: &'n Node, cx: &mut Cx, mut item: impl FnMut(&'n Node, &mut Cx) -> Option<T>) -> Option<Vec<T>> {
    match &node.kind {
        Kind::Seq(items) => Some(items.iter().filter_map(|n| item(n, cx)).collect()),
        _ => {
            cx.error(node.pos, format!("expected a list, found {}", node.describe()));
            None
        }
    }
}

pub(super) fn texts(node: &Node, cx: &mut Cx) -> Option<Vec<String>> {
    list(node, cx, text)
}

/// A scalar or a list of scalars (`status: production` or `status: [rollback, failed]`).
pub(super) fn one_or_many(node: &Node, cx: &mut Cx) -> Option<Vec<String>> {
    match &node.kind {
        Kind::Seq(_) => texts(node, cx),
        _ => text(node, cx).map(|t| vec![t]),
    }
}

pub(super) fn one_of<T: Copy>(node: &Node, cx: &mut Cx, what: &str, table: &[(&str, T)]) -> Option<T> {
    let value = text(node, cx)?;
    let found = table.iter().find(|(name, _)| *name == value).map(|(_, v)| *v);
    if found.is_none() {
        let names: Vec<_> = table.iter().map(|(n, _)| *n).collect();
        cx.error(node.pos, format!("unknown {what} `{}`; expected one of {}", shorten(&value), names.join(", ")));
    }
    found
}

pub(super) fn model_version(f: &Fields, cx: &mut Cx) {
    if let Some(node) = f.get("model_version") {
        if let Some(v) = text(node, cx) {
            if v != "1.0" && v != "1" {
                cx.error(node.pos, format!("unsupported model_version `{}`; this engine reads Kiket 1.0 definitions", shorten(&v)));
            }
        }
    }
}
