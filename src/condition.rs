//! Conditions: the tree of tests that decides whether a level is required, a recipe matches or an
//! alert fires. This module owns the vocabulary (operators, field paths, literal values) and the
//! tree; it knows nothing of YAML (the definitions decoder builds trees) nor of requests.

use std::fmt;

/// A comparison, whatever spelling the definitions used.
///
/// ```
/// use release_policy::Operator;
/// assert_eq!(Operator::from_spelling("greater_or_equal"), Some(Operator::Gte));
/// assert_eq!(Operator::from_spelling(">="), Some(Operator::Gte));
/// assert_eq!(Operator::from_spelling("=~"), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    NotIn,
    Contains,
    NotContains,
    IsPresent,
    IsEmpty,
}

/// Every accepted spelling and its operator; the first spelling of each is the canonical one.
const SPELLINGS: &[(&str, Operator)] = &[
    ("=", Operator::Eq),
    ("equals", Operator::Eq),
    ("==", Operator::Eq),
    ("!=", Operator::Ne),
    ("not_equals", Operator::Ne),
    (">", Operator::Gt),
    ("gt", Operator::Gt),
    (">=", Operator::Gte),
    ("gte", Operator::Gte),
    ("greater_or_equal", Operator::Gte),
    ("<", Operator::Lt),
    ("lt", Operator::Lt),
    ("<=", Operator::Lte),
    ("lte", Operator::Lte),
    ("less_or_equal", Operator::Lte),
    ("in", Operator::In),
    ("not_in", Operator::NotIn),
    ("contains", Operator::Contains),
    ("not_contains", Operator::NotContains),
    ("is_present", Operator::IsPresent),
    ("is_not_empty", Operator::IsPresent),
    ("is_empty", Operator::IsEmpty),
];

impl Operator {
    /// The operator a spelling names, if any (`=`, `equals`, `==` are all [`Operator::Eq`]).
    pub fn from_spelling(spelling: &str) -> Option<Operator> {
        SPELLINGS.iter().find(|(s, _)| *s == spelling).map(|(_, op)| *op)
    }

    /// Spellings that may also be used as a key next to `field:` (`{field: priority, equals: high}`):
    /// the word spellings, since `=:` would be an odd key.
    pub fn from_shorthand_key(key: &str) -> Option<Operator> {
        if key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') { Operator::from_spelling(key) } else { None }
    }

    /// Every accepted spelling, for error messages.
    pub fn spellings() -> impl Iterator<Item = &'static str> {
        SPELLINGS.iter().map(|(s, _)| *s)
    }

    /// The canonical spelling, used in explanations (`why`).
    pub fn as_str(self) -> &'static str {
        SPELLINGS.iter().find(|(_, op)| *op == self).map_or("?", |(s, _)| s)
    }

    /// What the right-hand side must be.
    pub fn operand(self) -> Operand {
        match self {
            Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => Operand::Number,
            Operator::In | Operator::NotIn => Operand::List,
            Operator::IsPresent | Operator::IsEmpty => Operand::None,
            Operator::Eq | Operator::Ne | Operator::Contains | Operator::NotContains => Operand::Scalar,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of value an operator compares against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operand {
    /// Ordering compares numbers only: ordering strings would rank `"10"` below `"9"`.
    Number,
    List,
    Scalar,
    /// `is_present` / `is_empty` take no value.
    None,
}

/// A field of the release (or of the event being evaluated) that a condition reads.
///
/// ```
/// use release_policy::FieldPath;
/// assert_eq!(FieldPath::parse("issue.custom_fields.release_type"),
///            Ok(FieldPath::CustomField("release_type".into())));
/// assert_eq!(FieldPath::parse("issue_type"), Ok(FieldPath::CaseType));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FieldPath {
    Priority,
    Labels,
    Status,
    CaseType,
    Title,
    Assignee,
    Reporter,
    RequestedBy,
    CustomField(String),
    DaysInState,
    HoursInState,
    ToState,
    FromState,
    ApprovalPendingDurationHours,
    ApprovalLevel,
}

const FIELDS: &[(&str, FieldPath)] = &[
    ("priority", FieldPath::Priority),
    ("labels", FieldPath::Labels),
    ("status", FieldPath::Status),
    ("case_type", FieldPath::CaseType),
    ("issue_type", FieldPath::CaseType),
    ("title", FieldPath::Title),
    ("assignee", FieldPath::Assignee),
    ("reporter", FieldPath::Reporter),
    ("requested_by", FieldPath::RequestedBy),
    ("days_in_state", FieldPath::DaysInState),
    ("hours_in_state", FieldPath::HoursInState),
    ("to_state", FieldPath::ToState),
    ("from_state", FieldPath::FromState),
    ("approval.pending_duration_hours", FieldPath::ApprovalPendingDurationHours),
    ("approval.level", FieldPath::ApprovalLevel),
];

impl FieldPath {
    /// Parses a path, accepting the `case.` / `issue.` prefixes and the `issue_type` alias.
    pub fn parse(path: &str) -> Result<FieldPath, String> {
        let bare = path.strip_prefix("case.").or_else(|| path.strip_prefix("issue.")).unwrap_or(path);
        if let Some(key) = bare.strip_prefix("custom_fields.") {
            let valid = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            return if valid {
                Ok(FieldPath::CustomField(key.to_owned()))
            } else {
                Err(format!("`{path}` is not a custom field path: the key after `custom_fields.` must be letters, digits, `_` or `-`"))
            };
        }
        FIELDS.iter().find(|(name, _)| *name == bare).map(|(_, f)| f.clone()).ok_or_else(|| {
            let known: Vec<_> = FIELDS.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown field `{}`; expected one of {}, or custom_fields.<key>",
                crate::definitions::yaml::shorten(path),
                known.join(", ")
            )
        })
    }

    /// Fields whose value is a number (days, hours, a level), which ordering operators need.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            FieldPath::DaysInState | FieldPath::HoursInState | FieldPath::ApprovalPendingDurationHours | FieldPath::ApprovalLevel
        )
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::CustomField(key) => write!(f, "custom_fields.{key}"),
            other => {
                let name = FIELDS.iter().find(|(_, p)| p == other).map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

/// A literal value written in a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Literal>),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) => write!(f, "{n}"),
            Literal::String(s) => write!(f, "{s}"),
            Literal::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
        }
    }
}

/// One test: `field operator value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    pub field: FieldPath,
    pub operator: Operator,
    /// `None` exactly when the operator takes no value (`is_present`, `is_empty`).
    pub value: Option<Literal>,
}

/// A condition tree. A bare list in the definitions is [`Condition::All`].
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    Leaf(Leaf),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

impl Condition {
    /// Every leaf of the tree, depth first, in the order written.
    pub fn leaves(&self) -> Vec<&Leaf> {
        let mut out = Vec::new();
        let mut todo = vec![self];
        while let Some(c) = todo.pop() {
            match c {
                Condition::Leaf(leaf) => out.push(leaf),
                Condition::All(items) | Condition::Any(items) => todo.extend(items.iter().rev()),
                Condition::Not(inner) => todo.push(inner),
            }
        }
        out
    }
}

impl fmt::Display for Leaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{} {} {}", self.field, self.operator, value),
            None => write!(f, "{} {}", self.field, self.operator),
        }
    }
}

impl fmt::Display for Condition {
    /// `priority = critical OR labels contains breaking-change`; nested groups in parentheses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, items: &[Condition], word: &str| -> fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, " {word} ")?;
                }
                match item {
                    Condition::All(inner) | Condition::Any(inner) if items.len() > 1 && inner.len() > 1 => write!(f, "({item})")?,
                    _ => write!(f, "{item}")?,
                }
            }
            Ok(())
        };
        match self {
            Condition::Leaf(leaf) => write!(f, "{leaf}"),
            Condition::All(items) => join(f, items, "AND"),
            Condition::Any(items) => join(f, items, "OR"),
            Condition::Not(inner) => write!(f, "NOT ({inner})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_the_spec_normalises() {
        let cases = [
            (&["=", "equals", "=="][..], Operator::Eq),
            (&["!=", "not_equals"], Operator::Ne),
            (&[">", "gt"], Operator::Gt),
            (&[">=", "gte", "greater_or_equal"], Operator::Gte),
            (&["<", "lt"], Operator::Lt),
            (&["<=", "lte", "less_or_equal"], Operator::Lte),
            (&["in"], Operator::In),
            (&["not_in"], Operator::NotIn),
            (&["contains"], Operator::Contains),
            (&["not_contains"], Operator::NotContains),
            (&["is_present", "is_not_empty"], Operator::IsPresent),
            (&["is_empty"], Operator::IsEmpty),
        ];
        for (spellings, op) in cases {
            for s in spellings {
                assert_eq!(Operator::from_spelling(s), Some(op), "{s}");
            }
        }
        for unknown in ["=~", "EQUALS", "greater", "", "===", "contain"] {
            assert_eq!(Operator::from_spelling(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn only_word_spellings_are_shorthand_keys() {
        assert_eq!(Operator::from_shorthand_key("gte"), Some(Operator::Gte));
        assert_eq!(Operator::from_shorthand_key("in"), Some(Operator::In));
        assert_eq!(Operator::from_shorthand_key(">="), None);
        assert_eq!(Operator::from_shorthand_key("field"), None);
    }

    #[test]
    fn field_paths_accept_prefixes_and_aliases() {
        assert_eq!(FieldPath::parse("case.priority"), Ok(FieldPath::Priority));
        assert_eq!(FieldPath::parse("issue.labels"), Ok(FieldPath::Labels));
        assert_eq!(FieldPath::parse("issue_type"), Ok(FieldPath::CaseType));
        assert_eq!(FieldPath::parse("approval.pending_duration_hours"), Ok(FieldPath::ApprovalPendingDurationHours));
        assert_eq!(FieldPath::parse("custom_fields.version_tag"), Ok(FieldPath::CustomField("version_tag".into())));
        assert!(FieldPath::parse("prority").unwrap_err().contains("unknown field `prority`"));
        assert!(FieldPath::parse("custom_fields.").is_err());
        assert!(FieldPath::parse("custom_fields.a b").is_err());
    }

    #[test]
    fn leaves_come_in_written_order() {
        let leaf =
            |v: &str| Condition::Leaf(Leaf { field: FieldPath::Status, operator: Operator::Eq, value: Some(Literal::String(v.into())) });
        let tree = Condition::Any(vec![Condition::All(vec![leaf("a"), leaf("b")]), Condition::Not(Box::new(leaf("c")))]);
        let seen: Vec<_> = tree.leaves().iter().map(|l| l.value.as_ref().unwrap().to_string()).collect();
        assert_eq!(seen, ["a", "b", "c"]);
    }
}
