//! `analyze` (SPEC §8) on small histories whose answers are computed by hand in each test.

use release_policy::analytics::AnalyzeOptions;
use release_policy::{ErrorKind, PackFile, Policy, builtin_files};
use serde_json::{Value, json};

const NOW: &str = "2026-11-27T12:00:00Z";

fn directory() -> Value {
    json!({ "roles": { "qa_lead": ["quinn"], "engineering_lead": ["erin"], "sre": ["sam", "sasha"],
                       "engineering_manager": ["mia"], "director": ["dana"] } })
}

/// A Release whose history enters each `(state, at)` in turn; its status is the last one.
fn release(id: &str, release_type: &str, history: &[(&str, &str)]) -> Value {
    let (status, since) = history.last().copied().unwrap_or(("development", "2026-11-01T00:00:00Z"));
    json!({
        "id": id, "case_type": "Release", "status": status, "status_since": since,
        "requested_by": "alice", "custom_fields": { "release_type": release_type, "version_tag": format!("v-{id}") },
        "history": history.iter().map(|(to, at)| json!({ "to": to, "at": at })).collect::<Vec<_>>(),
    })
}

fn analyze_with(policy: &Policy, releases: Vec<Value>, options: AnalyzeOptions) -> Result<Value, release_policy::ErrorBody> {
    let input = json!({ "now": NOW, "directory": directory(), "releases": releases });
    policy.analyze_json(&input.to_string(), &options).map(|out| serde_json::from_str(&out).unwrap())
}

fn analyze(releases: Vec<Value>) -> Value {
    analyze_with(&Policy::builtin(), releases, AnalyzeOptions::default()).unwrap()
}

fn alert<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer["alerts"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap()
}

#[test]
fn an_empty_history_answers_every_widget_with_zeros() {
    let answer = analyze(vec![]);
    // 90 days back from Friday 2026-11-27 is Saturday 2026-08-29 (W35): W35..W48, all empty. The
    // first week has two days in the window (Saturday, Sunday), the last five (Monday to Friday).
    let weeks = answer["velocity"].as_array().unwrap();
    assert_eq!(weeks.len(), 14);
    assert_eq!(weeks[0], json!({ "week": "2026-W35", "count": 0, "days": 2 }));
    assert!(weeks[1..13].iter().all(|w| w["days"] == 7));
    assert_eq!(weeks[13], json!({ "week": "2026-W48", "count": 0, "days": 5 }));
    assert_eq!(answer["rollback_rate"], 0.0);
    let buckets: Vec<&str> = answer["lead_time_histogram"].as_array().unwrap().iter().map(|b| b["bucket"].as_str().unwrap()).collect();
    assert_eq!(buckets, ["1d", "3d", "7d", "14d", "30d", ">30d"]);
    assert!(answer["lead_time_histogram"].as_array().unwrap().iter().all(|b| b["count"] == 0));
    for list in ["approval_time_by_level", "approval_wait_by_role", "releases_by_type", "pending_approvals"] {
        assert_eq!(answer[list], json!([]), "{list}");
    }
    for id in ["high_rollback_rate", "stale_pending_approval", "approval_sla_breach"] {
        assert_eq!(alert(&answer, id)["firing"], false);
        assert_eq!(alert(&answer, id)["value"], 0.0);
        assert_eq!(alert(&answer, id)["release_id"], Value::Null, "no release behind a value of nothing");
    }
    // Units: the rollback rate's expression is a ratio × 100; the pending alerts watch hours.
    assert_eq!(alert(&answer, "high_rollback_rate")["unit"], "%");
    assert_eq!(alert(&answer, "stale_pending_approval")["unit"], "hours");
    assert_eq!(answer["releases"], 0);
}

#[test]
fn velocity_counts_deployments_to_production_per_iso_week_inside_90_days() {
    let answer = analyze(vec![
        // Monday and Wednesday of W47, Friday of W48.
        release("A", "minor", &[("production", "2026-11-16T10:00:00Z"), ("completed", "2026-11-17T10:00:00Z")]),
        release("B", "minor", &[("production", "2026-11-18T10:00:00Z")]),
        release("C", "patch", &[("production", "2026-11-27T09:00:00Z")]),
        // 91 days ago: outside the window.
        release("D", "patch", &[("production", "2026-08-28T09:00:00Z")]),
    ]);
    let count = |week: &str| answer["velocity"].as_array().unwrap().iter().find(|w| w["week"] == week).unwrap()["count"].clone();
    assert_eq!(count("2026-W47"), 2);
    assert_eq!(count("2026-W48"), 1);
    assert_eq!(answer["velocity"].as_array().unwrap().iter().map(|w| w["count"].as_u64().unwrap()).sum::<u64>(), 3);
}

#[test]
fn approval_times_by_level_and_waits_by_role_come_from_the_chain_as_it_ran() {
    let mut r = release(
        "A",
        "minor",
        &[("staging", "2026-11-20T08:00:00Z"), ("pending_approval", "2026-11-20T10:00:00Z"), ("production", "2026-11-20T15:00:00Z")],
    );
    // Level 1 active 10:00, quinn approves 11:30 (1.5h). Level 2 active 11:30: erin 12:00 (0.5h),
    // sam 13:00 (1.5h), sasha 14:30 (3h) — complete at 14:30 (3h).
    r["approvals"] = json!([
        { "level": 1, "approver": "quinn", "decision": "approve", "at": "2026-11-20T11:30:00Z" },
        { "level": 2, "approver": "erin", "decision": "approve", "at": "2026-11-20T12:00:00Z" },
        { "level": 2, "approver": "sam", "decision": "approve", "at": "2026-11-20T13:00:00Z" },
        { "level": 2, "approver": "sasha", "decision": "approve", "at": "2026-11-20T14:30:00Z" }
    ]);
    let answer = analyze(vec![r]);
    assert_eq!(
        answer["approval_time_by_level"],
        json!([{ "level": 1, "avg_hours": 1.5, "count": 1 }, { "level": 2, "avg_hours": 3.0, "count": 1 }])
    );
    assert_eq!(
        answer["approval_wait_by_role"],
        json!([
            { "role": "engineering_lead", "avg_hours": 0.5, "count": 1 },
            { "role": "qa_lead", "avg_hours": 1.5, "count": 1 },
            { "role": "sre", "avg_hours": 2.25, "count": 2 }
        ])
    );
    // The workflow's metric: pending_approval → production, 5h.
    let metric = answer["metrics"].as_array().unwrap().iter().find(|m| m["id"] == "release.approval_time").unwrap();
    assert_eq!(metric["value"], 5.0);
}

#[test]
fn a_rollback_rate_exactly_at_the_threshold_does_not_fire() {
    // 1 rollback among 10 released releases: 10 %, and the alert is `> 10`.
    let mut releases: Vec<Value> = (0..9)
        .map(|i| release(&format!("OK{i}"), "patch", &[("production", "2026-11-10T10:00:00Z"), ("completed", "2026-11-11T10:00:00Z")]))
        .collect();
    releases.push(release("RB", "patch", &[("production", "2026-11-10T10:00:00Z"), ("rollback", "2026-11-10T12:00:00Z")]));
    // Not released: not in the denominator.
    releases.push(release("DEV", "patch", &[("development", "2026-11-20T10:00:00Z")]));
    let answer = analyze(releases);
    assert_eq!(answer["rollback_rate"], 10.0);
    assert_eq!(alert(&answer, "high_rollback_rate")["value"], 10.0);
    assert_eq!(alert(&answer, "high_rollback_rate")["firing"], false);
    // The workflow's own rollback metric counts releases that reached rollback / production: 1/10.
    let metric = answer["metrics"].as_array().unwrap().iter().find(|m| m["id"] == "release.rollback_rate").unwrap();
    assert_eq!(metric["value"], 10.0);
}

#[test]
fn a_custom_pack_with_other_thresholds_changes_the_alerts() {
    let files: Vec<PackFile> = builtin_files()
        .into_iter()
        .map(|f| {
            if f.path == "dashboards/deployment_health.yaml" {
                let text = f.text.replace(
                    "{ metric: rollback_rate, operator: \">\", value: 10 }",
                    "{ metric: rollback_rate, operator: \">=\", value: 10 }",
                );
                assert_ne!(text, f.text);
                PackFile::new(f.path, text)
            } else {
                f
            }
        })
        .collect();
    let custom = Policy::from_pack(&files).unwrap();
    let mut releases: Vec<Value> = (0..9)
        .map(|i| release(&format!("OK{i}"), "patch", &[("production", "2026-11-10T10:00:00Z"), ("completed", "2026-11-11T10:00:00Z")]))
        .collect();
    releases.push(release("RB", "patch", &[("production", "2026-11-10T10:00:00Z"), ("rollback", "2026-11-10T12:00:00Z")]));
    let answer = analyze_with(&custom, releases.clone(), AnalyzeOptions::default()).unwrap();
    assert_eq!(alert(&answer, "high_rollback_rate")["firing"], true);
    assert_eq!(alert(&answer, "high_rollback_rate")["operator"], ">=");
    assert_eq!(alert(&analyze(releases), "high_rollback_rate")["firing"], false);

    // The stale-approval threshold moved from 8h to 2h.
    let files: Vec<PackFile> = builtin_files()
        .into_iter()
        .map(|f| {
            let text = f.text.replace("operator: \">\", value: 8 }", "operator: \">\", value: 2 }");
            PackFile::new(f.path, text)
        })
        .collect();
    let custom = Policy::from_pack(&files).unwrap();
    let pending = vec![release("P", "patch", &[("pending_approval", "2026-11-27T09:00:00Z")])];
    assert_eq!(
        alert(&analyze_with(&custom, pending.clone(), AnalyzeOptions::default()).unwrap(), "stale_pending_approval")["firing"],
        true
    );
    assert_eq!(alert(&analyze(pending), "stale_pending_approval")["firing"], false);
}

#[test]
fn lead_times_fall_in_the_bucket_up_to_their_bound_and_a_release_without_development_is_left_out() {
    let answer = analyze(vec![
        release("H12", "patch", &[("development", "2026-11-20T00:00:00Z"), ("production", "2026-11-20T12:00:00Z")]),
        release("D1", "patch", &[("development", "2026-11-20T00:00:00Z"), ("production", "2026-11-21T00:00:00Z")]),
        release("H25", "patch", &[("development", "2026-11-20T00:00:00Z"), ("production", "2026-11-21T01:00:00Z")]),
        release("D40", "patch", &[("development", "2026-10-01T00:00:00Z"), ("production", "2026-11-10T00:00:00Z")]),
        release("NODEV", "patch", &[("staging", "2026-11-20T00:00:00Z"), ("production", "2026-11-21T00:00:00Z")]),
    ]);
    let counts: Vec<u64> = answer["lead_time_histogram"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).collect();
    assert_eq!(counts, [2, 1, 0, 0, 0, 1]);
}

#[test]
fn releases_outside_every_window_count_nowhere() {
    let old = release(
        "OLD",
        "major",
        &[("development", "2026-07-01T00:00:00Z"), ("production", "2026-07-02T00:00:00Z"), ("rollback", "2026-07-03T00:00:00Z")],
    );
    let answer = analyze(vec![old]);
    assert_eq!(answer["rollback_rate"], 0.0);
    assert_eq!(answer["releases_by_type"], json!([]));
    assert!(answer["lead_time_histogram"].as_array().unwrap().iter().all(|b| b["count"] == 0));
    assert!(answer["velocity"].as_array().unwrap().iter().all(|w| w["count"] == 0));
    assert_eq!(answer["releases"], 1);
}

#[test]
fn releases_by_type_count_inside_30_days_most_first_without_a_type_last() {
    let mut hotfix = release("HF", "patch", &[("production", "2026-11-20T00:00:00Z")]);
    hotfix["case_type"] = json!("Hotfix");
    hotfix["custom_fields"] = json!({ "severity": "high", "version_tag": "v1" });
    let answer = analyze(vec![
        release("A", "minor", &[("production", "2026-11-20T00:00:00Z")]),
        release("B", "patch", &[("production", "2026-11-20T00:00:00Z")]),
        release("C", "patch", &[("production", "2026-11-20T00:00:00Z")]),
        hotfix,
        release("OLD", "major", &[("production", "2026-10-01T00:00:00Z")]),
    ]);
    assert_eq!(
        answer["releases_by_type"],
        json!([
            { "release_type": "patch", "count": 2 },
            { "release_type": "minor", "count": 1 },
            { "release_type": null, "count": 1 }
        ])
    );
}

#[test]
fn pending_approvals_list_the_oldest_ten_with_their_active_level_and_the_alerts_the_longest_wait() {
    // Twelve pending releases, the oldest since 09:00 yesterday, each later one an hour after (within
    // 48h, so no level has been auto-approved yet).
    let releases: Vec<Value> = (0..12)
        .map(|i| {
            let since = format!("2026-11-26T{:02}:00:00Z", 9 + i);
            let mut r = release(&format!("P{i:02}"), "minor", &[("pending_approval", since.as_str())]);
            if i == 0 {
                r["approvals"] = json!([{ "level": 1, "approver": "quinn", "decision": "approve", "at": "2026-11-26T10:00:00Z" }]);
            }
            r
        })
        .collect();
    let answer = analyze(releases);
    let pending = answer["pending_approvals"].as_array().unwrap();
    assert_eq!(pending.len(), 10);
    assert_eq!(pending[0]["release_id"], "P00");
    assert_eq!(pending[0]["pending_since"], "2026-11-26T09:00:00Z");
    assert_eq!(pending[0]["approval_level"], 2, "QA approved: level 2 is active");
    assert_eq!(pending[1]["approval_level"], 1);
    assert_eq!(pending[9]["release_id"], "P09");
    // The longest wait: 27 hours, above both thresholds (8h, 24h), P00's.
    assert_eq!(alert(&answer, "stale_pending_approval")["value"], 27.0);
    assert_eq!(alert(&answer, "stale_pending_approval")["release_id"], "P00");
    assert_eq!(alert(&answer, "approval_sla_breach")["release_id"], "P00");
    assert_eq!(alert(&answer, "stale_pending_approval")["firing"], true);
    assert_eq!(alert(&answer, "approval_sla_breach")["firing"], true);
}

#[test]
fn a_malformed_release_fails_the_run_with_its_index_and_path_or_is_skipped_on_request() {
    let good = release("A", "minor", &[("production", "2026-11-20T00:00:00Z")]);
    let mut bad = release("B", "minor", &[("production", "2026-11-20T00:00:00Z")]);
    bad["status_since"] = json!("2026-11-20 00:00");
    let mut typo = release("C", "majr", &[("production", "2026-11-20T00:00:00Z")]);
    typo["id"] = json!("C");
    let releases = vec![good, bad, typo];
    let error = analyze_with(&Policy::builtin(), releases.clone(), AnalyzeOptions::default()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::Request);
    assert_eq!(error.path.as_deref(), Some("releases[1].status_since"));
    assert!(error.message.contains("RFC 3339"), "{}", error.message);

    let options = AnalyzeOptions { skip_invalid: true, ..AnalyzeOptions::default() };
    let answer = analyze_with(&Policy::builtin(), releases, options).unwrap();
    assert_eq!(answer["releases"], 1);
    assert_eq!(answer["skipped"], 2);
    assert_eq!(answer["skipped_errors"][0]["index"], 1);
    assert_eq!(answer["skipped_errors"][1]["index"], 2);
    assert_eq!(answer["skipped_errors"][1]["error"]["path"], "releases[2].custom_fields.release_type");
}

#[test]
fn the_answer_does_not_depend_on_key_order_or_repetition() {
    let releases = json!([
        release("A", "minor", &[("development", "2026-11-18T00:00:00Z"), ("production", "2026-11-20T00:00:00Z")]),
        release("B", "major", &[("pending_approval", "2026-11-26T00:00:00Z")]),
    ]);
    let policy = Policy::builtin();
    let now_first = format!(r#"{{"now": "{NOW}", "directory": {}, "releases": {releases}}}"#, directory());
    let now_last = format!(r#"{{"releases": {releases}, "directory": {}, "now": "{NOW}"}}"#, directory());
    let a = policy.analyze_json(&now_first, &AnalyzeOptions::default()).unwrap();
    assert_eq!(a, policy.analyze_json(&now_last, &AnalyzeOptions::default()).unwrap());
    assert_eq!(a, policy.analyze_json(&now_first, &AnalyzeOptions::default()).unwrap());
}

#[test]
fn recent_rollbacks_list_the_latest_five_inside_30_days() {
    let mut releases: Vec<Value> = (0..7)
        .map(|i| {
            let at = format!("2026-11-{:02}T10:00:00Z", 10 + i);
            let mut r = release(&format!("RB{i}"), "patch", &[("production", "2026-11-09T10:00:00Z"), ("rollback", at.as_str())]);
            r["custom_fields"]["rollback_reason"] = json!(format!("reason {i}"));
            r
        })
        .collect();
    releases.push(release("OLD", "patch", &[("production", "2026-09-01T10:00:00Z"), ("failed", "2026-09-02T10:00:00Z")]));
    let answer = analyze(releases);
    let ids: Vec<&str> = answer["recent_rollbacks"].as_array().unwrap().iter().map(|r| r["release_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["RB6", "RB5", "RB4", "RB3", "RB2"]);
    assert_eq!(answer["recent_rollbacks"][0]["rollback_reason"], "reason 6");
    assert_eq!(answer["recent_rollbacks"][0]["updated_at"], "2026-11-16T10:00:00Z");
}

#[test]
fn a_release_line_with_anything_after_it_is_malformed() {
    let policy = Policy::builtin();
    let now = NOW.parse().unwrap();
    let mut analyzer = policy.analyzer(now, Default::default(), None, AnalyzeOptions::default()).unwrap();
    let line = release("A", "minor", &[("production", "2026-11-20T00:00:00Z")]).to_string();
    analyzer.add_json(&line).unwrap();
    let error = analyzer.add_json(&format!("{line} {{\"id\": \"B\"}}")).unwrap_err();
    assert_eq!(error.path.as_deref(), Some("releases[1]"));
    assert!(error.message.contains("trailing characters"), "{}", error.message);
    let error = analyzer.add_json("{\"id\": \"C\", \"status\": 7}").unwrap_err();
    assert_eq!(error.path.as_deref(), Some("releases[2].status"), "{error:?}");
}

/// Of releases pending equally long, the alert names the first in the input, however the analyzers
/// over its parts are merged.
#[test]
fn the_release_behind_an_alert_is_the_first_of_equals_whatever_the_merge_order() {
    let pending = |id: &str| release(id, "minor", &[("pending_approval", "2026-11-26T09:00:00Z")]).to_string();
    let policy = Policy::builtin();
    let part = |first: u64, ids: &[&str]| {
        let mut analyzer =
            policy.analyzer(NOW.parse().unwrap(), serde_json::from_value(directory()).unwrap(), None, AnalyzeOptions::default()).unwrap();
        analyzer.skip_to(first);
        for id in ids {
            analyzer.add_json(&pending(id)).unwrap();
        }
        analyzer
    };
    for later_into_earlier in [true, false] {
        let (mut into, from) =
            if later_into_earlier { (part(0, &["A", "B"]), part(2, &["C"])) } else { (part(2, &["C"]), part(0, &["A", "B"])) };
        into.merge(from);
        let answer = serde_json::to_value(into.finish()).unwrap();
        assert_eq!(alert(&answer, "stale_pending_approval")["release_id"], "A");
        assert_eq!(alert(&answer, "stale_pending_approval")["value"], 27.0);
    }
}

/// Analyzers over consecutive parts of a history, merged, answer what one analyzer over the whole
/// history answers — the rule the CLI's JSON Lines threads rely on.
#[test]
fn merged_analyzers_answer_as_one_pass_whatever_the_split() {
    let states = ["development", "staging", "pending_approval", "production", "completed", "rollback", "failed"];
    let mut lines = Vec::new();
    for i in 0..60u32 {
        let day = 1 + i % 27;
        let walk = 1 + (i as usize * 3) % states.len();
        let history: Vec<(&str, String)> =
            states[..walk].iter().enumerate().map(|(k, s)| (*s, format!("2026-11-{day:02}T{:02}:00:00Z", 8 + k))).collect();
        let history: Vec<(&str, &str)> = history.iter().map(|(s, at)| (*s, at.as_str())).collect();
        let mut r = release(&format!("R{i}"), ["major", "minor", "patch"][i as usize % 3], &history);
        if i % 5 == 0 {
            r["approvals"] =
                json!([{ "level": 1, "approver": "quinn", "decision": "approve", "at": format!("2026-11-{day:02}T11:30:00Z") }]);
        }
        lines.push(r.to_string());
    }
    lines.insert(17, "{\"id\": \"BAD\"}".to_owned());
    let policy = Policy::builtin();
    let now = NOW.parse().unwrap();
    let options = AnalyzeOptions { skip_invalid: true, ..AnalyzeOptions::default() };
    let start = || policy.analyzer(now, serde_json::from_value(directory()).unwrap(), None, options).unwrap();
    let mut whole = start();
    for line in &lines {
        whole.add_json(line).unwrap();
    }
    let whole = serde_json::to_value(whole.finish()).unwrap();
    // The planted bad line, and a release whose last move (27 Nov 13:00) is after now (12:00).
    assert_eq!(whole["skipped"], 2, "{}", whole["skipped_errors"]);
    // The history reaches every widget, so the comparison below means something.
    for list in ["pending_approvals", "recent_rollbacks", "approval_time_by_level", "releases_by_type"] {
        assert!(!whole[list].as_array().unwrap().is_empty(), "{list} is empty");
    }
    for cuts in [vec![1], vec![17, 18], vec![5, 30, 31, 59], vec![10, 20, 30, 40, 50]] {
        let mut bounds = vec![0];
        bounds.extend(&cuts);
        bounds.push(lines.len());
        let mut parts = bounds.windows(2).map(|w| {
            let mut part = start();
            part.skip_to(w[0] as u64);
            for line in &lines[w[0]..w[1]] {
                part.add_json(line).unwrap();
            }
            part
        });
        let mut merged = parts.next().unwrap();
        for part in parts {
            merged.merge(part);
        }
        assert_eq!(serde_json::to_value(merged.finish()).unwrap(), whole, "cut at {cuts:?}");
    }
}

#[test]
fn a_bad_shared_calendar_or_directory_is_reported_at_its_own_path_not_on_a_release() {
    let policy = Policy::builtin();
    let releases = vec![release("A", "minor", &[("production", "2026-11-20T00:00:00Z")])];
    let input = json!({ "now": NOW, "calendar": { "timezone": "Mars/Olympus" }, "releases": releases });
    let error = policy.analyze_json(&input.to_string(), &AnalyzeOptions::default()).unwrap_err();
    assert_eq!(error.path.as_deref(), Some("calendar.timezone"), "{error:?}");
    let input = json!({ "now": NOW, "directory": { "delegations": [{ "from": "dana", "to": "mia",
        "start": "2026-11-20T00:00:00Z", "end": "2026-11-10T00:00:00Z" }] }, "releases": releases });
    let error = policy.analyze_json(&input.to_string(), &AnalyzeOptions::default()).unwrap_err();
    assert_eq!(error.path.as_deref(), Some("directory.delegations[0].end"), "{error:?}");
    let error = policy.analyze_json(r#"{"now": 5, "releases": []}"#, &AnalyzeOptions::default()).unwrap_err();
    assert_eq!(error.path.as_deref(), Some("now"), "{error:?}");
}
