//! Reading the scenario corpus (`tests/scenarios/*.json`): one place for every test that replays it
//! (the native scenario test, the wasmtime host, the Node differential test reads the same files).

use std::path::{Path, PathBuf};

use release_policy::{PackFile, Policy, RequestLimits};
use serde_json::Value;

pub struct Scenario {
    pub name: String,
    pub value: Value,
    /// The request: the base request with the scenario's merge patch applied, as JSON text.
    pub request: String,
    pub operation: String,
    pub pack_edits: Vec<Value>,
}

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

/// RFC 7386 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(entries) => {
            if !target.is_object() {
                *target = Value::Object(Default::default());
            }
            let map = target.as_object_mut().expect("object");
            for (k, v) in entries {
                if v.is_null() {
                    map.remove(k);
                } else {
                    merge_patch(map.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Every scenario in `dir`, sorted by file name.
pub fn load(dir: &Path) -> Vec<Scenario> {
    let base: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("_base.json")).expect("_base.json")).expect("base JSON");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("scenarios folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json") && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read scenario");
            let value: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            let mut request = base["request"].clone();
            merge_patch(&mut request, &value["request"]);
            Scenario {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                request: serde_json::to_string(&request).unwrap(),
                operation: value["operation"].as_str().unwrap_or("evaluate").to_owned(),
                pack_edits: value["pack_edits"].as_array().cloned().unwrap_or_default(),
                value,
            }
        })
        .collect()
}

/// `files` with a scenario's pack edits applied.
pub fn edited(files: Vec<PackFile>, edits: &[Value]) -> Vec<PackFile> {
    edits.iter().fold(files, |files, edit| {
        let text = |k: &str| edit[k].as_str().unwrap_or_else(|| panic!("pack edit needs `{k}`")).to_owned();
        replace_once(files, &text("file"), &text("replace"), &text("with"))
    })
}

/// `files` with `from` replaced by `to` in `file`. `from` must occur exactly once, so an edit can
/// never silently stop applying. Needles are written with `\n`; files with CRLF endings (the
/// upstream pack's) are matched with `\r\n`.
pub fn replace_once(mut files: Vec<PackFile>, file: &str, from: &str, to: &str) -> Vec<PackFile> {
    let target = files.iter_mut().find(|f| f.path == file).unwrap_or_else(|| panic!("no file {file}"));
    let crlf = target.text.contains("\r\n");
    let fix = |s: &str| if crlf { s.replace('\n', "\r\n") } else { s.to_owned() };
    let (from, to) = (fix(from), fix(to));
    assert_eq!(target.text.matches(&from).count(), 1, "`{from}` must occur exactly once in {file}");
    target.text = target.text.replacen(&from, &to, 1);
    files
}

/// Where `actual` fails to match `expected`, as a path and a reason.
pub fn mismatch(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().find_map(|(k, ev)| match a.get(k) {
            Some(av) => mismatch(ev, av, &format!("{path}.{k}")),
            None => Some(format!("{path}.{k}: missing (expected {ev})")),
        }),
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Some(format!(
                    "{path}: expected {} items, found {}: {}",
                    e.len(),
                    a.len(),
                    serde_json::to_string_pretty(actual).unwrap()
                ));
            }
            e.iter().zip(a).enumerate().find_map(|(i, (ev, av))| mismatch(ev, av, &format!("{path}[{i}]")))
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => None,
        (e, a) if e == a => None,
        (e, a) => Some(format!("{path}: expected {e}, found {a}")),
    }
}

/// The answer of `operation` as JSON text, or the error JSON (as `Err`).
pub fn answer(policy: &Policy, operation: &str, request: &str) -> Result<String, String> {
    let limits = RequestLimits::default();
    match operation {
        "evaluate" => policy.evaluate_json(request, &limits).map_err(|e| serde_json::to_string(&e).unwrap()),
        "timeline" => policy.timeline_json(request, &limits).map_err(|e| serde_json::to_string(&e).unwrap()),
        "guard" => policy.guard_json(request, &limits),
        other => panic!("unknown operation `{other}`"),
    }
}
