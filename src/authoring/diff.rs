//! Change impact (SPEC §12, `release-policy diff`): what a pack change does to real releases.
//!
//! Owns: comparing two evaluate answers for the same request (levels required, eligible approvers,
//! activation and deadline instants, the next escalation, the chain's state, each transition's guard
//! status, the SLA) and counting the changes by kind. Must not know how answers are computed: it
//! reads their JSON.

use serde::Serialize;
use serde_json::Value;

use crate::{Policy, RequestLimits};

/// One difference between the answers under the old pack and the new one.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Change {
    /// `level_required`, `approvers`, `activation`, `deadline`, `next_escalation`, `chain_state`,
    /// `transition`, `sla`, or `error` (the request is refused under one pack only).
    pub what: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    pub level: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub to: Option<String>,
    pub before: Value,
    pub after: Value,
}

/// The changes of one request.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Changed {
    pub release_id: String,
    pub changes: Vec<Change>,
}

/// How many releases changed in one way.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SummaryLine {
    pub what: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional, type = "number"))]
    pub level: Option<u64>,
    /// The level's name, for people (`Director Approval`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub to: Option<String>,
    /// For `level_required` and `transition`: the new value (`true`: now required), so that the two
    /// directions are counted apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub after: Option<Value>,
    pub count: usize,
    /// The line for people: `level 4 Director Approval: 12 releases now required` (set by
    /// [`DiffReport::finish`], once the count is known).
    pub text: String,
}

/// The answer of `diff`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct DiffReport {
    pub compared: usize,
    pub changed: Vec<Changed>,
    pub summary: Vec<SummaryLine>,
}

impl DiffReport {
    /// Compares each request (JSON text) under `before` and `after`, in order; not yet finished
    /// (reports over parts of an input are merged, then finished once).
    pub fn over(before: &Policy, after: &Policy, requests: &[String]) -> DiffReport {
        let mut report = DiffReport::default();
        for request in requests {
            report.add(before, after, request);
        }
        report
    }

    /// Compares one request (JSON text) under `before` and `after`.
    pub fn add(&mut self, before: &Policy, after: &Policy, request: &str) {
        let limits = RequestLimits::default();
        // Parsed once for both packs (parsing does not depend on the pack); each answer compared as
        // the value its JSON text would parse to.
        let parsed = crate::request::parse(request, &limits).map_err(|e| e.to_error_body());
        let answer = |p: &Policy| -> Value {
            let answer = parsed.as_ref().map_err(Clone::clone).and_then(|r| p.evaluate_parts(r, &limits, &COMPARED));
            answer.unwrap_or_else(|e| serde_json::from_str(&e.to_json()).unwrap_or(Value::Null))
        };
        let (old, new) = (answer(before), answer(after));
        self.compared += 1;
        let changes = changes(&old, &new);
        if changes.is_empty() {
            return;
        }
        for c in &changes {
            let after = matches!(c.what, "level_required" | "transition").then(|| c.after.clone());
            let name = c.level.and_then(|l| level_name(&new, l).or_else(|| level_name(&old, l)));
            self.tally(SummaryLine { what: c.what, level: c.level, name, to: c.to.clone(), after, count: 1, text: String::new() });
        }
        let id = [&old, &new].iter().find_map(|a| a["release_id"].as_str().map(str::to_owned));
        let id = id.or_else(|| serde_json::from_str::<Value>(request).ok().and_then(|r| r["release"]["id"].as_str().map(str::to_owned)));
        self.changed.push(Changed { release_id: id.unwrap_or_default(), changes });
    }

    /// Another report's counts and changes appended to this one's (reports of consecutive parts of
    /// one input, merged in order).
    pub fn merge(&mut self, other: DiffReport) {
        self.compared += other.compared;
        self.changed.extend(other.changed);
        for line in other.summary {
            self.tally(line);
        }
    }

    /// Adds `line`'s count to the summary line of the same kind, or adds the line.
    fn tally(&mut self, line: SummaryLine) {
        let same = |s: &&mut SummaryLine| s.what == line.what && s.level == line.level && s.to == line.to && s.after == line.after;
        match self.summary.iter_mut().find(same) {
            Some(mine) => mine.count += line.count,
            None => self.summary.push(line),
        }
    }

    /// The summary in a stable order (by kind as listed in [`Change::what`], then level or target),
    /// each line with its sentence.
    pub fn finish(&mut self) {
        for line in &mut self.summary {
            line.text = sentence(line);
        }
        let rank = |what: &str| KINDS.iter().position(|k| *k == what).unwrap_or(KINDS.len());
        self.summary.sort_by(|a, b| {
            (rank(a.what), a.level, &a.to, a.after.as_ref().map(Value::to_string)).cmp(&(
                rank(b.what),
                b.level,
                &b.to,
                b.after.as_ref().map(Value::to_string),
            ))
        });
    }
}

/// The requests of a whole JSON input, as JSON texts: an array of requests, the object form
/// `{now, releases: [...], directory?, calendar?, wip?}` (each release with the shared parts), or a
/// stream of request objects. Every adapter reads `diff`'s input through this.
pub fn requests_of(text: &str) -> Result<Vec<String>, String> {
    let values: Vec<Value> = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the input is not JSON: {e}"))?;
    match values.as_slice() {
        [Value::Array(requests)] => Ok(requests.iter().map(Value::to_string).collect()),
        [Value::Object(form)] if form.contains_key("releases") => {
            let releases = form["releases"].as_array().ok_or_else(|| "`releases` is a list".to_owned())?;
            Ok(releases
                .iter()
                .map(|release| {
                    let mut request = serde_json::Map::new();
                    for key in ["now", "directory", "calendar", "wip"] {
                        if let Some(v) = form.get(key) {
                            request.insert(key.to_owned(), v.clone());
                        }
                    }
                    request.insert("release".to_owned(), release.clone());
                    Value::Object(request).to_string()
                })
                .collect())
        }
        requests => Ok(requests.iter().map(Value::to_string).collect()),
    }
}

/// The parts of the evaluate answer [`changes`] reads.
const COMPARED: [&str; 5] = ["release_id", "chain", "escalation", "transitions", "sla"];

/// The name of level `number` in an evaluate answer.
fn level_name(answer: &Value, number: u64) -> Option<String> {
    let levels = answer["chain"]["levels"].as_array()?;
    let level = levels.iter().find(|l| l["level"].as_u64() == Some(number))?;
    level["name"].as_str().filter(|n| !n.is_empty()).map(str::to_owned)
}

const KINDS: [&str; 9] =
    ["error", "chain_state", "level_required", "approvers", "activation", "deadline", "next_escalation", "transition", "sla"];

/// Every change from `old` to `new` (two evaluate answers, or error answers), in a fixed order.
pub fn changes<'a>(old: &'a Value, new: &'a Value) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |what: &'static str, level: Option<u64>, to: Option<String>, before: Value, after: Value| {
        if before != after {
            out.push(Change { what, level, to, before, after });
        }
    };
    let error = |a: &Value| a["error"]["message"].clone();
    if old.get("error").is_some() || new.get("error").is_some() {
        push("error", None, None, error(old), error(new));
        return out;
    }
    push("chain_state", None, None, old["chain"]["state"].clone(), new["chain"]["state"].clone());
    // Read in place: the answers are large, and only the few values that differ are copied.
    const NONE: &[Value] = &[];
    let levels = |a: &'a Value| a["chain"]["levels"].as_array().map_or(NONE, Vec::as_slice);
    let (old_levels, new_levels) = (levels(old), levels(new));
    let mut numbers: Vec<u64> = old_levels.iter().chain(new_levels).filter_map(|l| l["level"].as_u64()).collect();
    numbers.sort_unstable();
    numbers.dedup();
    let find = |list: &'a [Value], n: u64| list.iter().find(|l| l["level"].as_u64() == Some(n)).unwrap_or(&Value::Null);
    for n in &numbers {
        let (o, w) = (find(old_levels, *n), find(new_levels, *n));
        let required = |l: &Value| Value::Bool(l["required"].as_bool().unwrap_or(false));
        push("level_required", Some(*n), None, required(o), required(w));
    }
    for n in &numbers {
        let (o, w) = (find(old_levels, *n), find(new_levels, *n));
        push("approvers", Some(*n), None, eligible(o), eligible(w));
    }
    for n in &numbers {
        let (o, w) = (find(old_levels, *n), find(new_levels, *n));
        push("activation", Some(*n), None, o["activated_at"].clone(), w["activated_at"].clone());
    }
    for n in &numbers {
        let (o, w) = (find(old_levels, *n), find(new_levels, *n));
        push("deadline", Some(*n), None, o["deadline"].clone(), w["deadline"].clone());
    }
    let next = |a: &Value| match &a["escalation"]["next"] {
        Value::Object(n) => {
            serde_json::json!({ "level": n.get("level"), "step": n.get("step"), "action": n.get("action"), "at": n.get("at") })
        }
        _ => Value::Null,
    };
    push("next_escalation", None, None, next(old), next(new));
    let rows = |a: &'a Value| a["transitions"].as_array().map_or(NONE, Vec::as_slice);
    let (old_rows, new_rows) = (rows(old), rows(new));
    // Each target once, in the order the answers list them.
    let mut targets: Vec<&str> = Vec::new();
    for to in old_rows.iter().chain(new_rows).filter_map(|r| r["to"].as_str()) {
        if !targets.contains(&to) {
            targets.push(to);
        }
    }
    for to in targets {
        let status = |list: &[Value]| list.iter().find(|r| r["to"] == to).map_or(Value::Null, guard_status);
        push("transition", None, Some(to.to_owned()), status(old_rows), status(new_rows));
    }
    let sla = |a: &Value| match &a["sla"] {
        Value::Object(s) => {
            serde_json::json!({ "state": s.get("state"), "warning_at": s.get("warning_at"), "breach_at": s.get("breach_at") })
        }
        _ => Value::Null,
    };
    push("sla", None, None, sla(old), sla(new));
    out
}

/// Everyone eligible at a level, over its groups, sorted.
fn eligible(level: &Value) -> Value {
    let mut people: Vec<&str> = level["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["eligible"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    people.sort_unstable();
    people.dedup();
    Value::from(people)
}

/// What the guard would answer for a transition row: `allow`, `pending` or `deny`.
fn guard_status(row: &Value) -> Value {
    Value::from(if row["allowed"] == true {
        "allow"
    } else if row["pending"] == true {
        "pending"
    } else {
        "deny"
    })
}

/// A summary line for people: `level 4 Director Approval: 12 releases now required`.
fn sentence(s: &SummaryLine) -> String {
    let releases = if s.count == 1 { "1 release".to_owned() } else { format!("{} releases", s.count) };
    let level = |l: u64| s.name.as_ref().map_or(format!("level {l}"), |n| format!("level {l} {n}"));
    match (s.what, s.level, &s.to, &s.after) {
        ("level_required", Some(l), _, Some(Value::Bool(true))) => format!("{}: {releases} now required", level(l)),
        ("level_required", Some(l), _, _) => format!("{}: {releases} no longer required", level(l)),
        ("transition", _, Some(to), Some(after)) => format!("transition to {to}: {releases} now {}", after.as_str().unwrap_or("absent")),
        (what, Some(l), _, _) => format!("{} {}: {releases} changed", level(l), what.replace('_', " ")),
        (what, _, _, _) => format!("{}: {releases} changed", what.replace('_', " ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identical_answers_have_no_changes_and_each_kind_is_reported_once() {
        let a = json!({"release_id": "R", "chain": {"state": "in_progress", "levels": [
            {"level": 1, "required": true, "activated_at": "t0", "deadline": "t1", "groups": [{"eligible": ["b", "a"]}]},
            {"level": 2, "required": false, "activated_at": null, "deadline": null, "groups": []}]},
            "escalation": {"next": {"level": 1, "step": 0, "action": "reminder", "at": "t2", "to": []}},
            "transitions": [{"to": "prod", "allowed": false, "pending": true}], "sla": null});
        assert_eq!(changes(&a, &a), vec![]);
        let mut b = a.clone();
        b["chain"]["levels"][1]["required"] = json!(true);
        b["chain"]["levels"][1]["groups"] = json!([{"eligible": ["c"]}]);
        b["transitions"][0]["pending"] = json!(false);
        let found: Vec<(&str, Option<u64>, Option<String>)> = changes(&a, &b).into_iter().map(|c| (c.what, c.level, c.to)).collect();
        assert_eq!(found, vec![("level_required", Some(2), None), ("approvers", Some(2), None), ("transition", None, Some("prod".into()))]);
    }

    #[test]
    fn a_request_refused_under_one_pack_only_is_an_error_change() {
        let ok = json!({"chain": null});
        let refused = json!({"error": {"kind": "request", "message": "unknown state"}});
        assert_eq!(
            changes(&ok, &refused),
            vec![Change { what: "error", level: None, to: None, before: Value::Null, after: json!("unknown state") }]
        );
    }
}

#[cfg(test)]
mod split {
    use super::*;
    use crate::{Policy, builtin_files};

    #[test]
    fn the_parts_compared_are_the_answers_text_parsed() {
        let policy = Policy::builtin();
        let limits = RequestLimits::default();
        // The sample request, and every request of the built-in pack's own tests.
        let mut texts = vec![include_str!("../../examples/pending-release.json").to_owned()];
        for (path, text) in crate::authoring::test::BUILTIN_TESTS {
            let tests = crate::authoring::test::read(&crate::PackFile::new(*path, *text)).expect("the built-in tests");
            texts.extend(tests.iter().map(|t| t.request.to_string()));
        }
        assert!(texts.len() > 15);
        for text in &texts {
            let text = text.as_str();
            let request = crate::request::parse(text, &limits).expect("an example request");
            let every = [
                "release_id",
                "status",
                "chain",
                "state_approval",
                "escalation",
                "sla",
                "recipes",
                "transitions",
                "audit",
                "warnings",
                "wake_at",
            ];
            let parts = policy.evaluate_parts(&request, &limits, &every).expect("an answer");
            let parsed: Value = serde_json::from_str(&policy.evaluate_json(text, &limits).expect("an answer")).unwrap();
            for part in every {
                // `state_approval` is left out of the text when there is none.
                assert_eq!(parts[part], parsed[part], "{part}");
            }
            assert!(COMPARED.iter().all(|p| every.contains(p)));
        }
    }

    #[test]
    fn the_report_is_the_same_however_the_requests_are_split_and_merged() {
        let before = Policy::builtin();
        let mut files = builtin_files();
        let release = files.iter_mut().find(|f| f.path == "workflows/release.yaml").unwrap();
        release.text = release.text.replacen("timeout: 24h", "timeout: 4h", 1);
        let after = Policy::from_pack(&files).unwrap();
        let requests: Vec<String> = (0..24)
            .map(|i| {
                let priority = ["low", "high", "critical"][i % 3];
                serde_json::json!({"now": "2026-11-27T15:00:00Z", "release": {"id": format!("R-{i}"), "case_type": "Release",
                    "status": "pending_approval", "status_since": "2026-11-27T09:00:00Z", "priority": priority,
                    "custom_fields": {"release_type": "minor"}}})
                .to_string()
            })
            .collect();
        let mut whole = DiffReport::default();
        for r in &requests {
            whole.add(&before, &after, r);
        }
        whole.finish();
        assert!(!whole.changed.is_empty());
        for size in [1, 5, 7, 24] {
            let mut merged = DiffReport::default();
            for part in requests.chunks(size) {
                let mut report = DiffReport::default();
                for r in part {
                    report.add(&before, &after, r);
                }
                merged.merge(report);
            }
            merged.finish();
            assert_eq!(merged, whole, "split into parts of {size}");
        }
    }
}
