//! Every public Kiket pack, read like the spec (SPEC §13): each pack in `../shared/upstream/` loads
//! (`validate` exits 0), and each pack with scenarios in `tests/packs/<name>/` answers them. A pack
//! added upstream is covered by the load test without code; its scenarios are data.
//!
//! A scenario file is a scenario of `tests/scenarios/` (see `tests/scenarios.rs`): `operation`,
//! `request` (a merge patch over the folder's `_base.json`), `expect` or `expect_error`, matched as
//! a subset; run against the upstream pack the folder names.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::process::Command;

use common::corpus::{self, answer, mismatch};
use common::*;
use release_policy::Policy;
use serde_json::Value;

#[test]
fn every_public_pack_validates_with_exit_0() {
    let packs = upstream_packs();
    assert!(packs.len() >= 8, "expected the eight public packs, found {packs:?}");
    for (name, dir) in packs {
        let out = Command::new(env!("CARGO_BIN_EXE_release-policy")).arg("validate").arg(&dir).output().expect("run the CLI");
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        assert_eq!(out.status.code(), Some(0), "{name} must load unchanged:\n{}", serde_json::to_string_pretty(&report).unwrap());
        assert_eq!(report["ok"], true, "{name}");
    }
}

#[test]
fn each_pack_answers_its_scenarios() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/packs");
    let mut folders: Vec<_> =
        std::fs::read_dir(&root).expect("tests/packs").map(|e| e.expect("entry").path()).filter(|p| p.is_dir()).collect();
    folders.sort();
    let mut failures = Vec::new();
    let mut count = 0;
    for folder in &folders {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let policy = Policy::from_pack(&upstream_pack_files(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        for s in corpus::load(folder) {
            count += 1;
            let got = answer(&policy, &s.operation, &s.request);
            let value = &s.value;
            let outcome = match (&value["expect"], &value["expect_error"], &got) {
                (e @ Value::Object(_), Value::Null, Ok(json)) => mismatch(e, &serde_json::from_str(json).unwrap(), ""),
                (Value::Null, e @ Value::Object(_), Err(json)) => {
                    let body: Value = serde_json::from_str(json).unwrap();
                    mismatch(e, body.get("error").unwrap_or(&body), "")
                }
                (_, _, result) => Some(format!("unexpected outcome {result:?}")),
            };
            if let Some(m) = outcome {
                let full = got.unwrap_or_else(|e| e);
                failures.push(format!("✗ {name}/{}: {m}\n--- full answer:\n{full}", s.name));
            }
        }
    }
    assert!(count >= 30, "only {count} pack scenarios");
    assert!(failures.is_empty(), "{} of {count} failed:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn the_outline_lists_every_workflow_with_its_state_approvals_checklists_and_warehouse_widgets() {
    let outline = |name: &str| {
        serde_json::to_value(release_policy::Outline::of(Policy::from_pack(&upstream_pack_files(name)).unwrap().pack())).unwrap()
    };

    let engineering = outline("engineering");
    let flows: Vec<&str> = engineering["workflows"].as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap()).collect();
    assert_eq!(flows, ["bug", "incident"]);
    let testing = engineering["workflows"][0]["states"].as_array().unwrap().iter().find(|s| s["id"] == "testing").unwrap().clone();
    assert_eq!(testing["checklist"]["id"], "bug_testing");
    assert_eq!(
        testing["checklist"]["items"][0],
        serde_json::json!({"id": "unit_tests", "label": "Unit tests pass", "required": true, "auto": "custom_fields.ci_status = passed"})
    );
    let bug = engineering["case_types"].as_array().unwrap().iter().find(|c| c["key"] == "bug").unwrap().clone();
    assert_eq!(bug["workflow"], "bug");
    let widget = &engineering["dashboards"].as_array().unwrap().iter().find(|d| d["id"] == "engineering-health").unwrap()["widgets"][0];
    assert_eq!(widget["model"], "fct_bug_resolution");

    let finance = outline("finance");
    let pending = finance["workflows"][0]["states"].as_array().unwrap().iter().find(|s| s["id"] == "pending_approval").unwrap().clone();
    assert_eq!(
        pending["approval"],
        serde_json::json!({"required": 1, "assignments": [{"type": "role", "identifier": "manager"}], "when": "custom_fields.amount <= 1000"})
    );
    assert_eq!(finance["chain_levels"], serde_json::json!([]));

    let bundle = outline("business-ops");
    assert_eq!((bundle["workflows"].clone(), bundle["states"].clone()), (serde_json::json!([]), serde_json::json!([])));
}

#[test]
fn analyze_lists_the_warehouse_widgets_it_does_not_compute() {
    let warehouse = "dashboard:\n  id: release-warehouse\n  name: Warehouse\n  widgets:\n    - id: cycle-kpi\n      type: kpi\n      title: Cycle time\n      query: fct_release_cycle\n      query_config: {model: fct_release_cycle}\n  alerts:\n    - query: fct_release_cycle\n      condition: avg_days > 5\n";
    let mut files = release_policy::builtin_files();
    files.push(release_policy::PackFile::new("analytics/dashboards/warehouse.yaml", warehouse));
    let policy = Policy::from_pack(&files).expect("a warehouse dashboard loads beside deployment_health");
    let answer: Value =
        serde_json::from_str(&policy.analyze_json(r#"{"now": "2026-11-30T15:00:00Z", "releases": []}"#, &Default::default()).unwrap())
            .unwrap();
    assert_eq!(
        answer["not_computed"],
        serde_json::json!([{"id": "cycle-kpi", "dashboard": "release-warehouse", "computed": false, "model": "fct_release_cycle"}])
    );
    // The built-in pack alone has none, and its answer does not mention them.
    let builtin: Value = serde_json::from_str(
        &Policy::builtin().analyze_json(r#"{"now": "2026-11-30T15:00:00Z", "releases": []}"#, &Default::default()).unwrap(),
    )
    .unwrap();
    assert!(builtin.get("not_computed").is_none());
    // A pack without the deployment-health dashboard says what its widgets are instead.
    let engineering = Policy::from_pack(&upstream_pack_files("engineering")).unwrap();
    let err = engineering.analyze_json(r#"{"now": "2026-11-30T15:00:00Z", "releases": []}"#, &Default::default()).unwrap_err();
    assert!(err.message.contains("the pack's widgets read warehouse models its host computes: bug-resolution-trend (fct_bug_resolution), open-bugs-kpi (fct_bug_backlog)"), "{}", err.message);
}
