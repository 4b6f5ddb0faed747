//! The editor schemas (SPEC §12): every file of every pack the loader accepts validates against
//! its kind's schema, and the schema refuses what the loader refuses for a reason a schema can
//! state (a misspelt key, a wrong value). The misspelt keys of the mutation tests are checked
//! against the schema in `honour_or_refuse.rs`, beside the loader.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use release_policy::authoring::schema::{self, KINDS};
use release_policy::{PackFile, builtin_files};

fn all_packs() -> Vec<(String, Vec<PackFile>)> {
    let mut packs = vec![("definitions".to_owned(), builtin_files())];
    packs.extend(upstream_packs().into_iter().map(|(name, _)| {
        let files = upstream_pack_files(&name);
        (name, files)
    }));
    packs
}

#[test]
fn every_schema_is_a_valid_draft_2020_12_schema_with_a_description_on_every_key() {
    for (kind, schema) in schema::schemas() {
        assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
        jsonschema::meta::validate(&schema).unwrap_or_else(|e| panic!("{kind}: {e}"));
        let mut undescribed = Vec::new();
        let mut stack = vec![(kind.clone(), &schema)];
        while let Some((path, node)) = stack.pop() {
            // An `if` or a `not` only tests a value; it describes no key.
            let tests_only = path.ends_with("/if") || path.ends_with("/not");
            if let Some(properties) = node.get("properties").and_then(|p| p.as_object()).filter(|_| !tests_only) {
                for (key, value) in properties {
                    if value.get("description").is_none() {
                        undescribed.push(format!("{path}.{key}"));
                    }
                }
            }
            match node {
                serde_json::Value::Object(o) => stack.extend(o.iter().map(|(k, v)| (format!("{path}/{k}"), v))),
                serde_json::Value::Array(a) => stack.extend(a.iter().map(|v| (path.clone(), v))),
                _ => {}
            }
        }
        assert!(undescribed.is_empty(), "keys without a description: {undescribed:?}");
    }
    let kinds: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    for spec_kind in ["workflow", "automation_recipe", "case_types", "workspace", "dashboard", "board"] {
        assert!(kinds.contains(&spec_kind), "SPEC §12 names the kind `{spec_kind}`");
    }
}

#[test]
fn every_file_of_every_pack_the_loader_accepts_validates() {
    let schemas = Schemas::new();
    let (mut checked, mut failures) = (0, Vec::new());
    for (name, files) in all_packs() {
        for file in &files {
            let Some(errors) = schemas.errors(file) else { continue };
            checked += 1;
            failures.extend(errors.into_iter().map(|e| format!("{name}/{}: {e}", file.path)));
        }
    }
    assert!(checked > 60, "only {checked} files were checked");
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}

/// The schema's verdict on the built-in pack with one edit, and the loader's.
fn verdicts(file: &str, from: &str, to: &str) -> (bool, bool) {
    let files = builtin_with(file, from, to);
    let edited = files.iter().find(|f| f.path == file).expect("the file");
    let schema_refuses = !Schemas::new().errors(edited).expect("a file with a schema").is_empty();
    let loader_refuses = release_policy::Policy::from_pack(&files).is_err();
    (schema_refuses, loader_refuses)
}

#[test]
fn the_schema_refuses_what_the_loader_refuses_for_a_reason_a_schema_can_state() {
    let edits = [
        // A value of the wrong shape.
        ("workflows/release.yaml", "timeout: 24h", "timeout: 24"),
        ("workflows/release.yaml", "timeout: 24h", "timeout: 24 hours"),
        ("workflows/release.yaml", "type: initial", "type: start"),
        ("workflows/release.yaml", "action: escalate", "action: escalate_now"),
        ("workflows/release.yaml", "required: any\n          timeout: 4h", "required: some\n          timeout: 4h"),
        ("workflows/release.yaml", "required: any\n          timeout: 4h", "required: 0\n          timeout: 4h"),
        // An operator the engine does not know, and two operators in one leaf.
        ("workflows/release.yaml", "operator: contains", "operator: has"),
        ("workflows/release.yaml", "operator: contains, value", "operator: contains, equals: x, value"),
        // A required key missing, and a key with its alias.
        ("workflows/release.yaml", "  - from: pending_approval\n    to: production", "  - to: production"),
        (
            "workflows/release.yaml",
            "      chain:\n",
            "      levels: [{level: 9, name: x, assignments: [{type: user, identifier: x}]}]\n      chain:\n",
        ),
    ];
    for (file, from, to) in edits {
        let (schema, loader) = verdicts(file, from, to);
        assert!(loader, "the loader should refuse `{from}` → `{to}`");
        assert!(schema, "the schema should refuse `{from}` → `{to}`");
    }
}

#[test]
fn a_host_action_that_would_move_a_case_is_refused_by_both() {
    let text = "workflow: {id: w}\nstates:\n  a: {type: initial, on_enter: [{action: transition, to: b}]}\n  b: {type: final}\ntransitions:\n  - {from: a, to: b}\n";
    let file = PackFile::new("workflows/w.yaml", text);
    assert!(release_policy::Policy::from_pack(std::slice::from_ref(&file)).is_err());
    assert!(!Schemas::new().errors(&file).expect("a workflow").is_empty());
    let harmless = PackFile::new("workflows/w.yaml", text.replace("action: transition, to: b", "action: notify, to: b"));
    assert!(release_policy::Policy::from_pack(std::slice::from_ref(&harmless)).is_ok());
    assert_eq!(Schemas::new().errors(&harmless), Some(Vec::new()));
}
