//! What a per-request host pays (SPEC §11): a fresh instance and one evaluation, for the compiled
//! module, for the plain module that must load its pack first (the module before `compile`), and
//! beside them a warm evaluation on a long-lived instance. Fuel is printed once per case (it is
//! deterministic); criterion times each. Run by `make bench` after `make pkg`.

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use plugin_host::{Bounds, Sandbox};

fn read(relative: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}; run `make pkg` first", path.display()))
}

fn bench(c: &mut Criterion) {
    let compiled = Sandbox::new(&read("pkg/release-policy-plugin.wasm"), Bounds::default()).expect("the compiled module");
    let lean = Sandbox::new(&read("target/bench-data/policy-no-load.wasm"), Bounds::default()).expect("the --no-load module");
    let plain =
        Sandbox::new(&read("target/wasm32-unknown-unknown/wasm-release/release_policy.wasm"), Bounds::default()).expect("the plain module");
    let request = read("examples/pending-release.json");
    let pack: serde_json::Map<String, serde_json::Value> =
        release_policy::builtin_files().into_iter().map(|f| (f.path, f.text.into())).collect();
    let pack = serde_json::to_vec(&pack).unwrap();

    let load_then_evaluate = || {
        let mut instance = plain.instance().unwrap();
        let load = instance.call("load", 0, &pack).unwrap();
        assert_eq!(load.status, 0, "{}", load.json);
        let evaluate = instance.call("evaluate", 1, &request).unwrap();
        (load.fuel_used + evaluate.fuel_used, evaluate.json)
    };
    let mut warm = compiled.instance().unwrap();
    warm.call("evaluate", 0, &request).unwrap();
    let warm_once = warm.call("evaluate", 0, &request).unwrap();
    let fresh = compiled.call("evaluate", 0, &request).unwrap();
    let fresh_lean = lean.call("evaluate", 0, &request).unwrap();
    let (plain_fuel, plain_json) = load_then_evaluate();
    assert!(fresh.json == warm_once.json && fresh_lean.json == warm_once.json && plain_json == warm_once.json);
    let ratio = |f: u64| f as f64 / warm_once.fuel_used as f64;
    println!("fuel per request (examples/pending-release.json), against a warm evaluation ({}):", warm_once.fuel_used);
    println!("  compiled module, fresh instance + evaluate:          {:>10}  {:.3}×", fresh.fuel_used, ratio(fresh.fuel_used));
    println!("  compiled --no-load, fresh instance + evaluate:       {:>10}  {:.3}×", fresh_lean.fuel_used, ratio(fresh_lean.fuel_used));
    println!("  plain module, fresh instance + load pack + evaluate: {:>10}  {:.3}×", plain_fuel, ratio(plain_fuel));

    let mut group = c.benchmark_group("plugin per request");
    group.bench_function("warm instance: evaluate", |b| b.iter(|| warm.call("evaluate", 0, &request).unwrap()));
    group.bench_function("compiled: fresh instance + evaluate", |b| b.iter(|| compiled.call("evaluate", 0, &request).unwrap()));
    group.bench_function("compiled --no-load: fresh instance + evaluate", |b| b.iter(|| lean.call("evaluate", 0, &request).unwrap()));
    group.bench_function("plain: fresh instance + load + evaluate", |b| b.iter(load_then_evaluate));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
