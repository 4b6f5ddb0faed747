//! The hostile-input corpus: inputs a sandboxed plugin must survive, each with the structured error
//! it must answer (kind, path or file and line, and what the message says), or — for definitions that
//! loop — a bounded answer. The guard on every bad request denies (fail closed).
#![cfg(not(target_arch = "wasm32"))]

use release_policy::{ErrorBody, ErrorKind, LoadOptions, PackFile, Policy, RequestLimits, builtin_files, validate};
use serde_json::{Value, json};

const SAMPLE: &str = include_str!("../examples/pending-release.json");

fn sample() -> Value {
    serde_json::from_str(SAMPLE).unwrap()
}

fn with(edit: impl FnOnce(&mut Value)) -> String {
    let mut v = sample();
    edit(&mut v);
    v.to_string()
}

/// What a hostile request must answer.
struct Expect {
    kind: ErrorKind,
    path: Option<&'static str>,
    says: &'static str,
}

fn expect(kind: ErrorKind, path: Option<&'static str>, says: &'static str) -> Expect {
    Expect { kind, path, says }
}

fn check_request(name: &str, input: &str, limits: &RequestLimits, want: &Expect) {
    let policy = Policy::builtin();
    let error: ErrorBody = policy.evaluate_json(input, limits).expect_err(name);
    assert_eq!(error.kind, want.kind, "{name}: {error:?}");
    assert_eq!(error.path.as_deref(), want.path, "{name}: {error:?}");
    assert!(error.message.contains(want.says), "{name}: `{}` does not say `{}`", error.message, want.says);
    // The same error from timeline; the guard denies with it (fail closed), never allows.
    assert_eq!(policy.timeline_json(input, limits).expect_err(name), error, "{name}");
    let deny = policy.guard_json(input, limits).expect_err(name);
    let deny: Value = serde_json::from_str(&deny).unwrap();
    assert_eq!(deny["status"], "deny", "{name}");
    assert!(deny["message"].as_str().unwrap().contains(want.says), "{name}: {deny}");
}

#[test]
fn malformed_and_truncated_json() {
    let d = RequestLimits::default();
    check_request("not JSON", "release: yes", &d, &expect(ErrorKind::Request, None, "expected value"));
    check_request("empty", "", &d, &expect(ErrorKind::Request, None, "EOF"));
    let half = &SAMPLE[..SAMPLE.len() / 2];
    check_request("truncated", half, &d, &expect(ErrorKind::Request, Some("release.approvals[1]"), "EOF"));
    check_request("trailing garbage", &format!("{SAMPLE} {{"), &d, &expect(ErrorKind::Request, None, "trailing characters"));
    check_request(
        "a lone surrogate",
        &with(|r| r["release"]["title"] = json!("x")).replace("\"x\"", "\"\\ud800\""),
        &d,
        &expect(ErrorKind::Request, Some("release.title"), "hex escape"),
    );
}

#[test]
fn wrong_types_at_every_level() {
    let d = RequestLimits::default();
    let cases: Vec<(&str, String, &str)> = vec![
        ("the request", "[]".to_owned(), ""),
        ("now", with(|r| r["now"] = json!(5)), "now"),
        ("release", with(|r| r["release"] = json!([])), "release"),
        ("release.id", with(|r| r["release"]["id"] = json!(42)), "release.id"),
        ("release.labels", with(|r| r["release"]["labels"] = json!("breaking-change")), "release.labels"),
        ("release.custom_fields", with(|r| r["release"]["custom_fields"] = json!(["major"])), "release.custom_fields"),
        ("release.approvals", with(|r| r["release"]["approvals"] = json!({})), "release.approvals"),
        ("release.approvals[0].level", with(|r| r["release"]["approvals"][0]["level"] = json!("one")), "release.approvals[0].level"),
        (
            "release.approvals[1].decision",
            with(|r| r["release"]["approvals"][1]["decision"] = json!("approved")),
            "release.approvals[1].decision",
        ),
        ("release.history", with(|r| r["release"]["history"] = json!([{"to": 3, "at": "2026-11-27T09:00:00Z"}])), "release.history[0].to"),
        ("directory.roles", with(|r| r["directory"]["roles"] = json!([])), "directory.roles"),
        ("directory.roles.qa_lead", with(|r| r["directory"]["roles"]["qa_lead"] = json!("quinn")), "directory.roles.qa_lead"),
        ("directory.delegations[0].end", with(|r| r["directory"]["delegations"][0]["end"] = json!(null)), "directory.delegations[0].end"),
        ("calendar.working_days", with(|r| r["calendar"]["working_days"] = json!("mon")), "calendar.working_days"),
        ("wip.staging", with(|r| r["wip"]["staging"] = json!(-1)), "wip.staging"),
        ("transition", with(|r| r["transition"] = json!("production")), "transition"),
    ];
    for (name, input, path) in cases {
        let error = Policy::builtin().evaluate_json(&input, &d).expect_err(name);
        assert_eq!(error.kind, ErrorKind::Request, "{name}: {error:?}");
        assert_eq!(error.path.as_deref().unwrap_or(""), path, "{name}: {error:?}");
        assert!(
            error.message.contains("invalid type")
                || error.message.contains("expected")
                || error.message.contains("unknown variant")
                || error.message.contains("a request is a JSON object"),
            "{name}: {}",
            error.message
        );
    }
}

#[test]
fn timestamps_without_an_offset_or_out_of_range() {
    let d = RequestLimits::default();
    for (bad, says) in [
        ("2026-11-27T09:00:00", "RFC 3339"),
        ("2026-11-27 09:00:00Z", "RFC 3339"),
        ("10000-01-01T00:00:00Z", "RFC 3339"),
        ("2026-02-30T00:00:00Z", "RFC 3339"),
        ("2026-11-27T25:00:00Z", "RFC 3339"),
        ("-2026-11-27T09:00:00Z", "RFC 3339"),
        ("2026-11-27T09:00:00+25:00", "RFC 3339"),
    ] {
        let input = with(|r| r["release"]["status_since"] = json!(bad));
        check_request(bad, &input, &d, &expect(ErrorKind::Request, Some("release.status_since"), says));
    }
}

#[test]
fn nesting_ten_thousand_deep_is_refused_without_a_stack_overflow() {
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let input = with(|r| r["release"]["custom_fields"]["notes"] = json!("DEEP")).replace("\"DEEP\"", &deep);
    let error = Policy::builtin().evaluate_json(&input, &RequestLimits::default()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Request);
    assert!(error.message.contains("recursion limit"), "{}", error.message);
}

#[test]
fn huge_strings_and_100k_approvals_hit_the_limits() {
    let d = RequestLimits::default();
    let huge = with(|r| r["release"]["title"] = json!("x".repeat(2 << 20)));
    check_request("a 2 MiB title", &huge, &d, &expect(ErrorKind::Limit, None, "the limit is 1048576 bytes"));

    let approval = json!({"level": 1, "approver": "quinn", "decision": "approve", "at": "2026-11-27T10:00:00Z"});
    let many = with(|r| r["release"]["approvals"] = Value::Array(vec![approval; 100_000]));
    check_request("100k approvals", &many, &d, &expect(ErrorKind::Limit, None, "bytes; the limit is"));
    let roomy = RequestLimits { max_request_bytes: 64 << 20, ..RequestLimits::default() };
    check_request(
        "100k approvals, room for the bytes",
        &many,
        &roomy,
        &expect(ErrorKind::Limit, Some("release.approvals"), "100000 approvals; the limit is 10000"),
    );
}

#[test]
fn duplicate_keys_are_refused_wherever_they_are() {
    let d = RequestLimits::default();
    let dup = |from: &str, to: &str| SAMPLE.replacen(from, to, 1);
    let twice_status = dup("\"status\": \"pending_approval\",", "\"status\": \"pending_approval\", \"status\": \"production\",");
    check_request("release.status twice", &twice_status, &d, &expect(ErrorKind::Request, Some("release"), "duplicate field `status`"));
    let twice_type = dup("\"release_type\": \"major\",", "\"release_type\": \"major\", \"release_type\": \"minor\",");
    check_request(
        "a custom field twice",
        &twice_type,
        &d,
        &expect(ErrorKind::Request, Some("release.custom_fields"), "duplicate key `release_type`"),
    );
    let twice_role = dup("\"qa_lead\": [", "\"qa_lead\": [], \"qa_lead\": [");
    check_request("a role twice", &twice_role, &d, &expect(ErrorKind::Request, Some("directory.roles"), "duplicate key `qa_lead`"));
    let twice_wip = dup("\"staging\": 2", "\"staging\": 2, \"staging\": 0");
    check_request("a WIP count twice", &twice_wip, &d, &expect(ErrorKind::Request, Some("wip"), "duplicate key `staging`"));
}

#[test]
fn non_utf8_bytes_are_refused_at_every_door() {
    // The library takes text; the doors that take bytes — the CLI and the plugin — check it.
    let mut bytes = SAMPLE.as_bytes().to_vec();
    let at = SAMPLE.find("Release v3").unwrap();
    bytes[at] = 0xff;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_release-policy"))
        .arg("evaluate")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "request");
    assert!(json["error"]["message"].as_str().unwrap().contains("not UTF-8"), "{json}");
}

fn pack_error(files: &[PackFile]) -> ErrorBody {
    match validate(files, &LoadOptions::default()) {
        release_policy::ValidationReport::Invalid { error, .. } => error,
        release_policy::ValidationReport::Valid { .. } => panic!("the pack loaded"),
    }
}

fn replaced(file: &str, edit: impl FnOnce(&str) -> String) -> Vec<PackFile> {
    let mut files = builtin_files();
    let target = files.iter_mut().find(|f| f.path == file).expect("a file of the built-in pack");
    target.text = edit(&target.text);
    files
}

#[test]
fn malformed_truncated_and_mistyped_yaml() {
    let error = pack_error(&replaced("workflows/release.yaml", |t| format!("{t}\nextra: [unclosed\n")));
    assert_eq!((error.kind, error.file.as_deref()), (ErrorKind::Definitions, Some("workflows/release.yaml")));
    assert!(error.line.unwrap() > 200, "{error:?}");

    let text = builtin_files().into_iter().find(|f| f.path == "workflows/release.yaml").unwrap().text;
    let cut = text.find("        - level: 3").unwrap();
    let error = pack_error(&replaced("workflows/release.yaml", |t| t[..cut + 20].to_owned()));
    assert_eq!(error.file.as_deref(), Some("workflows/release.yaml"), "{error:?}");
    assert!(error.line.is_some_and(|l| l > 0));

    let error = pack_error(&replaced("workflows/release.yaml", |t| t.replacen("timeout: 4h", "timeout: [4h]", 1)));
    assert!(error.message.contains("duration"), "{error:?}");
    let error = pack_error(&replaced("case_types.yaml", |t| t.replacen("case_types:", "case_types: 5\nignored:", 1)));
    assert_eq!(error.file.as_deref(), Some("case_types.yaml"), "{error:?}");
}

#[test]
fn durations_that_overflow_are_refused() {
    for bad in ["99999999999999999999d", "18446744073709551616s", "3661d", "P99999999W", "P99999999999999999999D"] {
        let error = pack_error(&replaced("workflows/release.yaml", |t| t.replacen("timeout: 4h", &format!("timeout: {bad}"), 1)));
        assert_eq!(error.kind, ErrorKind::Definitions, "{bad}");
        assert!(error.message.contains("longer than ten years"), "{bad}: {}", error.message);
        assert_eq!(error.file.as_deref(), Some("workflows/release.yaml"));
    }
}

#[test]
fn yaml_anchor_bombs_and_deep_nesting_stop_at_the_limits() {
    let mut laughs = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        laughs.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
    }
    let error = pack_error(&replaced("workspace.yaml", |t| format!("{t}\n{laughs}")));
    assert!(error.message.contains("nodes"), "{}", error.message);

    let deep = format!("deep: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let error = pack_error(&replaced("workspace.yaml", |t| format!("{t}\n{deep}")));
    assert!(error.message.contains("recursion limit") || error.message.contains("nest"), "{}", error.message);
}

#[test]
fn self_referencing_definitions_answer_within_bounds() {
    // Transitions in a loop (production → pending_approval, a self-loop on pending_approval) and a
    // recipe that skips every level, its own trigger level included: the answer is computed, not chased.
    let files = replaced("workflows/release.yaml", |t| {
        t.replacen(
            "  - from: production\n    to: completed",
            "  - from: production\n    to: pending_approval\n    name: Again\n  - from: pending_approval\n    to: pending_approval\n    name: Stay\n  - from: production\n    to: completed",
            1,
        )
    });
    let files: Vec<PackFile> = files
        .into_iter()
        .map(|f| {
            if f.path.ends_with("hotfix_fast_track.yaml") {
                PackFile::new(f.path.clone(), f.text.replace("skip_levels: [3, 4]", "skip_levels: [1, 2, 3, 4]"))
            } else {
                f
            }
        })
        .collect();
    let policy = Policy::from_pack(&files).expect("a looping workflow is still a workflow");
    let hotfix = with(|r| {
        r["release"]["case_type"] = json!("Hotfix");
        r["release"]["custom_fields"] = json!({"severity": "critical", "version_tag": "v1"});
        r["release"]["approvals"] = json!([]);
    });
    let answer: Value = serde_json::from_str(&policy.evaluate_json(&hotfix, &RequestLimits::default()).unwrap()).unwrap();
    assert_eq!(answer["chain"]["state"], "approved", "every level skipped: nothing to wait for");
    assert!(answer["chain"]["levels"].as_array().unwrap().iter().all(|l| l["state"] == "skipped"));
    let timeline: Value = serde_json::from_str(&policy.timeline_json(&hotfix, &RequestLimits::default()).unwrap()).unwrap();
    assert!(timeline["events"].as_array().unwrap().len() <= 4, "{timeline}");
    let stay = with(|r| r["transition"] = json!({"from": "pending_approval", "to": "pending_approval"}));
    let guard: Value = serde_json::from_str(&policy.guard_json(&stay, &RequestLimits::default()).unwrap()).unwrap();
    assert_eq!(guard["status"], "allow", "{guard}");
}
