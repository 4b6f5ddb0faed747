//! The request parser names the JSON path of what it could not read by scanning up to serde_json's
//! error position (src/request.rs, `path_at`). This checks it against serde_path_to_error, which
//! tracks every value as it is read, over thousands of broken requests: every truncation of a full
//! request, every value replaced by each wrong kind of JSON, duplicated and unexpected keys.

use release_policy::{Request, RequestLimits, request};
use serde_json::{Value, json};

/// A full request: every part of the request type, with arrays of more than one element.
fn full() -> Value {
    json!({
        "now": "2026-11-30T15:00:00Z",
        "release": {
            "id": "REL-1", "title": "Release \"v3.1.0\" — café ✓", "case_type": "Release", "status": "pending_approval",
            "status_since": "2026-11-30T09:00:00Z", "priority": "high", "labels": ["a", "breaking-change"],
            "assignee": "alice", "reporter": "alice", "requested_by": "alice",
            "custom_fields": { "release_type": "minor", "version_tag": "v3.1.0", "target_segments": ["beta"], "notes_ü": "grüße" },
            "approvals": [
                { "level": 1, "approver": "quinn", "decision": "approve", "at": "2026-11-30T10:00:00Z", "comment": "ok" },
                { "level": 2, "group": "sre", "approver": "sam", "roles": ["sre"], "decision": "approve", "at": "2026-11-30T11:00:00Z" }
            ],
            "history": [ { "from": "development", "to": "pending_approval", "at": "2026-11-30T09:00:00Z" } ]
        },
        "directory": {
            "roles": { "qa_lead": ["quinn"], "sre": ["sam", "sasha"] },
            "delegations": [ { "from": "erin", "to": "mia", "start": "2026-11-01T00:00:00Z", "end": "2026-12-31T00:00:00Z" } ]
        },
        "calendar": { "timezone": "Europe/Berlin", "working_days": ["mon", "tue"], "hours": "09:00-17:00", "holidays": ["2026-12-25"] },
        "transition": { "from": "pending_approval", "to": "production" },
        "wip": { "staging": 2 }
    })
}

/// serde_path_to_error's path, with the `?` it writes for a key it never finished reading dropped.
fn reference(json: &str) -> Option<(String, String)> {
    let mut de = serde_json::Deserializer::from_str(json);
    let result: Result<Request, _> = serde_path_to_error::deserialize(&mut de);
    let (path, message) = match result {
        Ok(_) => match de.end() {
            Ok(()) => return None,
            Err(e) => (String::new(), e.to_string()),
        },
        Err(e) => (e.path().to_string(), e.into_inner().to_string()),
    };
    let mut path = path;
    while let Some(known) = path.strip_suffix(".?") {
        path = known.to_owned();
    }
    if path == "." || path == "?" {
        path.clear();
    }
    // Two refinements of ours: a missing field is named itself, not only its object, and a list
    // is refused as a whole, before serde reads a struct from it.
    if let Some(field) = message.strip_prefix("missing field `").and_then(|rest| rest.split_once('`')).map(|(f, _)| f.to_owned()) {
        path = if path.is_empty() { field } else { format!("{path}.{field}") };
    }
    if json.trim_start().starts_with('[') {
        return Some((String::new(), "a request is a JSON object (`now`, `release`, …), not a list".to_owned()));
    }
    Some((path, message))
}

fn ours(json: &str) -> Option<(String, String)> {
    let limits = RequestLimits { max_request_bytes: usize::MAX, ..RequestLimits::default() };
    request::parse(json, &limits).err().map(|e| (e.path, e.message))
}

fn agree(json: &str, checked: &mut usize) {
    assert_eq!(ours(json), reference(json), "for {json}");
    *checked += 1;
}

/// Every value of `v`, by a list of steps from the root.
fn places(v: &Value, at: Vec<Step>, out: &mut Vec<Vec<Step>>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| places(v, [at.clone(), vec![Step::Key(k.clone())]].concat(), out)),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| places(v, [at.clone(), vec![Step::Index(i)]].concat(), out)),
        _ => {}
    }
}

#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'v>(v: &'v mut Value, steps: &[Step]) -> &'v mut Value {
    steps.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

#[test]
fn every_truncation_names_the_same_path() {
    let mut checked = 0;
    for text in [full().to_string(), serde_json::to_string_pretty(&full()).unwrap()] {
        for end in 0..text.len() {
            if text.is_char_boundary(end) {
                agree(&text[..end], &mut checked);
            }
        }
    }
    assert!(checked > 2000, "{checked}");
}

#[test]
fn every_wrong_kind_of_value_names_the_same_path() {
    let wrong =
        [json!(5), json!(-1.5), json!("x"), json!(""), json!([]), json!([[1]]), json!({}), json!({"a": 1}), json!(null), json!(true)];
    let mut all = Vec::new();
    places(&full(), Vec::new(), &mut all);
    let mut checked = 0;
    for steps in &all {
        for w in &wrong {
            let mut v = full();
            *at(&mut v, steps) = w.clone();
            agree(&v.to_string(), &mut checked);
            agree(&serde_json::to_string_pretty(&v).unwrap(), &mut checked);
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn duplicated_and_unexpected_keys_name_the_same_path() {
    let mut all = Vec::new();
    places(&full(), Vec::new(), &mut all);
    let mut checked = 0;
    for steps in &all {
        let mut v = full();
        let Value::Object(map) = at(&mut v, steps) else { continue };
        let Some((first, _)) = map.iter().next() else { continue };
        let first = first.clone();
        map.insert("zz_unexpected".into(), json!({"x": [1]}));
        let text = v.to_string();
        agree(&text, &mut checked);
        // The first key written again, as the object's last member: `{"a": 1, …, "a": 1}`.
        let key = serde_json::to_string(&first).unwrap();
        let needle = "\"zz_unexpected\":{\"x\":[1]}";
        let twice = text.replacen(needle, &format!("{needle},{key}:1"), 1);
        agree(&twice, &mut checked);
    }
    assert!(checked > 20, "{checked}");
}

#[test]
fn syntax_errors_at_every_place_name_the_same_path() {
    // A byte removed or a stray one written at every position of the compact and pretty forms:
    // missing commas, colons and quotes, bad escapes, cut literals, unbalanced brackets.
    let mut checked = 0;
    for text in [full().to_string(), serde_json::to_string_pretty(&full()).unwrap()] {
        for i in 0..text.len() {
            if !text.is_char_boundary(i) || !text.is_char_boundary(i + 1) {
                continue;
            }
            agree(&format!("{}{}", &text[..i], &text[i + 1..]), &mut checked);
            for stray in ["x", "\\", "]", "}", "1", "\"", "é"] {
                agree(&format!("{}{stray}{}", &text[..i], &text[i..]), &mut checked);
            }
        }
    }
    assert!(checked > 10_000, "{checked}");
}
