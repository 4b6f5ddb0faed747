//! Scenario tests: each `tests/scenarios/*.json` file is a request and the answer a release engineer
//! expects. New cases are data, not code.
//!
//! A scenario file:
//! ```json
//! { "description": "…",
//!   "operation": "evaluate" | "guard" | "timeline",          (default evaluate)
//!   "pack_edits": [ { "file": "…", "replace": "…", "with": "…" } ],   (optional)
//!   "request": { … },      a JSON merge patch (RFC 7386) over `_base.json`'s request
//!   "expect": { … } }      or "expect_error": { … }
//! ```
//! `expect` matches the answer as a subset: every key it names must be there with a matching value;
//! arrays must match element by element and in length. Each scenario runs against the built-in
//! pack and the upstream Kiket pack, whose answers must be byte-identical.

mod common;

use std::path::Path;

use common::*;
use release_policy::{PackFile, Policy, RequestLimits, builtin_files};
use serde_json::Value;

fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(entries) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let map = target.as_object_mut().expect("object");
            for (k, v) in entries {
                if v.is_null() {
                    map.remove(k);
                } else {
                    merge_patch(map.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Where `actual` fails to match `expected`, as a path and a reason.
fn mismatch(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().find_map(|(k, ev)| match a.get(k) {
            Some(av) => mismatch(ev, av, &format!("{path}.{k}")),
            None => Some(format!("{path}.{k}: missing (expected {ev})")),
        }),
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Some(format!(
                    "{path}: expected {} items, found {}: {}",
                    e.len(),
                    a.len(),
                    serde_json::to_string_pretty(actual).unwrap()
                ));
            }
            e.iter().zip(a).enumerate().find_map(|(i, (ev, av))| mismatch(ev, av, &format!("{path}[{i}]")))
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => None,
        (e, a) if e == a => None,
        (e, a) => Some(format!("{path}: expected {e}, found {a}")),
    }
}

fn edited(mut files: Vec<PackFile>, edits: &[Value]) -> Vec<PackFile> {
    for edit in edits {
        let text = |k: &str| edit[k].as_str().unwrap_or_else(|| panic!("pack edit needs `{k}`"));
        files = mutate(files, text("file"), text("replace"), text("with"));
    }
    files
}

/// The answer of `operation` as JSON text, or the error JSON (as `Err`).
fn answer(policy: &Policy, operation: &str, request: &str) -> Result<String, String> {
    let limits = RequestLimits::default();
    match operation {
        "evaluate" => policy.evaluate_json(request, &limits).map_err(|e| serde_json::to_string(&e).unwrap()),
        "timeline" => policy.timeline_json(request, &limits).map_err(|e| serde_json::to_string(&e).unwrap()),
        "guard" => policy.guard_json(request, &limits),
        other => panic!("unknown operation `{other}`"),
    }
}

fn run_scenario(path: &Path, base: &Value) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let scenario: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let mut request = base["request"].clone();
    merge_patch(&mut request, &scenario["request"]);
    let request = serde_json::to_string(&request).unwrap();
    let operation = scenario["operation"].as_str().unwrap_or("evaluate");
    let edits = scenario["pack_edits"].as_array().cloned().unwrap_or_default();

    let builtin = Policy::from_pack(&edited(builtin_files(), &edits)).map_err(|e| format!("built-in pack: {e}"))?;
    let upstream = Policy::from_pack(&edited(upstream_files(), &edits)).map_err(|e| format!("upstream pack: {e}"))?;
    let mine = answer(&builtin, operation, &request);
    let theirs = answer(&upstream, operation, &request);
    if mine != theirs {
        return Err(format!("the built-in and upstream packs answer differently:\n{mine:?}\n{theirs:?}"));
    }
    let (expected, got) = match (&scenario["expect"], &scenario["expect_error"], &mine) {
        (Value::Null, e @ Value::Object(_), Err(json)) => (e, json),
        (e @ Value::Object(_), Value::Null, Ok(json)) => (e, json),
        (_, _, result) => return Err(format!("unexpected outcome {result:?}")),
    };
    let got: Value = serde_json::from_str(got).map_err(|e| format!("answer is not JSON: {e}"))?;
    let got = if scenario["expect_error"].is_object() { got.get("error").cloned().unwrap_or(got) } else { got };
    match mismatch(expected, &got, "") {
        None => Ok(()),
        Some(m) => Err(format!("{m}\n--- full answer:\n{}", serde_json::to_string_pretty(&got).unwrap())),
    }
}

#[test]
fn every_scenario_answers_as_expected_with_both_packs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let base: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("_base.json")).expect("_base.json")).expect("base JSON");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    paths.sort();
    assert!(paths.len() >= 30, "the corpus has {} scenarios; the contract asks for at least 30", paths.len());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|p| run_scenario(p, &base).err().map(|e| format!("✗ {}: {e}", p.file_name().unwrap().to_string_lossy())))
        .collect();
    println!("{} scenarios, {} failed", paths.len(), failures.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
