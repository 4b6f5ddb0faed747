//! The golden answers in tests/golden/ are what the native engine answers for
//! examples/pending-release.json. The WebAssembly suites (tests/wasm_*.rs) compare Node's and the
//! browser's answers with them byte for byte; this test keeps them current.
#![cfg(not(target_arch = "wasm32"))] // native-only: files, processes, the upstream pack on disk

use release_policy::{Policy, RequestLimits};

#[test]
fn the_golden_answers_are_the_native_engines() {
    let request = include_str!("../examples/pending-release.json");
    let policy = Policy::builtin();
    let limits = RequestLimits::default();
    let golden =
        |name: &str| std::fs::read_to_string(format!("{}/tests/golden/pending-release.{name}.json", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert_eq!(
        policy.evaluate_json(request, &limits).unwrap(),
        golden("evaluate").trim_end(),
        "regenerate with `release-policy evaluate examples/pending-release.json --compact`"
    );
    assert_eq!(policy.guard_json(request, &limits).unwrap(), golden("guard").trim_end());
    assert_eq!(policy.timeline_json(request, &limits).unwrap(), golden("timeline").trim_end());
}
