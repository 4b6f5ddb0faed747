//! The plugin module as a platform runs it: in wasmtime, with fuel and a memory limit, no imports.
//! Build it first with `make pkg` (`make test` does).

#[path = "../../../tests/common/corpus.rs"]
#[allow(dead_code)] // shared with the root tests, which use all of it
mod corpus;

use std::path::PathBuf;
use std::sync::OnceLock;

use plugin_host::{Answer, Bounds, Plugin, Sandbox, exports, imports};
use release_policy::compile::{CompileError, CompileOptions, compile};
use release_policy::{LoadOptions, PackFile, Policy, RequestLimits, builtin_files, validate};

fn read(path: PathBuf, build: &str) -> Vec<u8> {
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; build it with `{build}`", path.display()))
}

/// `pkg/release-policy-plugin.wasm`: the module `make pkg` compiles from the built-in pack.
fn pkg_module() -> Vec<u8> {
    let path = std::env::var("PLUGIN_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pkg/release-policy-plugin.wasm"));
    read(path, "make pkg")
}

/// The plain plugin module (no pack in it) that compile starts from.
fn plain_module() -> &'static [u8] {
    static PLAIN: OnceLock<Vec<u8>> = OnceLock::new();
    PLAIN.get_or_init(|| {
        let path = std::env::var("RELEASE_POLICY_PLAIN_MODULE").map(PathBuf::from).unwrap_or_else(|_| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/wasm32-unknown-unknown/wasm-release/release_policy.wasm")
        });
        read(path, "make pkg")
    })
}

/// The sandbox of the shipped module, shared by every test (compiling is the slow part).
fn shipped() -> &'static Sandbox {
    static SHIPPED: OnceLock<Sandbox> = OnceLock::new();
    SHIPPED.get_or_init(|| Sandbox::new(&pkg_module(), Bounds::default()).expect("a valid module"))
}

fn plugin(bounds: Bounds) -> Plugin {
    Sandbox::new(&pkg_module(), bounds).and_then(|s| s.instance()).expect("instantiates with no imports")
}

/// `files` compiled into the plain module.
fn compiled(files: &[PackFile], no_load: bool) -> Vec<u8> {
    let options = CompileOptions { no_load, ..CompileOptions::default() };
    compile(plain_module(), files, &options).unwrap_or_else(|e| panic!("compile: {e}")).wasm
}

/// The native answer, shaped like the plugin's: (status, JSON).
fn native(policy: &Policy, op: &str, request: &str) -> (u32, String) {
    let limits = RequestLimits::default();
    let body = |r: Result<String, release_policy::ErrorBody>| match r {
        Ok(json) => (0, json),
        Err(e) => (if e.kind == release_policy::ErrorKind::Internal { 2 } else { 1 }, e.to_json()),
    };
    match op {
        "evaluate" => body(policy.evaluate_json(request, &limits)),
        "timeline" => body(policy.timeline_json(request, &limits)),
        "analyze" => body(policy.analyze_json(request, &Default::default())),
        "guard" => match policy.guard_json(request, &limits) {
            Ok(answer) => (0, answer),
            Err(deny) => (1, deny),
        },
        other => panic!("unknown operation {other}"),
    }
}

/// Calls `op` on a fresh instance of `sandbox` (handle 0) and checks it against the native engine
/// and against the same call on a warm instance: the same bytes, and at most 1.2× the fuel
/// (SPEC §11). Answers (fresh, warm).
fn fresh_call(sandbox: &Sandbox, warm: &mut Plugin, policy: &Policy, op: &str, request: &str, what: &str) -> (Answer, Answer) {
    let fresh = sandbox.call(op, 0, request.as_bytes()).unwrap();
    let (status, json) = native(policy, op, request);
    assert_eq!((fresh.status, fresh.json.as_str()), (status, json.as_str()), "{what} ({op})");
    let again = warm.call(op, 0, request.as_bytes()).unwrap();
    assert_eq!(again.json, fresh.json, "{what} ({op}): warm and fresh instances differ");
    assert!(
        fresh.fuel_used as f64 <= 1.2 * again.fuel_used as f64,
        "{what} ({op}): a fresh instance burnt {} fuel, a warm one {}",
        fresh.fuel_used,
        again.fuel_used
    );
    (fresh, again)
}

fn scenarios() -> Vec<corpus::Scenario> {
    let scenarios = corpus::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios"));
    assert!(scenarios.len() >= 30);
    scenarios
}

#[test]
fn the_shipped_module_imports_nothing_and_keeps_no_build_export() {
    let module = shipped().module();
    assert_eq!(imports(module), Vec::<(String, String)>::new());
    let names = exports(module);
    assert!(names.iter().any(|n| n == "release_policy_load"), "{names:?}");
    for build_only in ["release_policy_preinit", "release_policy_load_disabled"] {
        assert!(!names.iter().any(|n| n == build_only), "{build_only} is still exported: {names:?}");
    }
    assert_eq!(shipped().instance().unwrap().abi_version().unwrap(), 1);
}

#[test]
fn the_plain_module_answers_that_it_holds_no_pack() {
    let plain = Sandbox::new(plain_module(), Bounds::default()).unwrap();
    let answer = plain.call("evaluate", 0, b"{}").unwrap();
    assert_eq!(answer.status, 1);
    assert!(answer.json.contains("run `release-policy compile`"), "{}", answer.json);
    let guard = plain.call("guard", 0, b"{}").unwrap();
    assert!(guard.json.starts_with("{\"status\":\"deny\""), "{}", guard.json);
}

#[test]
fn the_scenario_corpus_on_fresh_instances_gives_the_native_bytes_for_the_fuel_of_a_warm_call() {
    let sandbox = shipped();
    let mut warm = sandbox.instance().unwrap();
    let mut loaded = sandbox.instance().unwrap();
    let builtin = Policy::builtin();
    let (mut worst, mut max_fuel) = ((0.0f64, String::new()), (0u64, String::new()));
    let scenarios = scenarios();
    // Warm the long-lived instance once: its first call is then like any later one.
    warm.call("evaluate", 0, scenarios[0].request.as_bytes()).unwrap();
    for s in &scenarios {
        let answer = if s.pack_edits.is_empty() {
            let (fresh, again) = fresh_call(sandbox, &mut warm, &builtin, &s.operation, &s.request, &s.name);
            let ratio = fresh.fuel_used as f64 / again.fuel_used as f64;
            if ratio > worst.0 {
                worst = (ratio, s.name.clone());
            }
            fresh
        } else {
            // Another pack: loaded into a long-lived instance, as a host with many packs would.
            let files = corpus::edited(builtin_files(), &s.pack_edits);
            let pack: serde_json::Map<String, serde_json::Value> = files.iter().map(|f| (f.path.clone(), f.text.clone().into())).collect();
            let load = loaded.call("load", 0, serde_json::to_string(&pack).unwrap().as_bytes()).unwrap();
            assert_eq!(load.status, 0, "{}: {}", s.name, load.json);
            let handle = serde_json::from_str::<serde_json::Value>(&load.json).unwrap()["handle"].as_i64().unwrap() as i32;
            let answer = loaded.call(&s.operation, handle, s.request.as_bytes()).unwrap();
            let policy = Policy::from_pack(&files).unwrap();
            let (status, json) = native(&policy, &s.operation, &s.request);
            assert_eq!((answer.status, answer.json.as_str()), (status, json.as_str()), "{}", s.name);
            // And the edited pack compiled: the same answer on a fresh instance.
            let edited = Sandbox::new(&compiled(&files, false), Bounds::default()).unwrap();
            let mut edited_warm = edited.instance().unwrap();
            edited_warm.call(&s.operation, 0, s.request.as_bytes()).unwrap();
            fresh_call(&edited, &mut edited_warm, &policy, &s.operation, &s.request, &format!("{} (compiled)", s.name));
            answer
        };
        if answer.fuel_used > max_fuel.0 {
            max_fuel = (answer.fuel_used, s.name.clone());
        }
    }
    // The budgets the README publishes for hosts: 50 M fuel per call, 16 MiB of memory.
    assert!(max_fuel.0 < 50_000_000, "{} burnt {} fuel", max_fuel.1, max_fuel.0);
    assert!(loaded.memory_bytes() <= 16 << 20, "the instance grew to {} bytes", loaded.memory_bytes());
    println!(
        "{} scenarios byte-identical; fresh/warm fuel at most {:.3}× ({}); most fuel: {} ({}); memory {} KiB",
        scenarios.len(),
        worst.0,
        worst.1,
        max_fuel.0,
        max_fuel.1,
        loaded.memory_bytes() / 1024
    );
}

/// The public Kiket packs beside the repository (`../shared/upstream/kiket-definitions-*`).
fn public_packs() -> Vec<(String, Vec<release_policy::PackFile>)> {
    let roots = [
        std::env::var("KIKET_UPSTREAM_ROOT").map(PathBuf::from).ok(),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/upstream")),
        Some(PathBuf::from("/work/shared/upstream")),
    ];
    let root = roots.into_iter().flatten().find(|r| r.is_dir()).expect("the public packs (../shared/upstream) are missing");
    let mut packs: Vec<(String, Vec<release_policy::PackFile>)> = std::fs::read_dir(root)
        .unwrap()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_str()?.strip_prefix("kiket-definitions-")?.to_owned();
            Some((name, release_policy::pack_dir::read(&path).ok()?))
        })
        .collect();
    packs.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(packs.len() >= 8, "only {} public packs", packs.len());
    packs
}

/// The requests to replay against a pack: its own scenarios (`tests/packs/<name>/`), and the release
/// scenario corpus when the pack reads the corpus's requests (a release pack) or has none of its own.
fn requests_for(name: &str, policy: &Policy) -> Vec<corpus::Scenario> {
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/packs").join(name);
    let mut own = if folder.is_dir() { corpus::load(&folder) } else { Vec::new() };
    let release: Vec<corpus::Scenario> = scenarios().into_iter().filter(|s| s.pack_edits.is_empty()).collect();
    let reads_the_corpus = release.first().is_some_and(|s| policy.evaluate_json(&s.request, &RequestLimits::default()).is_ok());
    if own.is_empty() || reads_the_corpus {
        own.extend(release);
    }
    own
}

#[test]
fn every_public_pack_compiles_and_its_module_answers_the_native_bytes_on_fresh_instances() {
    let mut compared = 0;
    for (name, files) in public_packs() {
        let sandbox = Sandbox::new(&compiled(&files, false), Bounds::default()).unwrap();
        assert_eq!(imports(sandbox.module()), Vec::<(String, String)>::new(), "{name}");
        let policy = Policy::from_pack(&files).unwrap();
        let mut warm = sandbox.instance().unwrap();
        let requests = requests_for(&name, &policy);
        warm.call("evaluate", 0, requests[0].request.as_bytes()).unwrap();
        for s in &requests {
            for op in ["evaluate", "guard", "timeline"] {
                fresh_call(&sandbox, &mut warm, &policy, op, &s.request, &format!("{name}/{}", s.name));
                compared += 1;
            }
        }
    }
    assert!(compared >= 200, "only {compared} answers compared");
    println!("{compared} answers of compiled public packs byte-identical, fresh within 1.2× warm fuel");
}

#[test]
fn a_module_compiled_without_the_loader_answers_the_same_and_refuses_to_load() {
    let full = compiled(&builtin_files(), false);
    let lean = compiled(&builtin_files(), true);
    assert!(lean.len() < full.len() * 4 / 5, "--no-load saves too little: {} vs {} bytes", lean.len(), full.len());
    let sandbox = Sandbox::new(&lean, Bounds::default()).unwrap();
    assert_eq!(imports(sandbox.module()), Vec::<(String, String)>::new());
    assert!(!exports(sandbox.module()).iter().any(|n| n == "release_policy_load_disabled"));
    let pack: serde_json::Map<String, serde_json::Value> =
        builtin_files().iter().map(|f| (f.path.clone(), f.text.clone().into())).collect();
    let load = sandbox.call("load", 0, serde_json::to_string(&pack).unwrap().as_bytes()).unwrap();
    assert_eq!(load.status, 1, "{}", load.json);
    assert!(load.json.contains("compiled with --no-load"), "{}", load.json);
    let (builtin, mut warm) = (Policy::builtin(), sandbox.instance().unwrap());
    for s in scenarios().iter().filter(|s| s.pack_edits.is_empty()) {
        fresh_call(&sandbox, &mut warm, &builtin, &s.operation, &s.request, &s.name);
    }
}

#[test]
fn compiling_is_deterministic_and_refuses_an_invalid_pack_as_validate_does() {
    assert_eq!(compiled(&builtin_files(), false), compiled(&builtin_files(), false));
    let broken = corpus::replace_once(builtin_files(), "workflows/release.yaml", "approval_chain:", "approval_chian:");
    match compile(plain_module(), &broken, &CompileOptions::default()) {
        Err(CompileError::Invalid(report)) => assert_eq!(*report, validate(&broken, &LoadOptions::default())),
        other => panic!("an invalid pack compiled: {:?}", other.map(|c| c.wasm.len())),
    }
}

#[test]
fn every_public_pack_loaded_in_the_module_answers_its_scenarios_byte_identically() {
    let mut host = shipped().instance().unwrap();
    let mut compared = 0;
    for (name, files) in public_packs() {
        let pack: serde_json::Map<String, serde_json::Value> = files.iter().map(|f| (f.path.clone(), f.text.clone().into())).collect();
        let loaded = host.call("load", 0, serde_json::to_string(&pack).unwrap().as_bytes()).unwrap();
        assert_eq!(loaded.status, 0, "{name}: {}", loaded.json);
        let handle = serde_json::from_str::<serde_json::Value>(&loaded.json).unwrap()["handle"].as_i64().unwrap() as i32;
        let policy = Policy::from_pack(&files).unwrap();
        let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/packs").join(&name);
        if !folder.is_dir() {
            continue;
        }
        for s in corpus::load(&folder) {
            for op in ["evaluate", "guard", "timeline"] {
                let answer = host.call(op, handle, s.request.as_bytes()).unwrap();
                let (status, json) = native(&policy, op, &s.request);
                assert_eq!((answer.status, answer.json.as_str()), (status, json.as_str()), "{name}/{} ({op})", s.name);
                compared += 1;
            }
        }
    }
    assert!(compared >= 90, "only {compared} answers compared");
    println!("{compared} answers over the public packs byte-identical");
}

#[test]
fn analyze_in_the_module_answers_the_native_bytes_and_names_a_bad_release() {
    // Every release of the scenario corpus that the native engine accepts, as one history.
    let policy = Policy::builtin();
    let releases: Vec<serde_json::Value> = corpus::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios"))
        .iter()
        .filter(|s| s.pack_edits.is_empty() && policy.evaluate_json(&s.request, &RequestLimits::default()).is_ok())
        .filter_map(|s| serde_json::from_str::<serde_json::Value>(&s.request).ok())
        .map(|request| request["release"].clone())
        .collect();
    assert!(releases.len() > 20);
    let input = serde_json::json!({ "now": "2026-12-31T00:00:00Z", "releases": releases }).to_string();
    let mut host = shipped().instance().unwrap();
    let answer = host.call("analyze", 0, input.as_bytes()).unwrap();
    assert_eq!((answer.status, answer.json.clone()), native(&policy, "analyze", &input));
    println!("fuel: analyze over {} releases {}", releases.len(), answer.fuel_used);
    let bad = serde_json::json!({ "now": "2026-12-31T00:00:00Z", "releases": [{ "id": "X" }] }).to_string();
    let answer = host.call("analyze", 0, bad.as_bytes()).unwrap();
    assert_eq!(answer.status, 1);
    assert!(answer.json.contains("\"path\":\"releases[0]"), "{}", answer.json);
}

#[test]
fn loading_a_pack_reports_errors_and_handles_are_checked() {
    let mut host = shipped().instance().unwrap();
    let broken = serde_json::json!({"workflows/release.yaml": "states: [", "case_types.yaml": "case_types: []"}).to_string();
    let answer = host.call("load", 0, broken.as_bytes()).unwrap();
    assert_eq!(answer.status, 1, "{}", answer.json);
    assert!(answer.json.contains("\"kind\":\"definitions\""), "{}", answer.json);
    let answer = host.call("evaluate", 42, b"{}").unwrap();
    assert_eq!(answer.status, 1);
    assert!(answer.json.contains("no pack is loaded under handle 42"), "{}", answer.json);
    let answer = host.call("guard", 42, b"{}").unwrap();
    assert!(answer.json.starts_with("{\"status\":\"deny\""), "the guard fails closed: {}", answer.json);
}

#[test]
fn hostile_requests_end_in_an_error_or_a_trap_never_a_host_crash() {
    let mut host = shipped().instance().unwrap();
    // Not UTF-8, not JSON, too large, too deep: each an error record.
    for (input, expect) in [
        (vec![0xff, 0xfe, 0x00], "not UTF-8"),
        (b"{\"now\": ".to_vec(), "EOF"),
        (vec![b' '; 2 << 20], "the limit is 1048576 bytes"),
        (
            format!("{{\"now\": \"2026-11-30T15:00:00Z\", \"release\": {{\"custom_fields\": {{\"x\": {}}}}}}}", "[".repeat(50_000))
                .into_bytes(),
            "recursion limit",
        ),
    ] {
        let answer = host.call("evaluate", 0, &input).unwrap();
        assert_eq!(answer.status, 1, "{}", answer.json);
        assert!(answer.json.contains(expect), "{expect}: {}", answer.json);
        let guard = host.call("guard", 0, &input).unwrap();
        assert!(guard.json.starts_with("{\"status\":\"deny\""), "{}", guard.json);
    }
    // The instance is still usable after all that.
    assert_eq!(host.call("evaluate", 0, b"{}").unwrap().status, 1);

    // Out of fuel: the call traps; the host gets an error and carries on.
    let mut starved = plugin(Bounds { fuel: 10_000, ..Bounds::default() });
    let request = corpus::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios")).remove(0).request;
    let trapped = starved.call("evaluate", 0, request.as_bytes());
    assert!(trapped.is_err(), "a call without enough fuel must trap");

    // Asking for more memory than the store allows: a trap, not unbounded growth.
    let mut small = plugin(Bounds { memory: 4 << 20, ..Bounds::default() });
    let huge = vec![b' '; 8 << 20];
    assert!(small.call("evaluate", 0, &huge).is_err(), "growing past the memory limit traps");
    assert!(small.memory_bytes() <= 4 << 20);
}
