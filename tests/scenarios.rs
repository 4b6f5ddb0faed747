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
#![cfg(not(target_arch = "wasm32"))] // native-only: files, processes, the upstream pack on disk

mod common;

use common::corpus::{self, Scenario, answer, edited, mismatch};
use common::*;
use release_policy::{Policy, builtin_files};
use serde_json::Value;

fn run_scenario(scenario: &Scenario) -> Result<(), String> {
    let (operation, request, edits) = (scenario.operation.as_str(), scenario.request.as_str(), &scenario.pack_edits);
    let builtin = Policy::from_pack(&edited(builtin_files(), edits)).map_err(|e| format!("built-in pack: {e}"))?;
    let upstream = Policy::from_pack(&edited(upstream_files(), edits)).map_err(|e| format!("upstream pack: {e}"))?;
    let mine = answer(&builtin, operation, request);
    let theirs = answer(&upstream, operation, request);
    if mine != theirs {
        return Err(format!("the built-in and upstream packs answer differently:\n{mine:?}\n{theirs:?}"));
    }
    let value = &scenario.value;
    let (expected, got) = match (&value["expect"], &value["expect_error"], &mine) {
        (Value::Null, e @ Value::Object(_), Err(json)) => (e, json),
        (e @ Value::Object(_), Value::Null, Ok(json)) => (e, json),
        (_, _, result) => return Err(format!("unexpected outcome {result:?}")),
    };
    let got: Value = serde_json::from_str(got).map_err(|e| format!("answer is not JSON: {e}"))?;
    let got = if value["expect_error"].is_object() { got.get("error").cloned().unwrap_or(got) } else { got };
    match mismatch(expected, &got, "") {
        None => Ok(()),
        Some(m) => Err(format!("{m}\n--- full answer:\n{}", serde_json::to_string_pretty(&got).unwrap())),
    }
}

#[test]
fn every_scenario_answers_as_expected_with_both_packs() {
    let scenarios = corpus::load(&corpus::dir());
    assert!(scenarios.len() >= 30, "the corpus has {} scenarios; the contract asks for at least 30", scenarios.len());
    let failures: Vec<String> = scenarios.iter().filter_map(|s| run_scenario(s).err().map(|e| format!("✗ {}: {e}", s.name))).collect();
    println!("{} scenarios, {} failed", scenarios.len(), failures.len());
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
