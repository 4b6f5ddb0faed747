//! Invariants over random releases, approvals, delegations and calendars.
#![cfg(not(target_arch = "wasm32"))] // native-only: files, processes, the upstream pack on disk

use proptest::prelude::*;
use release_policy::{Policy, RequestLimits};
use serde_json::{Value, json};

const USERS: [&str; 10] = ["quinn", "qiana", "erin", "sam", "sasha", "mia", "dana", "otto", "alice", "zed"];
const BASE: i64 = 1_795_000_000; // 2026-11-18T…Z

fn at(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).unwrap().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

prop_compose! {
    fn approval(since: i64)(level in 1u32..=5, who in 0..USERS.len(), reject in prop::bool::weighted(0.1), minutes in -60i64..6 * 24 * 60) -> Value {
        json!({"level": level, "approver": USERS[who], "decision": if reject { "reject" } else { "approve" }, "at": at(since + minutes * 60)})
    }
}

prop_compose! {
    fn delegation()(from in 0..USERS.len(), to in 0..USERS.len(), start_h in 0i64..14 * 24, len_h in 1i64..72) -> Value {
        json!({"from": USERS[from], "to": USERS[to], "start": at(BASE + start_h * 3600), "end": at(BASE + (start_h + len_h) * 3600)})
    }
}

prop_compose! {
    fn request()(
        since_min in 0i64..7 * 24 * 60,
        now_min in 0i64..8 * 24 * 60,
        priority in prop::sample::select(vec!["low", "medium", "high", "critical"]),
        breaking in any::<bool>(),
        release_type in prop::sample::select(vec!["major", "minor", "patch", "hotfix"]),
        requester in 0..USERS.len(),
        berlin in any::<bool>(),
        drop_sre in prop::bool::weighted(0.2),
        delegations in prop::collection::vec(delegation(), 0..3),
        seed in any::<u64>(),
    )(
        approvals in prop::collection::vec(approval(BASE + since_min * 60), 0..10),
        since_min in Just(since_min), now_min in Just(now_min), priority in Just(priority), breaking in Just(breaking),
        release_type in Just(release_type), requester in Just(requester), berlin in Just(berlin), drop_sre in Just(drop_sre),
        delegations in Just(delegations), _seed in Just(seed),
    ) -> Value {
        let since = BASE + since_min * 60;
        let mut roles = json!({"qa_lead": ["quinn", "qiana"], "engineering_lead": ["erin"], "sre": ["sam", "sasha"],
                               "engineering_manager": ["mia"], "director": ["dana"], "sre_oncall": ["otto"]});
        if drop_sre { roles.as_object_mut().unwrap().remove("sre"); }
        let mut req = json!({
            "now": at(since + now_min * 60),
            "release": {"id": "REL-P", "case_type": "Release", "status": "pending_approval", "status_since": at(since),
                        "priority": priority, "labels": if breaking { vec!["breaking-change"] } else { vec![] },
                        "requested_by": USERS[requester], "custom_fields": {"release_type": release_type}, "approvals": approvals},
            "directory": {"roles": roles, "delegations": delegations},
            "transition": {"from": "pending_approval", "to": "production"}
        });
        if berlin { req["calendar"] = json!({"timezone": "Europe/Berlin", "holidays": ["2026-12-25"]}); }
        req
    }
}

fn evaluate(policy: &Policy, req: &Value) -> Value {
    let text = policy.evaluate_json(&req.to_string(), &RequestLimits::default()).unwrap_or_else(|e| panic!("{e:?}\n{req}"));
    serde_json::from_str(&text).unwrap()
}

fn seconds(v: &Value) -> i64 {
    v.as_str().unwrap().parse::<jiff::Timestamp>().unwrap().as_second()
}

/// The part of the answer `wake_at` speaks for.
fn timed_part(answer: &Value) -> Value {
    json!([answer["chain"], answer["escalation"], answer["sla"]])
}

fn with_now(req: &Value, now: i64) -> Value {
    let mut r = req.clone();
    r["now"] = json!(at(now));
    r
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_same_request_always_gets_the_same_bytes(req in request()) {
        let policy = Policy::builtin();
        let a = policy.evaluate_json(&req.to_string(), &RequestLimits::default()).unwrap();
        let b = policy.evaluate_json(&req.to_string(), &RequestLimits::default()).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn levels_are_in_order_and_none_completes_before_it_activates(req in request()) {
        let answer = evaluate(&Policy::builtin(), &req);
        let levels = answer["chain"]["levels"].as_array().unwrap();
        let numbers: Vec<u64> = levels.iter().map(|l| l["level"].as_u64().unwrap()).collect();
        prop_assert_eq!(&numbers, &vec![1, 2, 3, 4]);
        for l in levels {
            if let (Value::String(_), Value::String(_)) = (&l["activated_at"], &l["completed_at"]) {
                prop_assert!(seconds(&l["completed_at"]) >= seconds(&l["activated_at"]), "{}", l);
            }
        }
    }

    #[test]
    fn auto_approval_never_comes_before_its_step(req in request()) {
        let answer = evaluate(&Policy::builtin(), &req);
        for entry in answer["audit"].as_array().unwrap() {
            let level = &answer["chain"]["levels"][entry["level"].as_u64().unwrap() as usize - 1];
            prop_assert!(seconds(&entry["at"]) >= seconds(&level["activated_at"]) + 48 * 3600, "{} {}", entry, level);
            prop_assert_eq!(&level["state"], "auto_approved");
            prop_assert_eq!(&entry["reason"], "Auto-approved due to timeout - no response within SLA");
        }
        let auto = answer["chain"]["levels"].as_array().unwrap().iter().filter(|l| l["state"] == "auto_approved").count();
        prop_assert_eq!(auto, answer["audit"].as_array().unwrap().len(), "every auto-approval has its audit entry");
    }

    #[test]
    fn the_guard_never_allows_production_before_the_chain_is_approved(req in request()) {
        let policy = Policy::builtin();
        let answer = evaluate(&policy, &req);
        let guard: Value = serde_json::from_str(&policy.guard_json(&req.to_string(), &RequestLimits::default()).unwrap()).unwrap();
        if answer["chain"]["state"] != "approved" {
            prop_assert_ne!(&guard["status"], "allow", "{}", guard);
        } else {
            prop_assert_eq!(&guard["status"], "allow", "{}", guard);
        }
    }

    #[test]
    fn nothing_changes_before_wake_at_and_something_changes_at_it(req in request()) {
        let policy = Policy::builtin();
        let answer = evaluate(&policy, &req);
        let now = seconds(&req["now"]);
        if let Value::String(_) = answer["wake_at"] {
            let wake = seconds(&answer["wake_at"]);
            prop_assert!(wake > now, "wake_at {} is not after now {}", answer["wake_at"], req["now"]);
            let just_before = evaluate(&policy, &with_now(&req, wake - 1));
            let at_wake = evaluate(&policy, &with_now(&req, wake));
            prop_assert_eq!(timed_part(&answer), timed_part(&just_before), "changed before wake_at {}", answer["wake_at"]);
            prop_assert_ne!(timed_part(&just_before), timed_part(&at_wake), "nothing changed at wake_at {}", answer["wake_at"]);
        } else {
            // No wake-up: a week later the timed part is still the same.
            let later = evaluate(&policy, &with_now(&req, now + 7 * 24 * 3600));
            prop_assert_eq!(timed_part(&answer), timed_part(&later));
        }
    }
}
