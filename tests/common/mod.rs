//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod corpus;

use std::path::PathBuf;

use release_policy::{DefinitionsError, LoadOptions, PackFile, Policy, builtin_files};

const UPSTREAM_SUFFIX: &str = "upstream/kiket-definitions-release-mgmt/.kiket";

/// The public Kiket pack the engine must load unchanged. Looked for in `$KIKET_UPSTREAM_PACK`,
/// then beside the repository (`../shared/…`), then at the workplace's shared folder. Missing is
/// a failure, never a skip: compatibility with upstream is part of the contract.
pub fn upstream_dir() -> PathBuf {
    let mut candidates = Vec::new();
    if let Ok(dir) = std::env::var("KIKET_UPSTREAM_PACK") {
        candidates.push(PathBuf::from(dir));
    }
    candidates.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared").join(UPSTREAM_SUFFIX));
    candidates.push(PathBuf::from("/work/shared").join(UPSTREAM_SUFFIX));
    candidates
        .iter()
        .find(|p| p.join("workflows/release.yaml").is_file())
        .cloned()
        .unwrap_or_else(|| panic!("the upstream Kiket pack was not found; set KIKET_UPSTREAM_PACK (looked in {candidates:?})"))
}

/// Every public pack beside the release pack's folder (`kiket-definitions-<name>`), by name, sorted:
/// a pack added there is covered by every test that iterates them, without code.
pub fn upstream_packs() -> Vec<(String, PathBuf)> {
    let root = upstream_dir().join("../..");
    let mut packs: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .expect("the upstream folder")
        .filter_map(|e| {
            let path = e.ok()?.path();
            let name = path.file_name()?.to_str()?.strip_prefix("kiket-definitions-")?.to_owned();
            path.is_dir().then_some((name, path))
        })
        .collect();
    packs.sort();
    packs
}

/// The files of one public pack (`release-mgmt`, `finance`, …).
pub fn upstream_pack_files(name: &str) -> Vec<PackFile> {
    let (_, dir) = upstream_packs().into_iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no upstream pack `{name}`"));
    release_policy::pack_dir::read(&dir).expect("read the pack")
}

pub fn upstream_files() -> Vec<PackFile> {
    release_policy::pack_dir::read(&upstream_dir()).expect("read the upstream pack")
}

/// The built-in pack with `from` replaced by `to` in `file` (exactly one occurrence required, so
/// a test can never silently stop mutating anything).
pub fn builtin_with(file: &str, from: &str, to: &str) -> Vec<PackFile> {
    mutate(builtin_files(), file, from, to)
}

pub fn mutate(files: Vec<PackFile>, file: &str, from: &str, to: &str) -> Vec<PackFile> {
    corpus::replace_once(files, file, from, to)
}

/// 1-based line and column of the first occurrence of `needle` in the `file` of `files`.
pub fn position(files: &[PackFile], file: &str, needle: &str) -> (u32, u32) {
    let text = &files.iter().find(|f| f.path == file).expect("file").text;
    let needle = if text.contains("\r\n") { needle.replace('\n', "\r\n") } else { needle.to_owned() };
    let offset = text.find(&needle).unwrap_or_else(|| panic!("`{needle}` not in {file}"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.chars().rev().take_while(|&c| c != '\n').count() + 1;
    (line as u32, column as u32)
}

pub fn load_err(files: &[PackFile]) -> DefinitionsError {
    match Policy::from_pack_with(files, &LoadOptions::default()) {
        Ok(_) => panic!("the pack should have been rejected"),
        Err(e) => e,
    }
}

/// The editor schemas (`release-policy schema`), compiled by a real JSON Schema validator.
#[cfg(not(target_arch = "wasm32"))]
pub struct Schemas(Vec<(String, jsonschema::Validator)>);

#[cfg(not(target_arch = "wasm32"))]
impl Schemas {
    pub fn new() -> Schemas {
        let compiled = release_policy::authoring::schema::schemas()
            .into_iter()
            .map(|(kind, schema)| {
                let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("the {kind} schema does not compile: {e}"));
                (kind, validator)
            })
            .collect();
        Schemas(compiled)
    }

    /// What the schema of the file's kind finds wrong with it (`None`: a file no schema covers).
    pub fn errors(&self, file: &PackFile) -> Option<Vec<String>> {
        let kind = release_policy::definitions::schema_kind(&file.path)?;
        let (_, validator) = self.0.iter().find(|(k, _)| k == kind).unwrap_or_else(|| panic!("no schema for the kind `{kind}`"));
        let tree = release_policy::definitions::yaml::parse(&file.text).ok()?;
        let instance = tree.to_json();
        Some(validator.iter_errors(&instance).map(|e| format!("{}: {e}", e.instance_path())).collect())
    }
}
