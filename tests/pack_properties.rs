//! Invariants over random cases of every public pack with a workflow (SPEC §13): a guard never
//! answers `allow` for a transition whose conditions, checklist or state approval do not hold.
//!
//! Cases are generated from each pack's own vocabulary (its states, the fields and values its
//! conditions read, its checklists' items, its approvers' roles), so every pack is covered without
//! code; the checks on checklists and state approvals are worked out from the request here, not
//! read back from the answer.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::sync::OnceLock;

use common::*;
use proptest::prelude::*;
use release_policy::definitions::{AssignmentKind, Workflow};
use release_policy::{Condition, FieldPath, Literal, Operator, Policy, RequestLimits};
use serde_json::{Value, json};

const USERS: [&str; 6] = ["ann", "bob", "cat", "dan", "eve", "fay"];

struct Loaded {
    name: String,
    policy: Policy,
}

fn packs() -> &'static [Loaded] {
    static PACKS: OnceLock<Vec<Loaded>> = OnceLock::new();
    PACKS.get_or_init(|| {
        upstream_packs()
            .into_iter()
            .map(|(name, _)| Loaded { policy: Policy::from_pack(&upstream_pack_files(&name)).expect("loads"), name })
            .filter(|l| !l.policy.pack().workflows.is_empty())
            .collect()
    })
}

/// Every leaf of every condition a workflow holds: transitions, entry guards, approvals,
/// checklists' auto items, SLA variants, recipes.
fn leaves(w: &Workflow) -> Vec<&release_policy::condition::Leaf> {
    let mut trees: Vec<&Condition> = Vec::new();
    trees.extend(w.transitions.iter().filter_map(|t| t.conditions.as_ref()));
    for s in &w.states {
        trees.extend(s.conditions.as_ref());
        trees.extend(s.approval.as_ref().and_then(|a| a.conditions.as_ref()));
        trees.extend(s.checklist.iter().flat_map(|c| c.items.iter().filter_map(|i| i.auto.as_ref())));
        trees.extend(s.sla_variants.iter().map(|v| &v.condition));
    }
    trees.extend(w.recipes.iter().filter_map(|r| r.conditions.as_ref()));
    trees.into_iter().flat_map(|c| c.leaves()).collect()
}

fn literal_json(l: &Literal) -> Value {
    match l {
        Literal::Bool(b) => json!(b),
        Literal::Number(n) => json!(n),
        Literal::String(s) => json!(s),
        Literal::List(items) => Value::Array(items.iter().map(literal_json).collect()),
    }
}

/// A random case of a random workflow of a random pack, driven by `picks` (one number per choice).
fn case(picks: &[u32]) -> (usize, Value) {
    let mut next = picks.iter().copied().cycle();
    let mut pick = |n: usize| (next.next().unwrap_or(0) as usize) % n.max(1);
    let p = pick(packs().len());
    let pack = packs()[p].policy.pack();
    let w = &pack.workflows[pick(pack.workflows.len())];
    let status = &w.states[pick(w.states.len())].id;
    // A case type routed to the workflow, else one that names no workflow, else free text.
    let case_type = pack
        .case_types
        .iter()
        .find(|c| c.workflow.as_deref() == Some(&w.id))
        .or_else(|| pack.case_types.iter().find(|c| c.workflow.is_none()))
        .map_or("any", |c| c.key.as_str());

    // Values for every custom or undefined field a condition reads: one it compares with, a
    // number near its thresholds, or absent.
    let mut custom = serde_json::Map::new();
    for leaf in leaves(w) {
        let key = match &leaf.field {
            FieldPath::CustomField(k) | FieldPath::Undefined(k) => k.clone(),
            _ => continue,
        };
        let value = match (&leaf.value, pick(4)) {
            (_, 0) => continue,
            (Some(Literal::Number(n)), 1) => json!(n + 1.0),
            (Some(Literal::Number(n)), 2) => json!((n - 1.0).max(0.0)),
            (Some(Literal::List(items)), _) if !items.is_empty() => literal_json(&items[pick(items.len())]),
            (Some(l), _) => literal_json(l),
            (None, _) => json!("x"),
        };
        custom.insert(key, value);
    }
    let mut checklists = serde_json::Map::new();
    for c in w.states.iter().filter_map(|s| s.checklist.as_ref()) {
        let mut ticks = serde_json::Map::new();
        for item in &c.items {
            if pick(3) > 0 {
                ticks.insert(item.id.clone(), json!(pick(4) > 0));
            }
        }
        checklists.insert(c.id.clone(), Value::Object(ticks));
    }
    // Every approver role held by one or two random users; state approvals by random users.
    let mut roles = serde_json::Map::new();
    for s in w.states.iter().filter_map(|s| s.approval.as_ref()) {
        for a in s.group.assignments.iter().filter(|a| a.kind == AssignmentKind::Role) {
            let members: Vec<&str> = (0..1 + pick(2)).map(|_| USERS[pick(USERS.len())]).collect();
            roles.insert(a.identifier.clone(), json!(members));
        }
    }
    let approvals: Vec<Value> = (0..pick(4))
        .map(|_| {
            let at = ["2026-11-30T08:00:00Z", "2026-11-30T10:00:00Z", "2026-11-30T14:00:00Z"][pick(3)];
            let decision = if pick(4) == 0 { "reject" } else { "approve" };
            json!({"state": status, "approver": USERS[pick(USERS.len())], "decision": decision, "at": at})
        })
        .filter(|_| w.state(status).is_some_and(|s| s.approval.is_some()))
        .collect();
    let mut release = json!({"id": "P-1", "case_type": case_type, "workflow": w.id, "status": status, "status_since": "2026-11-30T09:00:00Z",
                             "reporter": USERS[pick(USERS.len())], "custom_fields": custom, "checklists": checklists, "approvals": approvals});
    if pick(2) == 0 {
        release["assignee"] = json!(USERS[pick(USERS.len())]);
    }
    if pick(2) == 0 {
        release["updated_at"] = json!("2026-11-20T09:00:00Z");
    }
    (p, json!({"now": "2026-11-30T15:00:00Z", "release": release, "directory": {"roles": roles}}))
}

/// Whether the request alone shows the checklist complete: every required item ticked (manual) or
/// its one `field = value` condition met by the custom fields (auto). `None`: not decidable here.
fn checklist_complete(w: &Workflow, id: &str, release: &Value) -> Option<bool> {
    let c = w.states.iter().filter_map(|s| s.checklist.as_ref()).find(|c| c.id == id)?;
    let mut complete = true;
    for item in c.items.iter().filter(|i| c.all_required || i.required) {
        let done = match &item.auto {
            None => release["checklists"][id][&item.id] == json!(true),
            Some(Condition::Leaf(leaf)) if leaf.operator == Operator::Eq => match (&leaf.field, &leaf.value) {
                (FieldPath::CustomField(k), Some(v)) => release["custom_fields"][k] == literal_json(v),
                _ => return None,
            },
            Some(_) => return None,
        };
        complete &= done;
    }
    Some(complete)
}

/// Whether an eligible person (a member of an approver role, not the reporter) decided `decision`
/// on the state since the case entered it: worked out from the request alone.
fn decided(w: &Workflow, status: &str, req: &Value, decision: &str) -> bool {
    let Some(approval) = w.state(status).and_then(|s| s.approval.as_ref()) else { return false };
    let release = &req["release"];
    release["approvals"].as_array().unwrap().iter().any(|a| {
        let who = a["approver"].as_str().unwrap();
        let eligible = approval.group.assignments.iter().any(|asg| match asg.kind {
            AssignmentKind::Role => req["directory"]["roles"][&asg.identifier].as_array().is_some_and(|m| m.iter().any(|u| u == who)),
            AssignmentKind::User => asg.identifier == who,
        });
        a["decision"] == decision && eligible && release["reporter"] != who && a["at"].as_str().unwrap() >= "2026-11-30T09:00:00Z"
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_exit_is_allowed_whose_conditions_checklist_or_state_approval_do_not_hold(picks in prop::collection::vec(any::<u32>(), 64)) {
        let (p, req) = case(&picks);
        let loaded = &packs()[p];
        let policy = &loaded.policy;
        let release = &req["release"];
        let w = policy.pack().workflow(release["workflow"].as_str().unwrap()).unwrap();
        let status = release["status"].as_str().unwrap();
        let text = policy.evaluate_json(&req.to_string(), &RequestLimits::default()).unwrap_or_else(|e| panic!("{}: {e:?}\n{req}", loaded.name));
        let answer: Value = serde_json::from_str(&text).unwrap();
        for row in answer["transitions"].as_array().unwrap() {
            let to = row["to"].as_str().unwrap();
            let mut guard_req = req.clone();
            guard_req["transition"] = json!({"from": status, "to": to});
            let guard: Value = serde_json::from_str(&policy.guard_json(&guard_req.to_string(), &RequestLimits::default()).unwrap()).unwrap();
            prop_assert_eq!(guard["status"] == "allow", row["allowed"] == true, "{}: guard and row disagree on {} -> {}", loaded.name, status, to);
            if row["allowed"] != true {
                continue;
            }
            // Every pack's guards are conjunctions: an allowed exit has no false leaf.
            for leaf in row["conditions"].as_array().into_iter().flatten() {
                prop_assert_eq!(&leaf["result"], &json!(true), "{}: {} -> {} allowed with {}", loaded.name, status, to, leaf);
                if let Some(id) = leaf["field"].as_str().and_then(|f| f.strip_prefix("checklist:")) {
                    if leaf["expected"] == json!(true) {
                        prop_assert_ne!(checklist_complete(w, id, release), Some(false), "{}: checklist {} incomplete, {} -> {} allowed", loaded.name, id, status, to);
                    }
                }
            }
            let t = w.transitions.iter().find(|t| t.from == status && t.to == to).unwrap();
            let sa = &answer["state_approval"];
            if sa["required"] == true {
                let needed = if t.rejects() { "reject" } else { "approve" };
                prop_assert!(decided(w, status, &req, needed), "{}: {} -> {} allowed without an eligible {}: {}", loaded.name, status, to, needed, sa);
            }
        }
    }
}
