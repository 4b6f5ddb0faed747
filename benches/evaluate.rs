//! `make bench`: evaluating a typical pending release, against peers measured in the same run.
//!
//! The request: a release in pending_approval with 2 approvals recorded and a directory of 6 roles
//! (the case the engine issue sets a goal for: ≤ 3 µs per `Policy::evaluate`).

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use release_policy::{Policy, RequestLimits, request};

const TYPICAL: &str = r#"{
  "now": "2026-11-30T15:00:00Z",
  "release": {
    "id": "REL-42", "title": "Release v3.0.0", "case_type": "Release",
    "status": "pending_approval", "status_since": "2026-11-30T09:00:00Z",
    "priority": "high", "labels": ["breaking-change"],
    "assignee": "alice", "reporter": "alice", "requested_by": "alice",
    "custom_fields": { "release_type": "minor", "version_tag": "v3.0.0", "changelog": "Fixes" },
    "approvals": [
      { "level": 1, "approver": "quinn", "decision": "approve", "at": "2026-11-30T10:00:00Z" },
      { "level": 2, "group": "sre", "approver": "sam", "decision": "approve", "at": "2026-11-30T11:00:00Z" }
    ]
  },
  "directory": {
    "roles": { "qa_lead": ["quinn"], "engineering_lead": ["erin"], "sre": ["sam", "sasha"],
               "engineering_manager": ["mia"], "director": ["dana"], "sre_oncall": ["otto"] }
  }
}"#;

fn bench(c: &mut Criterion) {
    let policy = Policy::builtin();
    let limits = RequestLimits::default();
    let parsed = request::parse(TYPICAL, &limits).expect("valid request");

    let mut group = c.benchmark_group("typical pending release");
    group.bench_function("Policy::evaluate (parsed request)", |b| {
        b.iter(|| black_box(policy.evaluate(black_box(&parsed)).expect("evaluates")))
    });
    group.bench_function("Policy::evaluate + serialize to JSON", |b| {
        b.iter(|| black_box(serde_json::to_string(&policy.evaluate(black_box(&parsed)).expect("evaluates")).expect("json")))
    });
    group.bench_function("Policy::evaluate_json (parse + evaluate + serialize)", |b| {
        b.iter(|| black_box(policy.evaluate_json(black_box(TYPICAL), &limits)))
    });
    // Peers: what merely reading the same request costs, with serde_json.
    group.bench_function("peer: serde_json::Value parse of the request", |b| {
        b.iter(|| black_box(serde_json::from_str::<serde_json::Value>(black_box(TYPICAL)).expect("json")))
    });
    group.bench_function("peer: typed request parse (serde)", |b| {
        b.iter(|| black_box(request::parse(black_box(TYPICAL), &limits).expect("parses")))
    });
    group.finish();

    c.bench_function("Policy::builtin (load and validate the pack)", |b| b.iter(|| black_box(Policy::builtin())));
}

criterion_group!(benches, bench);
criterion_main!(benches);
