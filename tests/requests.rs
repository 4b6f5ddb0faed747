//! Bad requests, one test per error class: each answers a structured error with the JSON path of
//! the offending value, never a panic and never a partial answer.
#![cfg(not(target_arch = "wasm32"))] // native-only: files, processes, the upstream pack on disk

use release_policy::{ErrorKind, Policy, RequestLimits};
use serde_json::{Value, json};

fn base() -> Value {
    json!({
        "now": "2026-11-30T15:00:00Z",
        "release": {"id": "REL-1", "case_type": "Release", "status": "pending_approval", "status_since": "2026-11-30T09:00:00Z",
                    "custom_fields": {"release_type": "minor"}, "approvals": [], "history": []},
        "directory": {"roles": {"qa_lead": ["quinn"]}, "delegations": []}
    })
}

/// The error for `request`, asserting its kind and path; returns the message.
fn error(request: &str, kind: ErrorKind, path: Option<&str>) -> String {
    let body = Policy::builtin().evaluate_json(request, &RequestLimits::default()).expect_err("the request should be refused");
    assert_eq!(body.kind, kind, "{body:?}");
    assert_eq!(body.path.as_deref(), path, "{body:?}");
    body.message
}

fn with(edit: impl FnOnce(&mut Value)) -> String {
    let mut r = base();
    edit(&mut r);
    r.to_string()
}

#[test]
fn the_base_request_is_valid() {
    assert!(Policy::builtin().evaluate_json(&base().to_string(), &RequestLimits::default()).is_ok());
}

#[test]
fn malformed_json_names_where_it_broke() {
    let m = error("{\"now\": \"2026-11-30T15:00:00Z\", \"release\": {", ErrorKind::Request, Some("release"));
    assert!(m.contains("EOF"), "{m}");
    let m = error(&format!("{} trailing", base()), ErrorKind::Request, None);
    assert!(m.contains("trailing"), "{m}");
}

#[test]
fn a_missing_field_is_named_by_its_path() {
    let m = error(
        &with(|r| drop(r["release"].as_object_mut().unwrap().remove("status_since"))),
        ErrorKind::Request,
        Some("release.status_since"),
    );
    assert!(m.contains("missing field `status_since`"), "{m}");
}

#[test]
fn a_wrong_type_names_its_path() {
    let m = error(&with(|r| r["release"]["labels"] = json!("hotfix")), ErrorKind::Request, Some("release.labels"));
    assert!(m.contains("expected a sequence"), "{m}");
    error(
        &with(|r| {
            r["release"]["approvals"] = json!([{"level": "one", "approver": "quinn", "decision": "approve", "at": "2026-11-30T10:00:00Z"}])
        }),
        ErrorKind::Request,
        Some("release.approvals[0].level"),
    );
}

#[test]
fn an_unknown_key_in_any_request_object_is_refused_with_its_path() {
    let approval = json!({"level": 1, "approver": "quinn", "decision": "approve", "at": "2026-11-30T10:00:00Z"});
    let delegation = json!({"from": "dana", "to": "mia", "start": "2026-11-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"});
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: [(&str, Edit); 8] = [
        ("directroy", Box::new(|r| r["directroy"] = json!({"roles": {"qa_lead": ["quinn"]}}))),
        ("release.prority", Box::new(|r| r["release"]["prority"] = json!("critical"))),
        (
            "release.approvals[0].lvel",
            Box::new(move |r| {
                let mut a = approval.clone();
                a["lvel"] = json!(2);
                r["release"]["approvals"] = json!([a]);
            }),
        ),
        (
            "release.history[0].when",
            Box::new(|r| r["release"]["history"] = json!([{"to": "staging", "at": "2026-11-29T09:00:00Z", "when": 1}])),
        ),
        ("directory.role", Box::new(|r| r["directory"]["role"] = json!({"sre": ["sam"]}))),
        (
            "directory.delegations[0].until",
            Box::new(move |r| {
                let mut d = delegation.clone();
                d["until"] = json!("2026-12-02T00:00:00Z");
                r["directory"]["delegations"] = json!([d]);
            }),
        ),
        ("calendar.time_zone", Box::new(|r| r["calendar"] = json!({"time_zone": "Europe/Berlin"}))),
        ("transition.form", Box::new(|r| r["transition"] = json!({"from": "pending_approval", "to": "production", "form": "x"}))),
    ];
    for (path, edit) in cases {
        let key = path.rsplit('.').next().unwrap();
        let m = error(&with(edit), ErrorKind::Request, Some(path));
        assert!(m.starts_with(&format!("unknown field `{key}`, expected")), "{path}: {m}");
    }
}

#[test]
fn the_host_object_carries_the_hosts_own_data_and_changes_nothing() {
    let plain = Policy::builtin().evaluate_json(&base().to_string(), &RequestLimits::default()).unwrap();
    let hosted = with(|r| r["host"] = json!({"tenant": "acme", "trace": [1, 2, {"deep": null}]}));
    assert_eq!(Policy::builtin().evaluate_json(&hosted, &RequestLimits::default()).unwrap(), plain);
}

#[test]
fn timestamps_need_an_offset_and_a_real_date() {
    let approval = |at: &str| json!([{"level": 1, "approver": "quinn", "decision": "approve", "at": at}]);
    for bad in ["2026-11-30T10:00:00", "2026-11-30", "2026-02-30T10:00:00Z", "10000-01-01T00:00:00Z", "2026-11-30T10:00:00+25:00"] {
        let m = error(&with(|r| r["release"]["approvals"] = approval(bad)), ErrorKind::Request, Some("release.approvals[0].at"));
        assert!(m.contains("not an RFC 3339 timestamp"), "{bad}: {m}");
    }
}

#[test]
fn an_unknown_decision_is_an_error() {
    let m = error(
        &with(|r| {
            r["release"]["approvals"] = json!([{"level": 1, "approver": "quinn", "decision": "approved", "at": "2026-11-30T10:00:00Z"}])
        }),
        ErrorKind::Request,
        Some("release.approvals[0].decision"),
    );
    assert!(m.contains("unknown variant `approved`"), "{m}");
}

#[test]
fn status_and_history_must_name_states() {
    error(&with(|r| r["release"]["status"] = json!("shipped")), ErrorKind::Request, Some("release.status"));
    error(
        &with(|r| r["release"]["history"] = json!([{"to": "qa", "at": "2026-11-30T08:00:00Z"}])),
        ErrorKind::Request,
        Some("release.history[0].to"),
    );
    error(&with(|r| r["wip"] = json!({"stagin": 2})), ErrorKind::Request, Some("wip.stagin"));
}

#[test]
fn the_case_type_must_exist_and_custom_fields_must_fit_it() {
    let m = error(&with(|r| r["release"]["case_type"] = json!("Relase")), ErrorKind::Request, Some("release.case_type"));
    assert!(m.contains("Release, Hotfix, FeatureFlag, Postmortem, ChangeRequest"), "{m}");
    let m = error(
        &with(|r| r["release"]["custom_fields"]["release_type"] = json!("Major")),
        ErrorKind::Request,
        Some("release.custom_fields.release_type"),
    );
    assert!(m.contains("not one of the allowed values: major, minor, patch, hotfix"), "{m}");
    error(
        &with(|r| r["release"]["custom_fields"]["target_date"] = json!("next week")),
        ErrorKind::Request,
        Some("release.custom_fields.target_date"),
    );
    error(
        &with(|r| r["release"]["custom_fields"]["version_tag"] = json!(3)),
        ErrorKind::Request,
        Some("release.custom_fields.version_tag"),
    );
    let flag = |v: Value| {
        with(|r| {
            r["release"]["case_type"] = json!("FeatureFlag");
            r["release"]["custom_fields"] = json!({"target_segments": v});
        })
    };
    error(&flag(json!(["beta", "everyone"])), ErrorKind::Request, Some("release.custom_fields.target_segments"));
    assert!(Policy::builtin().evaluate_json(&flag(json!(["beta", "internal"])), &RequestLimits::default()).is_ok());
    // Fields the case type does not declare are the host's business.
    assert!(
        Policy::builtin().evaluate_json(&with(|r| r["release"]["custom_fields"]["ticket"] = json!(7)), &RequestLimits::default()).is_ok()
    );
}

#[test]
fn an_approval_is_for_a_level_or_a_transition() {
    error(
        &with(|r| r["release"]["approvals"] = json!([{"approver": "quinn", "decision": "approve", "at": "2026-11-30T10:00:00Z"}])),
        ErrorKind::Request,
        Some("release.approvals[0].level"),
    );
    error(
        &with(|r| {
            r["release"]["approvals"] =
                json!([{"level": 1, "transition": "production", "approver": "quinn", "decision": "approve", "at": "2026-11-30T10:00:00Z"}])
        }),
        ErrorKind::Request,
        Some("release.approvals[0].transition"),
    );
    error(
        &with(|r| {
            r["release"]["approvals"] =
                json!([{"transition": "prod", "approver": "quinn", "decision": "approve", "at": "2026-11-30T10:00:00Z"}])
        }),
        ErrorKind::Request,
        Some("release.approvals[0].transition"),
    );
}

#[test]
fn a_delegation_must_end_after_it_starts() {
    error(
        &with(|r| {
            r["directory"]["delegations"] =
                json!([{"from": "dana", "to": "mia", "start": "2026-11-30T10:00:00Z", "end": "2026-11-30T10:00:00Z"}])
        }),
        ErrorKind::Request,
        Some("directory.delegations[0].end"),
    );
}

#[test]
fn the_calendar_is_checked_part_by_part() {
    let m = error(&with(|r| r["calendar"] = json!({"timezone": "Europe/Berlinn"})), ErrorKind::Request, Some("calendar.timezone"));
    assert!(m.contains("unknown time zone"), "{m}");
    error(&with(|r| r["calendar"] = json!({"hours": "17:00-09:00"})), ErrorKind::Request, Some("calendar.hours"));
    error(&with(|r| r["calendar"] = json!({"working_days": ["mon", "funday"]})), ErrorKind::Request, Some("calendar.working_days[1]"));
    error(&with(|r| r["calendar"] = json!({"working_days": []})), ErrorKind::Request, Some("calendar.working_days"));
    error(&with(|r| r["calendar"] = json!({"holidays": ["25.12.2026"]})), ErrorKind::Request, Some("calendar.holidays[0]"));
}

#[test]
fn status_since_cannot_be_after_now() {
    error(&with(|r| r["release"]["status_since"] = json!("2026-11-30T16:00:00Z")), ErrorKind::Request, Some("release.status_since"));
}

#[test]
fn limits_are_enforced_and_configurable() {
    let approvals: Vec<Value> =
        (0..11).map(|i| json!({"level": 1, "approver": format!("u{i}"), "decision": "approve", "at": "2026-11-30T10:00:00Z"})).collect();
    let request = with(|r| r["release"]["approvals"] = json!(approvals));
    let tight = RequestLimits { max_approvals: 10, ..RequestLimits::default() };
    let body = Policy::builtin().evaluate_json(&request, &tight).unwrap_err();
    assert_eq!((body.kind, body.path.as_deref()), (ErrorKind::Limit, Some("release.approvals")));
    assert!(Policy::builtin().evaluate_json(&request, &RequestLimits::default()).is_ok());

    let small = RequestLimits { max_request_bytes: 64, ..RequestLimits::default() };
    let body = Policy::builtin().evaluate_json(&base().to_string(), &small).unwrap_err();
    assert_eq!(body.kind, ErrorKind::Limit);
}

#[test]
fn deeply_nested_json_is_refused_not_a_stack_overflow() {
    let deep = format!("[{}{}]", "[".repeat(100_000), "]".repeat(100_000));
    let request = with(|r| r["release"]["custom_fields"]["notes"] = json!("PLACEHOLDER")).replace("\"PLACEHOLDER\"", &deep);
    let body = Policy::builtin().evaluate_json(&request, &RequestLimits::default()).unwrap_err();
    assert_eq!(body.kind, ErrorKind::Request);
    assert!(body.message.contains("recursion limit exceeded"), "{body:?}");
    // A nested list where a timestamp belongs fails on its type before any depth is reached.
    let m = error(&format!("{{\"now\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000)), ErrorKind::Request, Some("now"));
    assert!(m.contains("expected an RFC 3339 timestamp"), "{m}");
}

#[test]
fn a_batch_answers_each_request_in_its_place_and_a_bad_one_as_its_error() {
    let policy = Policy::builtin();
    let limits = RequestLimits::default();
    let good = base().to_string();
    let single: Value = serde_json::from_str(&policy.evaluate_json(&good, &limits).unwrap()).unwrap();
    let bad = with(|r| r["release"]["status"] = json!("shipped"));
    // Objects, a request given as JSON text, and a bad request in the middle.
    let batch = format!("[{good}, {bad}, {}]", Value::from(good.clone()));
    let answers: Value = serde_json::from_str(&policy.evaluate_many_json(&batch, &limits).unwrap()).unwrap();
    assert_eq!(answers[0], single);
    assert_eq!(answers[1]["error"]["path"], "release.status");
    assert_eq!(answers[2], single, "a string element is request JSON");
    assert_eq!(answers.as_array().unwrap().len(), 3);
    // Not an array at all: the batch itself is refused.
    assert_eq!(policy.evaluate_many_json(&good, &limits).unwrap_err().kind, ErrorKind::Request);
    assert_eq!(policy.evaluate_many_json("[]", &limits).unwrap(), "[]");
    // 50,000 tiny bad requests: each answers its error, in bounded memory.
    let many = format!("[{}1]", "1,".repeat(49_999));
    let answers: Value = serde_json::from_str(&policy.evaluate_many_json(&many, &limits).unwrap()).unwrap();
    assert_eq!(answers.as_array().unwrap().len(), 50_000);
    assert_eq!(answers[49_999]["error"]["kind"], "request");
}
