//! The definitions loader, read like the spec: the upstream pack loads unchanged and says the same
//! as the built-in pack; every class of mistake is reported at its file, line and column.
#![cfg(not(target_arch = "wasm32"))] // native-only: files, processes, the upstream pack on disk

mod common;

use common::*;
use release_policy::definitions::{ActionKind, ChainChange, Logic, Required};
use release_policy::{LoadOptions, PackFile, Policy, builtin_files};

#[test]
fn the_built_in_pack_is_valid() {
    if let Err(e) = Policy::from_pack(&builtin_files()) {
        panic!("definitions/ is invalid:\n{e}");
    }
}

#[test]
fn every_upstream_file_loads_unchanged() {
    let files = upstream_files();
    let mut paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "boards/release.yaml",
            "case_types.yaml",
            "dashboards/deployment_health.yaml",
            "workflows/release.yaml",
            "workflows/release/automation_recipes/hotfix_fast_track.yaml",
            "workflows/release/automation_recipes/production_approval_escalation.yaml",
            "workflows/release/automation_recipes/rollback_incident.yaml",
            "workflows/release/automation_recipes/stale_release_followup.yaml",
            "workspace.yaml",
        ]
    );
    if let Err(e) = Policy::from_pack(&files) {
        panic!("the upstream pack must load unchanged:\n{e}");
    }
}

#[test]
fn the_built_in_pack_states_the_same_facts_as_upstream() {
    let upstream = Policy::from_pack(&upstream_files()).expect("upstream loads");
    let builtin = Policy::builtin();
    let (u, b) = (&upstream.pack().workflows[0], &builtin.pack().workflows[0]);
    let (up, bp) = (upstream.pack(), builtin.pack());
    // Compared piece by piece so a difference names the piece.
    assert_eq!(u.states, b.states, "states");
    for (ut, bt) in u.transitions.iter().zip(&b.transitions) {
        assert_eq!(ut, bt, "transition {} → {}", ut.from, ut.to);
    }
    assert_eq!(u.transitions.len(), b.transitions.len(), "transition count");
    assert_eq!(u.hooks, b.hooks, "hooks");
    assert_eq!(u.automations, b.automations, "automations");
    assert_eq!(u.analytics, b.analytics, "analytics");
    for (ur, br) in u.recipes.iter().zip(&b.recipes) {
        assert_eq!(ur, br, "recipe {}", ur.key);
    }
    assert_eq!(u.recipes.len(), b.recipes.len(), "recipe count");
    assert_eq!(up.dashboards, bp.dashboards, "dashboards");
    assert_eq!(up.case_types, bp.case_types, "case types");
    assert_eq!(up.workspace, bp.workspace, "workspace");
    assert_eq!(up, bp, "whole pack");

    let messages = |p: &Policy| p.warnings().iter().map(|w| (w.file.clone(), w.message.clone())).collect::<Vec<_>>();
    assert_eq!(messages(&upstream), messages(&builtin), "warnings");
}

#[test]
fn the_chain_reads_as_the_upstream_readme_describes_it() {
    let policy = Policy::builtin();
    let (transition, chain) = policy.pack().workflows[0].chain_transition().expect("a chain");
    assert_eq!((transition.from.as_str(), transition.to.as_str()), ("pending_approval", "production"));
    let summary: Vec<(u32, &str, String, usize, Required)> = chain
        .levels
        .iter()
        .map(|l| (l.level, l.name.as_str(), l.timeout.map(|t| t.to_string()).unwrap_or_default(), l.groups.len(), l.groups[0].required))
        .collect();
    assert_eq!(
        summary,
        [
            (1, "QA Verification", "4h".to_owned(), 1, Required::Any),
            (2, "Technical Approval", "8h".to_owned(), 2, Required::Any),
            (3, "Manager Sign-off", "1d".to_owned(), 1, Required::All),
            (4, "Director Approval", "2d".to_owned(), 1, Required::All),
        ]
    );
    assert_eq!(chain.levels[1].logic, Logic::And);
    assert_eq!(chain.levels[1].groups[1].required, Required::All);
    assert_eq!(chain.levels[2].conditions.as_ref().unwrap().to_string(), "priority = critical OR labels contains breaking-change");
    assert_eq!(chain.levels[3].conditions.as_ref().unwrap().to_string(), "custom_fields.release_type = major");
    let ladder: Vec<String> = chain.escalation.iter().map(|s| format!("{} {}", s.after, s.action.as_str())).collect();
    assert_eq!(ladder, ["2h reminder", "4h escalate", "8h notify_executive", "2d auto_approve"]);

    let fast_track = policy.pack().workflows[0].recipes.iter().find(|r| r.key == "hotfix_fast_track").expect("recipe");
    let changes = fast_track.actions.iter().find_map(|a| match &a.kind {
        ActionKind::ModifyApprovalChain(c) => Some(c.clone()),
        _ => None,
    });
    let changes = changes.expect("modify_approval_chain");
    assert_eq!(changes[0], ChainChange::SkipLevels(vec![3, 4]));
    assert!(matches!(&changes[1], ChainChange::ReduceTimeout { levels: None, to } if to.to_string() == "1h"));
    assert!(matches!(&changes[2], ChainChange::AddApprovers { level: 1, .. }));
}

#[test]
fn roles_used_but_not_declared_are_warnings_not_errors() {
    let policy = Policy::builtin();
    let warnings: Vec<&str> = policy.warnings().iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        warnings,
        [
            "role `engineering_manager` is used (3 places) but not declared in workspace.yaml team.roles",
            "role `director` is used (2 places) but not declared in workspace.yaml team.roles",
            "role `sre_oncall` is used (1 place) but not declared in workspace.yaml team.roles",
        ]
    );
    let first = &policy.warnings()[0];
    let (line, column) = position(&builtin_files(), "workflows/release.yaml", "engineering_manager }]\n          conditions");
    assert_eq!((first.file.as_str(), first.line, first.column), ("workflows/release.yaml", line, column));
}

/// Asserts that loading `files` fails with an error in `file` at the position of `needle` whose
/// message contains `message`.
fn assert_error_at(files: &[PackFile], file: &str, needle: &str, message: &str) {
    let err = load_err(files);
    let (line, column) = position(files, file, needle);
    let found = err.errors.iter().find(|e| e.file == file && e.line == line && e.column == column);
    match found {
        Some(e) => assert!(e.message.contains(message), "message `{}` should contain `{message}`", e.message),
        None => panic!("no error at {file}:{line}:{column}; errors were:\n{err}"),
    }
}

const WF: &str = "workflows/release.yaml";

#[test]
fn yaml_syntax_errors_name_file_line_and_column() {
    let files = builtin_with(WF, "    name: Approve for Production\n", "    name: Approve for Production\n   bad: indentation\n");
    let err = load_err(&files);
    let e = err.first();
    let (line, _) = position(&files, WF, "   bad: indentation");
    assert_eq!((e.file.as_str(), e.line), (WF, line), "{err}");
    assert!(e.message.starts_with("YAML syntax:"), "{}", e.message);
    assert!(e.column > 0);
}

#[test]
fn a_wrong_type_says_what_was_expected() {
    let files = builtin_with(WF, "wip_limit: 3", "wip_limit: three");
    assert_error_at(&files, WF, "three", "expected a whole number of at least 1, found `three`");
    let files = builtin_with(WF, "required: any\n          timeout: 4h", "required: [any]\n          timeout: 4h");
    assert_error_at(&files, WF, "[any]", "`required` is `any`, `all` or a number of approvers");
}

#[test]
fn an_unknown_operator_is_an_error_listing_the_spellings() {
    let files = builtin_with(WF, "operator: contains", "operator: includes");
    assert_error_at(&files, WF, "includes", "unknown operator `includes`; expected one of =, equals, ==");
}

#[test]
fn a_bad_duration_is_an_error() {
    for bad in ["24 hours", "-1h", "0h", "1.5d"] {
        let files = builtin_with(WF, "timeout: 24h", &format!("timeout: {bad}"));
        assert_error_at(&files, WF, bad, &format!("`{bad}` is not a duration"));
    }
    let files = builtin_with(WF, "timeout: 24h", "timeout: 24");
    assert_error_at(&files, WF, "24\n          assignments: [{ type: role, identifier: engineering_manager", "a bare number has no unit");
}

#[test]
fn a_transition_to_an_undefined_state_is_an_error() {
    let files = builtin_with(WF, "to: completed\n    name: Verify", "to: complete\n    name: Verify");
    assert_error_at(&files, WF, "complete\n", "unknown state `complete`; the workflow's states are development, staging");
}

#[test]
fn duplicate_level_numbers_are_an_error_at_the_second() {
    let files = builtin_with(WF, "- level: 4", "- level: 3");
    let (first_line, _) = position(&files, WF, "level: 3");
    let err = load_err(&files);
    let e = err.errors.iter().find(|e| e.message.starts_with("duplicate level 3")).unwrap_or_else(|| panic!("{err}"));
    assert!(e.line > first_line, "reported at the second definition");
    assert!(e.message.contains(&format!("already defined at line {first_line}")), "{}", e.message);
}

const FAST_TRACK: &str = "workflows/release/automation_recipes/hotfix_fast_track.yaml";

#[test]
fn skip_levels_naming_a_missing_level_is_an_error() {
    let files = builtin_with(FAST_TRACK, "skip_levels: [3, 4]", "skip_levels: [3, 5]");
    assert_error_at(&files, FAST_TRACK, "5]", "there is no level 5 in the approval chain (levels: 1, 2, 3, 4)");
}

#[test]
fn add_approvers_naming_a_missing_level_is_an_error() {
    let files = builtin_with(FAST_TRACK, "level: 1", "level: 9");
    assert_error_at(&files, FAST_TRACK, "9\n", "there is no level 9");
}

const DASHBOARD: &str = "dashboards/deployment_health.yaml";

#[test]
fn an_alert_on_an_unknown_metric_is_an_error() {
    let files = builtin_with(DASHBOARD, "metric: rollback_rate", "metric: rollback_ratio");
    assert_error_at(&files, DASHBOARD, "rollback_ratio", "unknown metric `rollback_ratio`");
    let files = builtin_with(
        DASHBOARD,
        "field: pending_duration_hours, operator: \">\", value: 8",
        "field: waiting_hours, operator: \">\", value: 8",
    );
    assert_error_at(&files, DASHBOARD, "waiting_hours", "unknown alert field `waiting_hours`");
}

#[test]
fn a_condition_value_outside_a_select_is_an_error_not_a_silently_skipped_level() {
    let files = builtin_with(WF, "value: major", "value: majr");
    assert_error_at(
        &files,
        WF,
        "majr",
        "`majr` is not an option of custom field `release_type`; its options are major, minor, patch, hotfix",
    );
    let files = builtin_with(FAST_TRACK, "value: pending_approval", "value: pending-approval");
    assert_error_at(&files, FAST_TRACK, "pending-approval", "unknown state `pending-approval`");
    let files = builtin_with(FAST_TRACK, "value: Hotfix", "value: HotFix");
    assert_error_at(&files, FAST_TRACK, "HotFix", "unknown case type `HotFix`");
}

#[test]
fn an_unknown_field_path_is_an_error() {
    // A near miss of a known field is a typo, wherever it is written.
    let files = builtin_with(WF, "field: priority", "field: prioirty");
    assert_error_at(&files, WF, "prioirty,", "unknown field `prioirty`; did you mean `priority`?");
    let files = builtin_with(WF, "field: priority", "field: Priority.x");
    assert_error_at(&files, WF, "Priority.x,", "unknown field `Priority.x`");
}

#[test]
fn a_field_nothing_defines_is_read_from_custom_fields_with_a_warning_but_never_waives_an_approval() {
    // In a recipe: a warning, and the value comes from custom_fields.
    let recipe = "workflows/release/automation_recipes/hotfix_fast_track.yaml";
    let files = builtin_with(recipe, "field: custom_fields.severity", "field: ai_risk_score");
    let policy = Policy::from_pack(&files).expect("loads with a warning");
    let (line, _) = position(&files, recipe, "ai_risk_score");
    let warning = policy.warnings().iter().find(|w| w.file == recipe && w.line == line).expect("a warning at the field");
    assert!(warning.message.starts_with("field `ai_risk_score` (1 condition) is defined by nothing in the pack"), "{warning}");
    // In an approval level's conditions an absent value would skip the level: refused.
    let files = builtin_with(WF, "field: priority", "field: ai_risk_score");
    assert_error_at(&files, WF, "ai_risk_score,", "an approval's conditions may not read it");
}

#[test]
fn several_errors_in_one_pack_are_all_reported_in_order() {
    let files = builtin_with(WF, "operator: contains", "operator: includes");
    let files = mutate(files, WF, "to: completed\n    name: Verify", "to: complete\n    name: Verify");
    let files = mutate(files, FAST_TRACK, "all_levels: 1h", "all_levels: 1 hour");
    let files = mutate(files, DASHBOARD, "metric: rollback_rate", "metric: nope");
    let err = load_err(&files);
    let found: Vec<(&str, &str)> = err.errors.iter().map(|e| (e.file.as_str(), e.message.split(';').next().unwrap_or(""))).collect();
    assert_eq!(
        found,
        [
            (DASHBOARD, "unknown metric `nope`: no widget of this dashboard and no workflow metric has that id"),
            (WF, "unknown operator `includes`"),
            (WF, "unknown state `complete`"),
            (FAST_TRACK, "`1 hour` is not a duration: expected `<number><unit>` with unit s, m, h, d or w"),
        ]
    );
    assert_eq!(err.warnings.len(), 3, "warnings are reported beside the errors");
}

#[test]
fn structural_mistakes_in_the_chain() {
    let files =
        builtin_with(WF, "          logic: AND\n", "          logic: AND\n          assignments: [{ type: role, identifier: sre }]\n");
    assert_error_at(&files, WF, "parallel:\n", "either `assignments` or `parallel`");
    let files = builtin_with(WF, "required: any\n          timeout: 4h", "required: 0\n          timeout: 4h");
    assert_error_at(&files, WF, "0\n          timeout: 4h", "`required` is `any`, `all` or a number of approvers (1 or more)");
    let files =
        builtin_with(WF, "action: notify_executive\n          to: [{ type: role, identifier: director }]\n", "action: notify_executive\n");
    assert_error_at(&files, WF, "after: 8h", "`notify_executive` needs `to`");
    let files = builtin_with(WF, "action: reminder", "action: remind");
    assert_error_at(
        &files,
        WF,
        "remind,",
        "unknown escalation action `remind`; expected one of reminder, escalate, notify_executive, auto_approve",
    );
}

#[test]
fn a_typo_in_a_decision_key_is_an_error_at_the_key_naming_the_nearest_known_key() {
    let files = builtin_with(WF, "timeout: 24h", "timout: 24h");
    assert_error_at(&files, WF, "timout", "unknown key `timout` in an approval level; did you mean `timeout`? known keys: level, name,");
}

#[test]
fn a_typo_of_a_guard_under_transition_metadata_is_refused_though_metadata_is_descriptive() {
    let files = builtin_with(WF, "requires_fields: [version_tag, changelog]", "requires_feilds: [version_tag, changelog]");
    assert_error_at(&files, WF, "requires_feilds", "did you mean `requires_fields`");
    // Other metadata keys stay free: display data decides nothing.
    let files = builtin_with(WF, "metadata: { rejection: true }", "metadata: { rejection: true, colour: red }");
    Policy::from_pack(&files).expect("descriptive metadata keys load");
}

#[test]
fn a_known_kiket_construct_the_engine_does_not_honour_yet_is_refused_at_its_key() {
    let files = builtin_with(WF, "  production:\n    type: active\n", "  production:\n    type: active\n    pause:\n      x: 1\n");
    assert_error_at(&files, WF, "pause:", "unknown key `pause` in a state");
    let checklist = "    checklist:\n      id: verify\n      items: [{id: smoke, check_type: manual, required: true}]\n      on_complete: [{action: transition, to: completed}]\n";
    let files = builtin_with(WF, "  production:\n    type: active\n", &format!("  production:\n    type: active\n{checklist}"));
    assert_error_at(&files, WF, "on_complete", "it would have to guard each move; the pack is refused rather than read past");
}

#[test]
fn an_action_that_would_move_a_case_is_refused() {
    let files = builtin_with(WF, "{ action: set_field, field: deployed_at,", "{ action: set_field, field: status,");
    assert_error_at(&files, WF, "action: set_field, field: status", "actions that move a case");
}

#[test]
fn conditions_deeper_than_the_limit_are_refused() {
    let deep = format!("{}{{ field: priority, operator: \"=\", value: critical }}{}", "{ not: ".repeat(70), " }".repeat(70));
    let files = builtin_with(WF, "- { field: custom_fields.release_type, operator: \"=\", value: major }", &format!("- {deep}"));
    let err = load_err(&files);
    assert!(err.errors.iter().any(|e| e.message == "conditions nested deeper than 64 levels"), "{err}");
    let relaxed = LoadOptions { max_condition_depth: 100, ..LoadOptions::default() };
    assert!(Policy::from_pack_with(&files, &relaxed).is_ok(), "the limit is the host's to set");
}

#[test]
fn an_alias_bomb_is_refused() {
    let mut bomb = String::from("x0: &x0 [a, a, a, a, a, a, a, a, a, a]\n");
    for i in 1..9 {
        bomb.push_str(&format!("x{i}: &x{i} [{}]\n", vec![format!("*x{}", i - 1); 10].join(", ")));
    }
    let mut files = builtin_files();
    files.push(PackFile::new("boards/bomb.yaml", bomb));
    let err = load_err(&files);
    assert_eq!(err.first().file, "boards/bomb.yaml");
    assert!(err.first().message.contains("expands to more than 200000 nodes"), "{err}");
}

#[test]
fn packs_over_the_size_limit_are_refused_before_parsing() {
    let tight = LoadOptions { max_definitions_bytes: 1000, ..LoadOptions::default() };
    let err = Policy::from_pack_with(&builtin_files(), &tight).unwrap_err();
    assert!(err.first().message.contains("the limit is 1000 bytes"), "{err}");
}

#[test]
fn a_pack_may_lack_case_types_and_workflows() {
    let request = r#"{"now": "2026-11-30T15:00:00Z", "release": {"id": "R", "case_type": "Anything", "status": "staging",
        "status_since": "2026-11-30T09:00:00Z", "custom_fields": {"release_type": "not-an-option"}}}"#;

    // A bundle with no workflow validates; evaluating against it is a request error.
    let bundle = Policy::from_pack(&[PackFile::new("project.yaml", "project: {key: OPS, name: Ops}\n")]).expect("a bundle loads");
    let err = bundle.evaluate_json(request, &Default::default()).unwrap_err();
    assert_eq!((err.path.as_deref(), err.message.as_str()), (Some("release"), "the pack has no workflow to evaluate a case against"));

    // Without a case types file, `case_type` is free text and no custom field is checked.
    let untyped: Vec<PackFile> = builtin_files().into_iter().filter(|f| f.path != "case_types.yaml").collect();
    let policy = Policy::from_pack(&untyped).expect("loads without case types");
    policy.evaluate_json(request, &Default::default()).expect("any case type, any custom field");

    // Recipes without their workflow are an error.
    let orphans: Vec<PackFile> = builtin_files().into_iter().filter(|f| f.path != WF).collect();
    let err = load_err(&orphans);
    assert!(err.errors.iter().any(|e| e.message.contains("recipes of workflow `release`, but there is no such workflow")), "{err}");
}

#[test]
fn aliases_of_file_names_and_keys_are_accepted() {
    let files: Vec<PackFile> = builtin_files()
        .into_iter()
        .map(|f| match f.path.as_str() {
            "case_types.yaml" => PackFile::new(".kiket/issue_types.yaml", f.text.replacen("case_types:", "issue_types:", 1)),
            "workspace.yaml" => PackFile::new("project.yaml", f.text.replacen("workspace:", "project:", 1)),
            _ => f,
        })
        .collect();
    let files = mutate(files, FAST_TRACK, "field: case_type", "field: issue.issue_type");
    let policy = Policy::from_pack(&files).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.pack(), Policy::builtin().pack());
}

/// JSON text of a YAML tree, keys in written order (as `JSON.stringify` of a parsed object keeps them).
fn json_text(node: &release_policy::definitions::yaml::Node) -> String {
    use release_policy::definitions::yaml::Kind;
    match &node.kind {
        Kind::Seq(items) => format!("[{}]", items.iter().map(json_text).collect::<Vec<_>>().join(",")),
        Kind::Map(entries) => {
            let body: Vec<String> =
                entries.iter().map(|(k, v)| format!("{}:{}", serde_json::to_string(k.key_text()).unwrap(), json_text(v))).collect();
            format!("{{{}}}", body.join(","))
        }
        Kind::Scalar { .. } => node.to_json().to_string(),
    }
}

#[test]
fn a_pack_may_be_given_as_json() {
    // JSON is YAML: a host holding parsed objects can hand them over serialised.
    let files: Vec<PackFile> = builtin_files()
        .into_iter()
        .map(|f| {
            let tree = release_policy::definitions::yaml::parse(&f.text).expect("parse");
            PackFile::new(f.path, json_text(&tree))
        })
        .collect();
    let policy = Policy::from_pack(&files).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(policy.pack(), Policy::builtin().pack());
}

/// build.rs stores the built-in pack's YAML trees so that loading it skips YAML scanning; the trees
/// must be exactly what the loader's parser makes of the same text (else a changed definitions/
/// file and its stored tree could disagree).
#[test]
fn the_stored_trees_of_the_builtin_pack_are_the_parsers_trees() {
    use release_policy::definitions::yaml;
    for (path, text) in release_policy::BUILTIN_FILES {
        let parsed = yaml::parse(text).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        let mut bytes = Vec::new();
        assert!(yaml::encode(&parsed, text, &mut bytes).is_some(), "{path}: every position is in the text");
        // `decode` reads static bytes (the stored trees are); leaking a test's few KB is fine.
        assert_eq!(yaml::decode(bytes.leak(), text).as_ref(), Some(&parsed), "{path}: the encoding round-trips");
    }
    // Loading through the stored trees and through the parser gives the same policy and warnings.
    let stored = Policy::builtin();
    let edited: Vec<PackFile> =
        release_policy::BUILTIN_FILES.iter().map(|(path, text)| PackFile::new(*path, format!("{text}\n# edited\n"))).collect();
    let parsed = Policy::from_pack(&edited).expect("loads");
    assert_eq!(format!("{:?}", stored.pack()), format!("{:?}", parsed.pack()));
    assert_eq!(stored.warnings(), parsed.warnings());
}
