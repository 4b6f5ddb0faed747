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
    /// Hours since `release.updated_at`.
    HoursSinceLastUpdate,
    /// Hours until `release.due_at` (negative once past).
    HoursUntilDue,
    /// A field nothing in the pack defines (`ai_risk_score`): read from `release.custom_fields`.
    Undefined(String),
    /// Whether a checklist is complete (`{checklist: <id>, complete: true}`): a boolean.
    Checklist(String),
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
    ("to_status", FieldPath::ToState),
    ("from_status", FieldPath::FromState),
    ("hours_since_last_update", FieldPath::HoursSinceLastUpdate),
    ("hours_until_due", FieldPath::HoursUntilDue),
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
        if let Some((_, field)) = FIELDS.iter().find(|(name, _)| *name == bare) {
            return Ok(field.clone());
        }
        // A plain name the engine does not compute is a field nothing defines, read from the
        // release's custom fields; unless it is a near miss of a known one (`prioirty`), which is
        // a typo and refused.
        let known = || FIELDS.iter().map(|(n, _)| *n);
        let plain = !bare.is_empty() && bare.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        match crate::definitions::vocabulary::nearest(bare, known()) {
            None if plain => Ok(FieldPath::Undefined(bare.to_owned())),
            nearest => {
                let hint = nearest.map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
                Err(format!(
                    "unknown field `{}`; {hint}expected one of {}, custom_fields.<key>, or a plain lower-case name read from custom_fields",
                    crate::definitions::yaml::shorten(path),
                    known().collect::<Vec<_>>().join(", ")
                ))
            }
        }
    }

    /// Fields an absent value makes every leaf false for, whatever the operator: derived or
    /// host-provided values, so a guard that reads one stays closed until the value is there.
    pub fn absent_is_false(&self) -> bool {
        matches!(self, FieldPath::HoursSinceLastUpdate | FieldPath::HoursUntilDue | FieldPath::Undefined(_))
    }

    /// Fields whose value is a number (days, hours, a level), which ordering operators need.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            FieldPath::DaysInState
                | FieldPath::HoursInState
                | FieldPath::ApprovalPendingDurationHours
                | FieldPath::ApprovalLevel
                | FieldPath::HoursSinceLastUpdate
                | FieldPath::HoursUntilDue
        )
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldPath::CustomField(key) => write!(f, "custom_fields.{key}"),
            FieldPath::Undefined(name) => f.write_str(name),
            FieldPath::Checklist(id) => write!(f, "checklist:{id}"),
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

/// A value a condition reads, borrowed from wherever it lives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Actual<'a> {
    /// The field is absent (or null).
    Missing,
    Str(&'a str),
    Number(f64),
    Bool(bool),
    List(&'a [String]),
    /// A custom field, as the request gave it.
    Json(&'a serde_json::Value),
}

/// Where conditions read field values: the release and the event being evaluated.
pub trait Facts<'a> {
    fn actual(&self, field: &FieldPath) -> Actual<'a>;
}

/// One evaluated leaf: what was compared, and the outcome (`why` in the output).
#[derive(Clone, Debug, PartialEq)]
pub struct Why<'c, 'a> {
    pub leaf: &'c Leaf,
    pub actual: Actual<'a>,
    pub result: bool,
}

/// How a [`Why`] is written: the leaf's field, operator and expected value, the actual value, the result.
#[derive(serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, rename = "Why"))]
pub struct WhyJson<'c, 'a> {
    pub field: String,
    pub operator: &'static str,
    /// The value the definitions compare with (null for `is_present` / `is_empty`).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub expected: Option<&'c Literal>,
    /// The release's value (null when absent).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub actual: Actual<'a>,
    pub result: bool,
}

impl serde::Serialize for Why<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let json = WhyJson {
            field: self.leaf.field.to_string(),
            operator: self.leaf.operator.as_str(),
            expected: self.leaf.value.as_ref(),
            actual: self.actual,
            result: self.result,
        };
        json.serialize(serializer)
    }
}

impl serde::Serialize for Literal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Literal::Bool(b) => serializer.serialize_bool(*b),
            Literal::Number(n) => serialize_number(*n, serializer),
            Literal::String(s) => serializer.serialize_str(s),
            Literal::List(items) => serializer.collect_seq(items),
        }
    }
}

impl serde::Serialize for Actual<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Actual::Missing => serializer.serialize_none(),
            Actual::Str(s) => serializer.serialize_str(s),
            Actual::Number(n) => serialize_number(*n, serializer),
            Actual::Bool(b) => serializer.serialize_bool(*b),
            Actual::List(items) => serializer.collect_seq(*items),
            Actual::Json(v) => v.serialize(serializer),
        }
    }
}

/// Whole numbers print without a fraction (`4`, not `4.0`), so outputs read as the definitions do.
fn serialize_number<S: serde::Serializer>(n: f64, serializer: S) -> Result<S::Ok, S::Error> {
    if n.fract() == 0.0 && n.abs() < 9.0e15 { serializer.serialize_i64(n as i64) } else { serializer.serialize_f64(n) }
}

impl Condition {
    /// Evaluates the tree on `facts`, appending every leaf's outcome to `why` (all leaves are
    /// evaluated, so the explanation is complete even where the result was already decided).
    pub fn evaluate<'c, 'a>(&'c self, facts: &impl Facts<'a>, why: &mut Vec<Why<'c, 'a>>) -> bool {
        match self {
            Condition::Leaf(leaf) => {
                let actual = facts.actual(&leaf.field);
                let result = !(matches!(actual, Actual::Missing) && leaf.field.absent_is_false()) && leaf.test(actual);
                why.push(Why { leaf, actual, result });
                result
            }
            Condition::All(items) => items.iter().fold(true, |acc, c| c.evaluate(facts, why) & acc),
            Condition::Any(items) => items.iter().fold(false, |acc, c| c.evaluate(facts, why) | acc),
            Condition::Not(inner) => !inner.evaluate(facts, why),
        }
    }
}

impl Leaf {
    /// The leaf's outcome on `actual`. A list field (`labels`, a multiselect) equals a value when it
    /// holds it; a missing field equals nothing, orders with nothing, and is empty.
    pub fn test(&self, actual: Actual<'_>) -> bool {
        let expected = self.value.as_ref();
        match self.operator {
            Operator::Eq => expected.is_some_and(|e| equals(actual, e)),
            Operator::Ne => !expected.is_some_and(|e| equals(actual, e)),
            Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte => {
                let (Some(a), Some(Literal::Number(e))) = (number(actual), expected) else { return false };
                match self.operator {
                    Operator::Gt => a > *e,
                    Operator::Gte => a >= *e,
                    Operator::Lt => a < *e,
                    _ => a <= *e,
                }
            }
            Operator::In => matches!(expected, Some(Literal::List(options)) if options.iter().any(|o| equals(actual, o))),
            Operator::NotIn => !matches!(expected, Some(Literal::List(options)) if options.iter().any(|o| equals(actual, o))),
            Operator::Contains => expected.is_some_and(|e| contains(actual, e)),
            Operator::NotContains => !expected.is_some_and(|e| contains(actual, e)),
            Operator::IsPresent => !is_empty(actual),
            Operator::IsEmpty => is_empty(actual),
        }
    }
}

fn scalar_equals(actual: Actual<'_>, expected: &Literal) -> bool {
    match (actual, expected) {
        (Actual::Str(a), Literal::String(e)) => a == e,
        (Actual::Number(a), Literal::Number(e)) => a == *e,
        (Actual::Bool(a), Literal::Bool(e)) => a == *e,
        (Actual::Json(v), e) => match v {
            serde_json::Value::String(s) => scalar_equals(Actual::Str(s), e),
            serde_json::Value::Number(n) => n.as_f64().is_some_and(|n| scalar_equals(Actual::Number(n), e)),
            serde_json::Value::Bool(b) => scalar_equals(Actual::Bool(*b), e),
            _ => false,
        },
        _ => false,
    }
}

fn equals(actual: Actual<'_>, expected: &Literal) -> bool {
    match actual {
        Actual::List(items) => items.iter().any(|i| scalar_equals(Actual::Str(i), expected)),
        Actual::Json(serde_json::Value::Array(items)) => items.iter().any(|i| scalar_equals(Actual::Json(i), expected)),
        other => scalar_equals(other, expected),
    }
}

fn contains(actual: Actual<'_>, expected: &Literal) -> bool {
    match (actual, expected) {
        (Actual::Str(a), Literal::String(e)) => a.contains(e.as_str()),
        (Actual::Json(serde_json::Value::String(a)), Literal::String(e)) => a.contains(e.as_str()),
        (Actual::List(_) | Actual::Json(serde_json::Value::Array(_)), e) => equals(actual, e),
        _ => false,
    }
}

fn number(actual: Actual<'_>) -> Option<f64> {
    match actual {
        Actual::Number(n) => Some(n),
        Actual::Json(serde_json::Value::Number(n)) => n.as_f64(),
        _ => None,
    }
}

fn is_empty(actual: Actual<'_>) -> bool {
    match actual {
        Actual::Missing => true,
        Actual::Str(s) => s.trim().is_empty(),
        Actual::List(items) => items.is_empty(),
        Actual::Number(_) | Actual::Bool(_) => false,
        Actual::Json(v) => match v {
            serde_json::Value::Null => true,
            serde_json::Value::String(s) => s.trim().is_empty(),
            serde_json::Value::Array(a) => a.is_empty(),
            serde_json::Value::Object(o) => o.is_empty(),
            _ => false,
        },
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

    fn leaf(field: FieldPath, operator: Operator, value: Option<Literal>) -> Leaf {
        Leaf { field, operator, value }
    }

    fn text(s: &str) -> Literal {
        Literal::String(s.into())
    }

    #[test]
    fn leaves_test_values_as_a_release_engineer_reads_them() {
        let labels = ["breaking-change".to_owned(), "q3".to_owned()];
        let l = |op, v| leaf(FieldPath::Labels, op, v);
        assert!(l(Operator::Contains, Some(text("breaking-change"))).test(Actual::List(&labels)));
        assert!(l(Operator::Eq, Some(text("q3"))).test(Actual::List(&labels)), "a list equals a value it holds");
        assert!(!l(Operator::NotContains, Some(text("q3"))).test(Actual::List(&labels)));
        assert!(l(Operator::In, Some(Literal::List(vec![text("x"), text("q3")]))).test(Actual::List(&labels)));
        assert!(l(Operator::IsEmpty, None).test(Actual::List(&[])));

        let p = |op, v| leaf(FieldPath::Priority, op, v);
        assert!(p(Operator::Eq, Some(text("critical"))).test(Actual::Str("critical")));
        assert!(!p(Operator::Eq, Some(text("critical"))).test(Actual::Str("Critical")), "exact, case-sensitive");
        assert!(!p(Operator::Eq, Some(text("critical"))).test(Actual::Missing));
        assert!(p(Operator::Ne, Some(text("critical"))).test(Actual::Missing));
        assert!(p(Operator::NotIn, Some(Literal::List(vec![text("low")]))).test(Actual::Missing));
        assert!(p(Operator::IsPresent, None).test(Actual::Str("high")));
        assert!(p(Operator::IsEmpty, None).test(Actual::Str("  ")));

        let d = |op| leaf(FieldPath::DaysInState, op, Some(Literal::Number(7.0)));
        assert!(d(Operator::Gte).test(Actual::Number(7.0)));
        assert!(!d(Operator::Gt).test(Actual::Number(7.0)));
        assert!(d(Operator::Lte).test(Actual::Number(6.0)));
        assert!(!d(Operator::Lt).test(Actual::Missing), "a missing number orders with nothing");

        let json = serde_json::json!("major");
        let c = leaf(FieldPath::CustomField("release_type".into()), Operator::Eq, Some(text("major")));
        assert!(c.test(Actual::Json(&json)));
        let n = serde_json::json!(50);
        assert!(leaf(FieldPath::CustomField("pct".into()), Operator::Gte, Some(Literal::Number(25.0))).test(Actual::Json(&n)));
        let title = leaf(FieldPath::Title, Operator::Contains, Some(text("v3")));
        assert!(title.test(Actual::Str("Release v3.0.0")), "text contains a substring");
    }

    #[test]
    fn every_leaf_is_explained_even_when_the_result_is_already_known() {
        struct Release;
        impl<'a> Facts<'a> for Release {
            fn actual(&self, field: &FieldPath) -> Actual<'a> {
                match field {
                    FieldPath::Priority => Actual::Str("critical"),
                    _ => Actual::Missing,
                }
            }
        }
        let tree = Condition::Any(vec![
            Condition::Leaf(leaf(FieldPath::Priority, Operator::Eq, Some(text("critical")))),
            Condition::Leaf(leaf(FieldPath::Labels, Operator::Contains, Some(text("breaking-change")))),
        ]);
        let mut why = Vec::new();
        assert!(tree.evaluate(&Release, &mut why));
        assert_eq!(why.iter().map(|w| w.result).collect::<Vec<_>>(), [true, false]);
        assert_eq!(
            serde_json::to_value(&why[0]).unwrap(),
            serde_json::json!({"field": "priority", "operator": "=", "expected": "critical", "actual": "critical", "result": true})
        );
        assert_eq!(serde_json::to_value(&why[1]).unwrap()["actual"], serde_json::Value::Null);
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
