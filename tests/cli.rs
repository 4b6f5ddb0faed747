//! The `release-policy` command as a user meets it: JSON on stdout, exit 0 / 2 / 1.
#![cfg(not(target_arch = "wasm32"))] // native-only: files, processes, the upstream pack on disk

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

fn run(args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_release-policy")).args(args).output().expect("run release-policy");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stdout)
}

/// A copy of the upstream pack with one text replaced, under a temporary `.kiket/` folder.
fn broken_upstream(file: &str, from: &str, to: &str) -> (tempfile::TempDir, (u32, u32)) {
    let files = mutate(upstream_files(), file, from, to);
    let dir = tempfile::tempdir().expect("tempdir");
    for f in &files {
        let path = dir.path().join(".kiket").join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &f.text).unwrap();
    }
    let at = position(&files, file, to);
    (dir, at)
}

#[test]
fn validate_accepts_the_upstream_pack_unchanged() {
    let dir = upstream_dir();
    let (code, json, out) = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(json["ok"], true);
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(3), "{out}");
}

#[test]
fn validate_without_a_directory_checks_the_built_in_pack() {
    let (code, json, out) = run(&["validate"]);
    assert_eq!((code, &json["ok"]), (0, &Value::Bool(true)), "{out}");
}

#[test]
fn validate_finds_the_pack_under_a_kiket_folder_or_directly() {
    let upstream = upstream_dir();
    let repo = upstream.parent().unwrap();
    assert_eq!(run(&["validate", repo.to_str().unwrap()]).0, 0, "DIR holding .kiket/");
    assert_eq!(run(&["validate", "--definitions", upstream.to_str().unwrap()]).0, 0, "--definitions DIR");
}

#[test]
fn each_broken_copy_of_upstream_exits_2_with_file_and_line() {
    const WF: &str = "workflows/release.yaml";
    const FAST: &str = "workflows/release/automation_recipes/hotfix_fast_track.yaml";
    let cases = [
        ("unknown operator", WF, "operator: contains", "operator: containz", "unknown operator `containz`"),
        (
            "undefined target state",
            WF,
            "    to: completed\n    name: Verify",
            "    to: shipped\n    name: Verify",
            "unknown state `shipped`",
        ),
        ("bad duration", WF, "timeout: 24h", "timeout: 24 hours", "`24 hours` is not a duration"),
        ("YAML syntax error", WF, "name: Technical Approval", "name: Technical: Approval", "YAML syntax"),
        ("missing level in skip_levels", FAST, "skip_levels: [3, 4]", "skip_levels: [3, 7]", "there is no level 7"),
        ("duplicate level", WF, "- level: 4", "- level: 2", "duplicate level 2"),
    ];
    for (name, file, from, to, message) in cases {
        let (dir, (line, _)) = broken_upstream(file, from, to);
        let (code, json, out) = run(&["validate", dir.path().to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {out}");
        let error = &json["error"];
        assert_eq!(error["kind"], "definitions", "{name}: {out}");
        assert_eq!(error["file"], file, "{name}: {out}");
        assert!(error["message"].as_str().unwrap_or("").contains(message), "{name}: {out}");
        let reported = error["line"].as_u64().unwrap_or(0) as u32;
        if name == "duplicate level" {
            assert!(reported > line, "{name}: reported at the second level 2: {out}");
        } else {
            assert_eq!(reported, line, "{name}: {out}");
        }
        assert!(error["column"].as_u64().unwrap_or(0) > 0, "{name}: {out}");
        assert!(!error["errors"].as_array().is_none_or(Vec::is_empty), "{name}: every error is listed: {out}");
    }
}

#[test]
fn a_missing_directory_or_a_non_utf8_file_is_bad_input() {
    let (code, json, out) = run(&["validate", "/nonexistent/pack"]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(json["error"]["kind"], "definitions");

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("workflows")).unwrap();
    std::fs::write(dir.path().join("workflows/release.yaml"), b"states: \xff\xfe\n").unwrap();
    let (code, json, out) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(json["error"]["file"], "workflows/release.yaml");
    assert!(json["error"]["message"].as_str().unwrap().contains("not UTF-8"), "{out}");
}

const HISTORY: &[&str] = &[
    r#"{"id": "A", "case_type": "Release", "status": "completed", "status_since": "2026-11-21T10:00:00Z", "custom_fields": {"release_type": "minor"}, "history": [{"to": "development", "at": "2026-11-19T10:00:00Z"}, {"to": "production", "at": "2026-11-20T10:00:00Z"}, {"to": "completed", "at": "2026-11-21T10:00:00Z"}]}"#,
    r#"{"id": "B", "case_type": "Release", "status": "rollback", "status_since": "2026-11-22T10:00:00Z", "custom_fields": {"release_type": "patch"}, "history": [{"to": "production", "at": "2026-11-22T09:00:00Z"}, {"to": "rollback", "at": "2026-11-22T10:00:00Z"}]}"#,
    r#"{"id": "C", "case_type": "Release", "status": "pending_approval", "status_since": "2026-11-27T01:00:00Z", "custom_fields": {"release_type": "patch"}}"#,
];

#[test]
fn analyze_reads_json_lines_with_now_and_the_object_form_alike() {
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("history.jsonl");
    std::fs::write(&lines, HISTORY.join("\n") + "\n").unwrap();
    let (code, by_lines, out) = run(&["analyze", lines.to_str().unwrap(), "--now", "2026-11-27T12:00:00Z"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(by_lines["rollback_rate"], 50.0, "{out}");
    assert_eq!(by_lines["releases"], 3);
    assert_eq!(by_lines["pending_approvals"][0]["release_id"], "C");
    let stale = by_lines["alerts"].as_array().unwrap().iter().find(|a| a["id"] == "stale_pending_approval").unwrap();
    assert_eq!((stale["value"].as_f64(), stale["firing"].as_bool()), (Some(11.0), Some(true)));

    let object = format!(r#"{{"now": "2026-11-27T12:00:00Z", "releases": [{}]}}"#, HISTORY.join(","));
    let (code, by_object, out) = run_with_stdin(&["analyze", "-"], &object);
    assert_eq!(code, 0, "{out}");
    assert_eq!(by_object, by_lines);

    // JSON Lines need a time; the error says how to give it.
    let (code, json, out) = run(&["analyze", lines.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(json["error"]["message"].as_str().unwrap().contains("--now"), "{out}");
}

#[test]
fn analyze_fails_on_a_malformed_release_with_its_index_or_skips_it_when_asked() {
    let mut lines: Vec<String> = HISTORY.iter().map(|l| (*l).to_owned()).collect();
    lines.insert(1, r#"{"id": "X", "case_type": "Release", "status": "shipped", "status_since": "2026-11-22T10:00:00Z"}"#.to_owned());
    let input = lines.join("\n");
    let (code, json, out) = run_with_stdin(&["analyze", "--jsonl", "--now", "2026-11-27T12:00:00Z"], &input);
    assert_eq!(code, 2, "{out}");
    assert_eq!(json["error"]["path"], "releases[1].status", "{out}");
    assert!(json["error"]["message"].as_str().unwrap().contains("unknown state `shipped`"), "{out}");

    let (code, json, out) = run_with_stdin(&["analyze", "--jsonl", "--skip-invalid", "--now", "2026-11-27T12:00:00Z"], &input);
    assert_eq!(code, 0, "{out}");
    assert_eq!((json["releases"].as_u64(), json["skipped"].as_u64()), (Some(3), Some(1)));
    assert_eq!(json["skipped_errors"][0]["index"], 1);
}

#[test]
fn analyze_splits_long_json_lines_across_threads_with_the_same_answer_and_the_first_error() {
    // About 2.5 MB: several blocks of lines, dealt to every core.
    let lines: Vec<String> = (0..9000).map(|i| HISTORY[i % 3].replacen("\"id\": \"", &format!("\"id\": \"{i}-"), 1)).collect();
    let object = format!(r#"{{"now": "2026-11-27T12:00:00Z", "releases": [{}]}}"#, lines.join(","));
    let (code, by_object, out) = run_with_stdin(&["analyze", "--compact"], &object);
    assert_eq!(code, 0, "{out}");
    assert_eq!(by_object["releases"], 9000);
    let (code, by_lines, out) = run_with_stdin(&["analyze", "--compact", "--jsonl", "--now", "2026-11-27T12:00:00Z"], &lines.join("\n"));
    assert_eq!(code, 0, "{out}");
    assert_eq!(by_lines, by_object);

    // Two malformed releases far apart: the one with the lower index is reported.
    let mut broken = lines.clone();
    // Lines 3, 6, 9… are the first HISTORY release, whose status is `completed`.
    broken[6999] = broken[6999].replace("\"status\": \"completed\"", "\"status\": \"shipped\"");
    broken[3999] = broken[3999].replace("\"status\": \"completed\"", "\"status\": \"shipped\"");
    assert_ne!(broken[3999], lines[3999]);
    let (code, json, out) = run_with_stdin(&["analyze", "--jsonl", "--now", "2026-11-27T12:00:00Z"], &broken.join("\n"));
    assert_eq!(code, 2, "{out}");
    assert_eq!(json["error"]["path"], "releases[3999].status", "{out}");
}

#[test]
fn analyze_streams_the_object_form_so_now_must_come_first() {
    let object = format!(r#"{{"releases": [{}], "now": "2026-11-27T12:00:00Z"}}"#, HISTORY.join(","));
    let (code, json, out) = run_with_stdin(&["analyze"], &object);
    assert_eq!(code, 2, "{out}");
    assert_eq!(json["error"]["path"], "now");
    assert!(json["error"]["message"].as_str().unwrap().contains("must come before `releases`"), "{out}");
    // --now lets it through.
    let (code, json, out) = run_with_stdin(&["analyze", "--now", "2026-11-27T12:00:00Z"], &object);
    assert_eq!(code, 0, "{out}");
    assert_eq!(json["releases"], 3);
}

fn run_with_stdin(args: &[&str], input: &str) -> (i32, Value, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_release-policy"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().expect("wait");
    let stdout = String::from_utf8(out.stdout).unwrap();
    (out.status.code().unwrap_or(-1), serde_json::from_str(&stdout).unwrap_or(Value::Null), stdout)
}

const REQUEST: &str = r#"{"now": "2026-11-30T11:30:00Z", "release": {"id": "REL-9", "case_type": "Release",
  "status": "pending_approval", "status_since": "2026-11-30T09:00:00Z", "requested_by": "alice",
  "custom_fields": {"release_type": "minor"}},
  "directory": {"roles": {"qa_lead": ["quinn"]}}, "transition": {"from": "pending_approval", "to": "production"}}"#;

#[test]
fn evaluate_guard_and_timeline_answer_the_spec_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("request.json");
    std::fs::write(&file, REQUEST).unwrap();
    let file = file.to_str().unwrap();

    let (code, json, out) = run(&["evaluate", file]);
    assert_eq!(code, 0, "{out}");
    for key in ["release_id", "status", "chain", "escalation", "sla", "recipes", "transitions", "audit", "warnings", "wake_at"] {
        assert!(json.get(key).is_some(), "evaluate answer lacks `{key}`: {out}");
    }
    assert!(out.find("\"release_id\"").unwrap() < out.find("\"wake_at\"").unwrap(), "fields keep the contract's order");
    assert_eq!(json["chain"]["current_level"], 1);

    let (code, json, out) = run(&["guard", file]);
    assert_eq!((code, json["status"].as_str()), (0, Some("pending")), "{out}");

    let (code, json, out) = run_with_stdin(&["timeline", "-"], REQUEST);
    assert_eq!(code, 0, "{out}");
    assert_eq!(json["events"][0]["kind"], "escalation", "{out}");

    let (code, _, out) = run(&["evaluate", file, "--definitions", upstream_dir().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn bad_requests_exit_2_with_a_structured_error_and_guards_still_deny() {
    let bad = REQUEST.replace("\"2026-11-30T09:00:00Z\"", "\"2026-11-30 09:00\"");
    let (code, json, out) = run_with_stdin(&["evaluate"], &bad);
    assert_eq!(code, 2, "{out}");
    assert_eq!(json["error"]["path"], "release.status_since", "{out}");

    let (code, json, out) = run_with_stdin(&["guard"], &bad);
    assert_eq!(code, 2, "{out}");
    assert_eq!(json["status"], "deny", "a bad guard request still answers deny: {out}");

    let (code, json, out) = run_with_stdin(&["evaluate"], "{not json");
    assert_eq!((code, json["error"]["kind"].as_str()), (2, Some("request")), "{out}");

    let (code, json, out) = run_with_stdin(&["evaluate", "--max-request-bytes", "100"], REQUEST);
    assert_eq!((code, json["error"]["kind"].as_str()), (2, Some("limit")), "{out}");

    let (code, json, out) = run(&["validate", "--max-definitions-bytes", "1000"]);
    assert_eq!(code, 2, "{out}");
    assert!(json["error"]["message"].as_str().unwrap().contains("the limit is 1000 bytes"), "{out}");
    let (code, json, out) = run(&["validate", "--max-condition-depth", "1"]);
    assert_eq!(code, 2, "{out}");
    assert!(json["error"]["message"].as_str().unwrap().contains("nested deeper than 1"), "{out}");
}

#[test]
fn usage_mistakes_exit_2() {
    for args in [&["frobnicate"][..], &["validate", "a", "b"], &["validate", "--bogus"], &[]] {
        let (code, json, out) = run(args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(json["error"]["message"].as_str().unwrap().contains("--help"), "{args:?}: {out}");
    }
    let (code, _, out) = run(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("validate [PACK_DIR]"));
}

#[test]
fn schema_prints_every_kind_or_writes_one_file_per_kind() {
    let (code, json, out) = run(&["schema"]);
    assert_eq!(code, 0, "{out}");
    let kinds: Vec<&str> = json.as_object().expect("an object").keys().map(String::as_str).collect();
    for kind in ["workflow", "automation_recipe", "case_types", "workspace", "dashboard", "board"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
        assert_eq!(json[kind]["$schema"], "https://json-schema.org/draft/2020-12/schema");
    }
    let dir = tempfile::tempdir().unwrap();
    let (code, written, out) = run(&["schema", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(written["written"].as_array().map(Vec::len), Some(kinds.len()));
    let file = std::fs::read_to_string(dir.path().join("workflow.schema.json")).expect("workflow.schema.json");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&file).unwrap(), json["workflow"]);
    assert_eq!(run(&["schema", "extra"]).0, 2, "a stray argument is a usage mistake");
}

#[test]
fn install_writes_the_built_in_pack_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().to_str().unwrap();
    let (code, json, out) = run(&["install", target]);
    assert_eq!(code, 0, "{out}");
    let tests = release_policy::authoring::test::BUILTIN_TESTS.len();
    let schemas = release_policy::authoring::schema::KINDS.len();
    assert_eq!(json["files"].as_array().map(Vec::len), Some(release_policy::BUILTIN_FILES.len() + tests + schemas));
    assert!(Path::new(target).join(".kiket/workflows/release.yaml").is_file());
    let schema = std::fs::read_to_string(Path::new(target).join(".kiket/schemas/workflow.schema.json")).expect("the editor schema");
    assert!(schema.contains("\"approval_chain\""), "the workflow schema describes approval chains");
    let editor = &json["editor"]["yaml.schemas"];
    let workflow_schema = format!("{target}/.kiket/schemas/workflow.schema.json");
    assert_eq!(editor[&workflow_schema][0], format!("{target}/.kiket/workflows/*.yaml"), "the editor set-up: {editor}");
    assert_eq!(run(&["validate", target]).0, 0, "the installed pack validates");
    let (code, _, out) = run(&["test", "--definitions", target]);
    assert_eq!(
        (code, out.lines().last()),
        (0, Some(format!("{tests_run} passed, 0 failed", tests_run = builtin_test_count()).as_str())),
        "{out}"
    );

    let (code, json, out) = run(&["install", target]);
    assert_eq!(code, 2, "{out}");
    assert!(json["error"]["message"].as_str().unwrap().contains("refusing to overwrite"), "{out}");
    assert_eq!(run(&["install", target, "--force"]).0, 0);
}

#[test]
fn describe_summarises_the_chain_for_people() {
    let (code, _, out) = run(&["describe"]);
    assert_eq!(code, 0, "{out}");
    for expected in [
        "Approval chain on pending_approval → production",
        "1. QA Verification",
        "engineering: any of role engineering_lead  AND  sre: all of role sre",
        "when priority = critical OR labels contains breaking-change",
        "after 2d   auto_approve \"Auto-approved due to timeout - no response within SLA\"",
        "hotfix_fast_track (case.updated)",
        "skip levels 3, 4; timeouts at most 1h; add role sre_oncall to level 1",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
}

/// `compile` needs the plain plugin module built in (`make pkg` builds it and sets
/// `RELEASE_POLICY_PLAIN_MODULE`; `make test` runs this after it).
#[test]
fn compile_writes_a_module_holding_the_upstream_pack_and_reports_it() {
    let dir = upstream_dir();
    let out = tempfile::tempdir().unwrap();
    let (full, lean) = (out.path().join("policy.wasm"), out.path().join("lean.wasm"));
    let (code, json, text) = run(&["compile", dir.to_str().unwrap(), "-o", full.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    let written = std::fs::read(&full).unwrap();
    assert!(written.starts_with(b"\0asm"), "not a WebAssembly module");
    assert_eq!(json["bytes"], written.len());
    assert_eq!(json["loader"], true);
    let (_, validated, _) = run(&["validate", dir.to_str().unwrap()]);
    assert_eq!(json["warnings"], validated["warnings"], "compile reports the pack's warnings as validate does");

    let (code, json, text) = run(&["compile", "--definitions", dir.to_str().unwrap(), "--no-load", "--output", lean.to_str().unwrap()]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(json["loader"], false);
    assert!(std::fs::read(&lean).unwrap().len() < written.len(), "--no-load leaves the loader out");
}

#[test]
fn compile_refuses_a_broken_pack_with_validates_report_and_writes_nothing() {
    let (dir, _) = broken_upstream("workflows/release.yaml", "approval_chain:", "approval_chian:");
    let out = dir.path().join("policy.wasm");
    let (code, json, text) = run(&["compile", dir.path().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 2, "{text}");
    let (_, validated, _) = run(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(json, validated);
    assert!(!out.exists(), "a refused pack leaves no module behind");
    assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains("partial")));
}

#[test]
fn compile_from_a_file_that_is_not_a_plain_plugin_module_is_an_internal_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (bogus, out) = (dir.path().join("bogus.wasm"), dir.path().join("policy.wasm"));
    std::fs::write(&bogus, b"\0asm\x01\0\0\0").unwrap();
    let (code, json, text) = run(&["compile", "--module", bogus.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 1, "{text}");
    assert_eq!(json["error"]["kind"], "internal");
    assert!(json["error"]["message"].as_str().unwrap().starts_with("cannot compile the module"), "{text}");
    assert!(!out.exists());
}

/// How many tests the built-in pack's `tests/` folder holds.
fn builtin_test_count() -> usize {
    release_policy::authoring::test::BUILTIN_TESTS
        .iter()
        .map(|(path, text)| release_policy::authoring::test::read(&release_policy::PackFile::new(*path, *text)).unwrap().len())
        .sum()
}

/// A pack folder (the upstream release pack) with `tests/<name>` holding `text`.
fn pack_with_test(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in upstream_files() {
        let path = dir.path().join(".kiket").join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &f.text).unwrap();
    }
    std::fs::create_dir_all(dir.path().join(".kiket/tests")).unwrap();
    std::fs::write(dir.path().join(".kiket/tests").join(name), text).unwrap();
    dir
}

/// One line, so that it can stand in a YAML flow mapping.
const MINOR_REQUEST: &str = r#"{"now": "2026-11-27T15:00:00Z", "release": {"id": "R-1", "case_type": "Release", "status": "pending_approval", "status_since": "2026-11-27T09:00:00Z", "priority": "low", "custom_fields": {"release_type": "minor"}}}"#;

#[test]
fn test_runs_the_built_in_packs_own_tests_and_they_pass() {
    let (code, _, out) = run(&["test"]);
    assert_eq!(code, 0, "{out}");
    assert!(builtin_test_count() >= 8);
    assert_eq!(out.lines().last(), Some(format!("{} passed, 0 failed", builtin_test_count()).as_str()), "{out}");
    assert!(out.lines().all(|l| !l.starts_with("FAIL")), "{out}");
}

#[test]
fn a_failing_test_names_the_first_differing_path_with_expected_and_actual_and_exits_1() {
    let test = format!(
        "- name: minor releases skip the director\n  request: {MINOR_REQUEST}\n  expect: {{chain: {{levels: [{{level: 4, state: waiting}}]}}}}\n"
    );
    let dir = pack_with_test("chain.yaml", &test);
    let (code, _, out) = run(&["test", "--definitions", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL minor releases skip the director (") && out.contains("chain.yaml:1)"), "{out}");
    assert!(out.contains("evaluate: chain.levels[level=4].state"), "{out}");
    assert!(out.contains("expected \"waiting\"") && out.contains("actual   \"skipped\""), "{out}");
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");

    let (code, json, out) = run(&["test", "--definitions", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    let failure = &json["tests"][0]["failure"];
    assert_eq!(
        (&failure["path"], &failure["expected"], &failure["actual"]),
        (&Value::from("chain.levels[level=4].state"), &Value::from("waiting"), &Value::from("skipped"))
    );
}

#[test]
fn a_test_naming_an_unknown_level_fails_at_that_level() {
    let request: Value = serde_json::from_str(MINOR_REQUEST).unwrap();
    let test =
        serde_json::json!({ "name": "there is no level 9", "request": request, "expect": { "chain": { "levels": [ { "level": 9 } ] } } });
    let dir = pack_with_test("levels.json", &test.to_string());
    let (code, json, out) = run(&["test", "--definitions", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(json["tests"][0]["failure"]["path"], "chain.levels[level=9]");
    assert_eq!(json["tests"][0]["failure"]["present"], false);
}

#[test]
fn a_malformed_test_file_exits_2_with_its_file_and_line() {
    let dir = pack_with_test(
        "bad.yaml",
        &format!("- name: ok\n  request: {MINOR_REQUEST}\n  expect: {{}}\n- name: typo\n  request: {{}}\n  expcet: {{}}\n"),
    );
    let (code, json, out) = run(&["test", "--definitions", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(json["error"]["file"].as_str().unwrap().ends_with("bad.yaml"), "{out}");
    assert_eq!((&json["error"]["line"], &json["error"]["column"]), (&Value::from(6), &Value::from(3)), "{out}");
    assert!(json["error"]["message"].as_str().unwrap().contains("did you mean `expect`?"), "{out}");
}

#[test]
fn test_files_given_as_paths_replace_the_packs_folder_and_none_found_is_bad_input() {
    let dir = pack_with_test("ignored.yaml", "not: a test");
    let only = dir.path().join("one.yaml");
    std::fs::write(&only, format!("name: guarded\nrequest: {MINOR_REQUEST}\nguard: {{transition: {{from: pending_approval, to: production}}, expect: {{status: pending}}}}\n")).unwrap();
    let (code, _, out) = run(&["test", "--definitions", dir.path().to_str().unwrap(), only.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");
    let empty = tempfile::tempdir().unwrap();
    let (code, json, out) = run(&["test", empty.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(json["error"]["message"].as_str().unwrap().contains("no test files"), "{out}");
}

#[test]
fn coverage_reports_what_the_built_in_tests_exercise_and_what_they_miss() {
    let (code, json, out) = run(&["test", "--coverage", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let coverage = &json["coverage"];
    assert!(coverage["percent"].as_f64().unwrap() >= 90.0, "the built-in pack's tests cover too little: {}", coverage["percent"]);
    assert_eq!(coverage["levels"].as_array().map(Vec::len), Some(4));
    assert_eq!(coverage["ladder"].as_array().map(Vec::len), Some(16), "4 levels × 4 ladder steps");
    let (code, _, out) = run(&["test", "--coverage"]);
    assert_eq!(code, 0, "{out}");
    let line = out.lines().find(|l| l.starts_with("coverage: ")).unwrap_or_else(|| panic!("{out}"));
    assert!(line.ends_with(&format!("({} %)", coverage["percent"])), "{line}");
}

/// The built-in pack installed under a temporary folder, with one text of its workflow replaced.
fn builtin_pack_with(from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in release_policy::BUILTIN_FILES {
        let file = dir.path().join(".kiket").join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        assert!(from.is_empty() || *path != "workflows/release.yaml" || text.contains(from), "{from} is not in {path}");
        std::fs::write(file, if *path == "workflows/release.yaml" { text.replacen(from, to, 1) } else { (*text).to_owned() }).unwrap();
    }
    dir
}

/// A history of pending releases over every priority, with and without the breaking-change label,
/// of every release type: (id, priority, breaking) and the requests.
fn diff_history() -> (Vec<(String, &'static str, bool)>, Vec<Value>) {
    let mut releases = Vec::new();
    let mut requests = Vec::new();
    let mut n = 0;
    for priority in ["low", "medium", "high", "critical"] {
        for breaking in [false, true] {
            for release_type in ["major", "minor", "patch"] {
                n += 1;
                let id = format!("REL-{n}");
                let labels: Vec<&str> = if breaking { vec!["breaking-change"] } else { vec![] };
                requests.push(serde_json::json!({
                    "now": "2026-11-27T15:00:00Z",
                    "release": { "id": id, "case_type": "Release", "status": "pending_approval", "status_since": "2026-11-27T09:00:00Z",
                                 "priority": priority, "labels": labels, "custom_fields": { "release_type": release_type } },
                    "directory": { "roles": { "qa_lead": ["quinn"], "engineering_manager": ["mia"], "director": ["dana"] } }
                }));
                releases.push((id, priority, breaking));
            }
        }
    }
    (releases, requests)
}

#[test]
fn diff_finds_exactly_the_releases_a_pack_change_affects_in_every_input_form() {
    let old = builtin_pack_with("", "");
    let new = builtin_pack_with(
        r#"{ field: priority, operator: "=", value: critical }"#,
        "{ field: priority, operator: in, value: [critical, high] }",
    );
    let (releases, requests) = diff_history();
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("history.jsonl");
    std::fs::write(&lines, requests.iter().map(|r| r.to_string() + "\n").collect::<String>()).unwrap();
    let object = dir.path().join("history.json");
    let shared = serde_json::json!({ "now": "2026-11-27T15:00:00Z", "directory": requests[0]["directory"],
                                     "releases": requests.iter().map(|r| r["release"].clone()).collect::<Vec<_>>() });
    std::fs::write(&object, shared.to_string()).unwrap();
    let array = dir.path().join("array.json");
    std::fs::write(&array, Value::from(requests.clone()).to_string()).unwrap();

    let (base, new_dir) = (old.path().to_str().unwrap(), new.path().to_str().unwrap());
    let (code, json, out) = run(&["diff", "--base", base, "--definitions", new_dir, lines.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(json["compared"], releases.len());
    let expected: Vec<&str> = releases.iter().filter(|(_, p, breaking)| *p == "high" && !breaking).map(|(id, ..)| id.as_str()).collect();
    let changed: Vec<&str> = json["changed"].as_array().unwrap().iter().map(|c| c["release_id"].as_str().unwrap()).collect();
    assert_eq!(changed, expected, "only high-priority releases without a breaking change need the manager now");
    for c in json["changed"].as_array().unwrap() {
        assert!(
            c["changes"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!({"what": "level_required", "level": 3, "before": false, "after": true})),
            "{c}"
        );
    }
    assert!(
        json["summary"].as_array().unwrap().contains(
            &serde_json::json!({"what": "level_required", "level": 3, "name": "Manager Sign-off", "after": true, "count": expected.len(),
                "text": format!("level 3 Manager Sign-off: {} releases now required", expected.len())})
        ),
        "{out}"
    );

    for form in [&object, &array] {
        let (code, same, out) = run(&["diff", "--base", base, "--definitions", new_dir, form.to_str().unwrap()]);
        assert_eq!((code, &same), (0, &json), "{}: {out}", form.display());
    }
    let (code, _, text) = run(&["diff", "--base", base, "--definitions", new_dir, lines.to_str().unwrap(), "--format", "text"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.starts_with(&format!(
            "compared {} releases; {} changed\n  level 3 Manager Sign-off: {} releases now required\n",
            releases.len(),
            expected.len(),
            expected.len()
        )),
        "{text}"
    );
}

#[test]
fn diff_of_identical_packs_changes_nothing_and_needs_a_base() {
    let old = builtin_pack_with("", "");
    let (_, requests) = diff_history();
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("history.jsonl");
    std::fs::write(&lines, requests.iter().map(|r| r.to_string() + "\n").collect::<String>()).unwrap();
    let (code, json, out) = run(&["diff", "--base", old.path().to_str().unwrap(), lines.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!((json["compared"].as_u64(), json["changed"].as_array().map(Vec::len)), (Some(requests.len() as u64), Some(0)), "{out}");
    let (code, json, _) = run(&["diff", lines.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(json["error"]["message"].as_str().unwrap().contains("--base"));
}
