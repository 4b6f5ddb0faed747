//! The plugin module as a platform runs it: in wasmtime, with fuel and a memory limit, no imports.
//! Build it first with `make pkg` (`make test` does).

#[path = "../../../tests/common/corpus.rs"]
#[allow(dead_code)] // shared with the root tests, which use all of it
mod corpus;

use std::path::PathBuf;

use plugin_host::{Bounds, Plugin, engine, imports};
use release_policy::{Policy, RequestLimits, builtin_files};
use wasmtime::Module;

fn wasm() -> Vec<u8> {
    let path = std::env::var("PLUGIN_WASM")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../pkg/release-policy-plugin.wasm"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; build it with `make pkg`", path.display()))
}

/// The engine and the compiled module, shared by every test (compiling is the slow part).
fn compiled() -> &'static (wasmtime::Engine, Module) {
    static COMPILED: std::sync::OnceLock<(wasmtime::Engine, Module)> = std::sync::OnceLock::new();
    COMPILED.get_or_init(|| {
        let engine = engine();
        let module = Module::new(&engine, wasm()).expect("a valid module");
        (engine, module)
    })
}

fn plugin(bounds: Bounds) -> Plugin {
    let (engine, module) = compiled();
    Plugin::new(engine, module, bounds).expect("instantiates with no imports")
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

#[test]
fn the_module_imports_nothing() {
    assert_eq!(imports(&compiled().1), Vec::<(String, String)>::new());
    assert_eq!(plugin(Bounds::default()).abi_version().unwrap(), 1);
}

#[test]
fn the_scenario_corpus_gives_byte_identical_answers_to_the_native_engine() {
    let mut host = plugin(Bounds::default());
    let builtin = Policy::builtin();
    let mut max_fuel = (0u64, String::new());
    let scenarios = corpus::load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios"));
    assert!(scenarios.len() >= 30);
    // The first call parses the built-in pack (once per instance); measure it apart.
    let first = host.call("evaluate", 0, scenarios[0].request.as_bytes()).unwrap();
    let again = host.call("evaluate", 0, scenarios[0].request.as_bytes()).unwrap();
    println!("fuel: first call (built-in pack load + evaluate) {}, the same evaluation again {}", first.fuel_used, again.fuel_used);
    for s in &scenarios {
        let (handle, policy) = if s.pack_edits.is_empty() {
            (0, builtin.clone())
        } else {
            let files = corpus::edited(builtin_files(), &s.pack_edits);
            let pack: serde_json::Map<String, serde_json::Value> = files.iter().map(|f| (f.path.clone(), f.text.clone().into())).collect();
            let loaded = host.call("load", 0, serde_json::to_string(&pack).unwrap().as_bytes()).unwrap();
            assert_eq!(loaded.status, 0, "{}: {}", s.name, loaded.json);
            let handle = serde_json::from_str::<serde_json::Value>(&loaded.json).unwrap()["handle"].as_i64().unwrap() as i32;
            (handle, Policy::from_pack(&files).unwrap())
        };
        let answer = host.call(&s.operation, handle, s.request.as_bytes()).unwrap();
        let (status, json) = native(&policy, &s.operation, &s.request);
        assert_eq!((answer.status, answer.json.as_str()), (status, json.as_str()), "{}", s.name);
        if answer.fuel_used > max_fuel.0 {
            max_fuel = (answer.fuel_used, s.name.clone());
        }
    }
    // The budgets the README publishes for hosts: 50 M fuel per call, 16 MiB of memory.
    assert!(first.fuel_used < 50_000_000, "the first call burnt {} fuel", first.fuel_used);
    assert!(max_fuel.0 < 50_000_000, "{} burnt {} fuel", max_fuel.1, max_fuel.0);
    assert!(host.memory_bytes() <= 16 << 20, "the instance grew to {} bytes", host.memory_bytes());
    println!(
        "{} scenarios byte-identical; most fuel: {} ({}); memory {} KiB",
        scenarios.len(),
        max_fuel.0,
        max_fuel.1,
        host.memory_bytes() / 1024
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
    packs
}

#[test]
fn every_public_pack_loaded_in_the_module_answers_its_scenarios_byte_identically() {
    let mut host = plugin(Bounds::default());
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
    let mut host = plugin(Bounds::default());
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
    let mut host = plugin(Bounds::default());
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
    let mut host = plugin(Bounds::default());
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
