//! Policy tests (SPEC §12): a pack author's expectations, run against the pack.
//!
//! Owns: reading test files (YAML or JSON; one test or a list), running each test's request
//! through evaluate (and the guard, when the test has one), and matching the answers against the
//! test's `expect` as a subset. Must not know how answers are computed: it reads their JSON as any
//! host would.

use serde::Serialize;
use serde_json::Value;

use super::coverage::Coverage;
use crate::definitions::PackFile;
use crate::definitions::vocabulary::nearest;
use crate::definitions::yaml::{self, Kind, Node};
use crate::error::Diagnostic;
use crate::{Policy, RequestLimits};

/// The built-in pack's own policy tests (`definitions/tests/` at build time), as `(path, text)`.
pub const BUILTIN_TESTS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_tests.rs"));

/// One test: a request, what its evaluation must contain, and optionally a guard check.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyTest {
    pub file: String,
    pub line: u32,
    pub name: String,
    /// The request (SPEC §3).
    pub request: Value,
    /// A subset of the evaluate answer.
    pub expect: Option<Value>,
    pub guard: Option<GuardExpectation>,
}

/// A test's guard check: the request with this `transition`, and a subset of the guard's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct GuardExpectation {
    pub transition: Value,
    pub expect: Value,
}

/// How one test went.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TestOutcome {
    pub name: String,
    pub file: String,
    pub line: u32,
    pub passed: bool,
    /// The first difference, when the test failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub failure: Option<Mismatch>,
}

/// Where an answer first differs from the expectation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Mismatch {
    /// `evaluate` or `guard`.
    pub answer: &'static str,
    /// The path in the answer, e.g. `chain.levels[level=3].state`.
    pub path: String,
    pub expected: Value,
    /// The answer's value there; `null` when it has none (see `present`).
    pub actual: Value,
    /// Whether the answer has the path at all.
    pub present: bool,
}

/// Every test's outcome, and the counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct TestReport {
    pub passed: usize,
    pub failed: usize,
    pub tests: Vec<TestOutcome>,
    /// What the tests exercised, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub coverage: Option<Coverage>,
}

impl TestReport {
    /// Whether every test passed.
    pub fn ok(&self) -> bool {
        self.failed == 0
    }
}

const TEST_KEYS: [&str; 4] = ["name", "request", "expect", "guard"];
const GUARD_KEYS: [&str; 2] = ["transition", "expect"];

/// Reads the tests of every file, in order; the first malformed file is the error.
pub fn read_all(files: &[PackFile]) -> Result<Vec<PolicyTest>, Diagnostic> {
    let mut tests = Vec::new();
    for file in files {
        tests.extend(read(file)?);
    }
    Ok(tests)
}

/// Reads the tests in `file`: a mapping (one test) or a list of them. A malformed file is an error
/// at its position, as the loader reports a pack's.
pub fn read(file: &PackFile) -> Result<Vec<PolicyTest>, Diagnostic> {
    let at = |pos: yaml::Pos, message: String| Diagnostic { file: file.path.clone(), line: pos.line, column: pos.column, message };
    let root = yaml::parse(&file.text).map_err(|e| at(e.pos, e.message))?;
    let tests: Vec<&Node> = match &root.kind {
        Kind::Seq(items) => items.iter().collect(),
        Kind::Map(_) => vec![&root],
        _ => return Err(at(root.pos, format!("a test file holds a test or a list of tests, not {}", root.describe()))),
    };
    if tests.is_empty() {
        return Err(at(root.pos, "the file holds no test".to_owned()));
    }
    tests.into_iter().map(|node| test(node, &at)).collect::<Result<_, _>>().map(|mut tests: Vec<PolicyTest>| {
        for t in &mut tests {
            t.file.clone_from(&file.path);
        }
        tests
    })
}

/// The entries of a mapping, each key checked against `known`.
fn entries<'n>(
    node: &'n Node,
    what: &str,
    known: &[&str],
    at: &impl Fn(yaml::Pos, String) -> Diagnostic,
) -> Result<&'n [(Node, Node)], Diagnostic> {
    let Kind::Map(entries) = &node.kind else { return Err(at(node.pos, format!("{what} is a mapping, not {}", node.describe()))) };
    for (key, _) in entries {
        let name = key.key_text();
        if !known.contains(&name) {
            let hint = nearest(name, known.iter().copied()).map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
            return Err(at(key.pos, format!("unknown key `{name}` in {what}: {hint}expected one of {}", known.join(", "))));
        }
    }
    Ok(entries)
}

fn get<'n>(entries: &'n [(Node, Node)], key: &str) -> Option<&'n Node> {
    entries.iter().find(|(k, _)| k.key_text() == key).map(|(_, v)| v)
}

/// A mapping's value as JSON (requests and expectations are plain data).
fn mapping(node: &Node, what: &str, at: &impl Fn(yaml::Pos, String) -> Diagnostic) -> Result<Value, Diagnostic> {
    match node.kind {
        Kind::Map(_) => Ok(node.to_json()),
        _ => Err(at(node.pos, format!("{what} is a mapping, not {}", node.describe()))),
    }
}

fn test(node: &Node, at: &impl Fn(yaml::Pos, String) -> Diagnostic) -> Result<PolicyTest, Diagnostic> {
    let fields = entries(node, "a test", &TEST_KEYS, at)?;
    let name = match get(fields, "name").map(|n| (n, n.scalar())) {
        Some((_, Some(yaml::Scalar::Str(s)))) if !s.trim().is_empty() => s.to_owned(),
        Some((n, _)) => return Err(at(n.pos, format!("a test's `name` is text, not {}", n.describe()))),
        None => return Err(at(node.pos, "a test needs a `name`".to_owned())),
    };
    let request = match get(fields, "request") {
        Some(n) => mapping(n, "`request`", at)?,
        None => return Err(at(node.pos, format!("the test `{name}` needs a `request`"))),
    };
    let expect = get(fields, "expect").map(|n| mapping(n, "`expect`", at)).transpose()?;
    let guard = match get(fields, "guard") {
        None => None,
        Some(g) => {
            let guard_fields = entries(g, "`guard`", &GUARD_KEYS, at)?;
            let transition = get(guard_fields, "transition").ok_or_else(|| at(g.pos, "`guard` needs a `transition`".to_owned()))?;
            let expect = get(guard_fields, "expect").ok_or_else(|| at(g.pos, "`guard` needs an `expect`".to_owned()))?;
            Some(GuardExpectation { transition: mapping(transition, "`transition`", at)?, expect: mapping(expect, "`expect`", at)? })
        }
    };
    if expect.is_none() && guard.is_none() {
        return Err(at(node.pos, format!("the test `{name}` checks nothing: give it `expect`, `guard` or both")));
    }
    Ok(PolicyTest { file: String::new(), line: node.pos.line, name, request, expect, guard })
}

/// Runs `tests` against `policy`; with `coverage`, also records what their answers exercised.
pub fn run(policy: &Policy, tests: &[PolicyTest], coverage: bool) -> TestReport {
    let limits = RequestLimits::default();
    let mut covered = coverage.then(|| Coverage::of(policy.pack()));
    let outcomes: Vec<TestOutcome> = tests
        .iter()
        .map(|t| {
            // The workflow the case follows and the state it is in, for coverage.
            let release = &t.request["release"];
            let workflow = policy
                .pack()
                .route_index(release["workflow"].as_str(), release["case_type"].as_str().unwrap_or_default())
                .ok()
                .map(|i| &policy.pack().workflows[i].id);
            let from = release["status"].as_str().unwrap_or_default();
            let mut failure = None;
            if let Some(expect) = &t.expect {
                let answer = answer_value(policy.evaluate_json(&t.request.to_string(), &limits).map_err(|e| e.to_json()));
                if let (Some(c), Some(w)) = (covered.as_mut(), workflow) {
                    c.record_evaluate(w, from, &answer);
                }
                failure = first_mismatch(expect, &answer, "").map(|m| m.into_mismatch("evaluate"));
            }
            if let Some(guard) = &t.guard {
                let mut request = t.request.clone();
                if let Value::Object(fields) = &mut request {
                    fields.insert("transition".to_owned(), guard.transition.clone());
                }
                let answer = answer_value(policy.guard_json(&request.to_string(), &limits));
                if let (Some(c), Some(w)) = (covered.as_mut(), workflow) {
                    let (from, to) =
                        (guard.transition["from"].as_str().unwrap_or(from), guard.transition["to"].as_str().unwrap_or_default());
                    c.record_guard(w, from, to, &answer);
                }
                if failure.is_none() {
                    failure = first_mismatch(&guard.expect, &answer, "").map(|m| m.into_mismatch("guard"));
                }
            }
            TestOutcome { name: t.name.clone(), file: t.file.clone(), line: t.line, passed: failure.is_none(), failure }
        })
        .collect();
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    TestReport { passed: outcomes.len() - failed, failed, tests: outcomes, coverage: covered }
}

/// An answer, or its error (`{"error": …}`, the guard's deny), as JSON: a test may expect either.
fn answer_value(answer: Result<String, String>) -> Value {
    let text = answer.unwrap_or_else(|e| e);
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// A difference found by [`first_mismatch`].
struct Found {
    path: String,
    expected: Value,
    actual: Option<Value>,
}

impl Found {
    fn into_mismatch(self, answer: &'static str) -> Mismatch {
        let present = self.actual.is_some();
        Mismatch { answer, path: self.path, expected: self.expected, actual: self.actual.unwrap_or(Value::Null), present }
    }
}

/// The keys that identify an element of a list of objects (levels, transitions, recipes).
const ELEMENT_KEYS: [&str; 3] = ["level", "to", "key"];

/// The first place where `actual` does not contain `expected` (SPEC §12's subset rules): every key
/// of an expected object must be in the actual one with a matching value; a list of objects that
/// all carry `level`, `to` or `key` matches element by element on that key, in any order, checking
/// only the elements given; any other list, and every scalar, must be equal.
fn first_mismatch(expected: &Value, actual: &Value, path: &str) -> Option<Found> {
    let found = |actual: Option<&Value>| Some(Found { path: path.to_owned(), expected: expected.clone(), actual: actual.cloned() });
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match (expected, actual) {
        (Value::Object(want), Value::Object(have)) => want.iter().find_map(|(key, value)| match have.get(key) {
            Some(got) => first_mismatch(value, got, &join(key)),
            None => Some(Found { path: join(key), expected: value.clone(), actual: None }),
        }),
        (Value::Array(want), Value::Array(have)) => match element_key(want) {
            Some(key) => want.iter().find_map(|element| {
                let id = &element[key];
                let at = format!("{path}[{key}={}]", scalar_text(id));
                match have.iter().find(|candidate| candidate.get(key) == Some(id)) {
                    Some(got) => first_mismatch(element, got, &at),
                    None => Some(Found { path: at, expected: element.clone(), actual: None }),
                }
            }),
            None if numbers_equal(expected, actual) => None,
            None => found(Some(actual)),
        },
        _ if numbers_equal(expected, actual) => None,
        _ => found(Some(actual)),
    }
}

/// The key every element of `list` (objects, at least one) carries, in [`ELEMENT_KEYS`] order.
fn element_key(list: &[Value]) -> Option<&'static str> {
    if list.is_empty() || !list.iter().all(Value::is_object) {
        return None;
    }
    ELEMENT_KEYS.into_iter().find(|key| list.iter().all(|element| element.get(*key).is_some()))
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Equality, with numbers compared by value (`3` in a test matches `3.0` in an answer).
fn numbers_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| numbers_equal(a, b)),
        (Value::Object(x), Value::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| numbers_equal(v, w))),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mismatch(expected: Value, actual: Value) -> Option<(String, Value, Option<Value>)> {
        first_mismatch(&expected, &actual, "").map(|f| (f.path, f.expected, f.actual))
    }

    #[test]
    fn an_object_matches_when_every_expected_key_matches_and_other_keys_are_ignored() {
        assert_eq!(mismatch(json!({"a": 1}), json!({"a": 1, "b": 2})), None);
        assert_eq!(mismatch(json!({"a": {"b": 1}}), json!({"a": {"b": 2}})), Some(("a.b".into(), json!(1), Some(json!(2)))));
        assert_eq!(mismatch(json!({"c": 1}), json!({"a": 1})), Some(("c".into(), json!(1), None)));
    }

    #[test]
    fn lists_of_levels_transitions_or_recipes_match_by_their_key_in_any_order() {
        let levels = json!([{"level": 1, "state": "approved"}, {"level": 2, "state": "waiting"}]);
        assert_eq!(mismatch(json!([{"level": 2, "state": "waiting"}]), levels.clone()), None);
        assert_eq!(
            mismatch(json!([{"level": 2, "state": "approved"}]), levels.clone()),
            Some(("[level=2].state".into(), json!("approved"), Some(json!("waiting"))))
        );
        assert_eq!(mismatch(json!([{"level": 3}]), levels), Some(("[level=3]".into(), json!({"level": 3}), None)));
        let transitions = json!([{"to": "production", "allowed": false}, {"to": "cancelled", "allowed": true}]);
        assert_eq!(mismatch(json!([{"to": "cancelled", "allowed": true}]), transitions), None);
        assert_eq!(mismatch(json!([{"key": "r:1", "fired": true}]), json!([{"key": "r:1", "fired": true, "x": 1}])), None);
    }

    #[test]
    fn any_other_list_and_every_scalar_must_be_equal() {
        assert_eq!(mismatch(json!(["a"]), json!(["a", "b"])), Some(("".into(), json!(["a"]), Some(json!(["a", "b"])))));
        assert_eq!(mismatch(json!([{"x": 1}]), json!([{"x": 1}])), None);
        assert_eq!(mismatch(json!([{"x": 1}]), json!([{"x": 1, "y": 2}])).map(|m| m.0), Some(String::new()));
        assert_eq!(mismatch(json!(3), json!(3.0)), None);
        assert_eq!(mismatch(json!("3"), json!(3)).map(|m| m.0), Some(String::new()));
        assert_eq!(mismatch(json!(null), json!(null)), None);
    }

    #[test]
    fn a_file_holds_one_test_or_a_list_and_a_malformed_one_is_refused_at_its_line() {
        let one = PackFile::new("tests/a.yaml", "name: one\nrequest: {now: x}\nexpect: {status: y}\n");
        assert_eq!(read(&one).unwrap().len(), 1);
        let list = PackFile::new(
            "tests/b.json",
            r#"[{"name": "a", "request": {}, "expect": {}}, {"name": "b", "request": {}, "guard": {"transition": {}, "expect": {}}}]"#,
        );
        assert_eq!(read(&list).unwrap().len(), 2);
        let typo = PackFile::new("tests/c.yaml", "- name: c\n  request: {}\n  expcet: {}\n");
        let e = read(&typo).unwrap_err();
        assert_eq!((e.file.as_str(), e.line, e.column), ("tests/c.yaml", 3, 3));
        assert!(e.message.contains("did you mean `expect`?"), "{}", e.message);
        let nothing = PackFile::new("tests/d.yaml", "- name: d\n  request: {}\n");
        assert!(read(&nothing).unwrap_err().message.contains("checks nothing"));
        let broken = PackFile::new("tests/e.yaml", "- name: [\n");
        assert_eq!(read(&broken).unwrap_err().file, "tests/e.yaml");
    }
}
