//! `release-policy test`: finds the test files, runs them (src/authoring/test.rs) and prints the
//! outcome for people (`--format text`, the default) or as JSON.

use std::path::{Path, PathBuf};

use release_policy::authoring::test::{self, BUILTIN_TESTS, TestReport};
use release_policy::{ErrorBody, ErrorKind, PackFile, Policy, pack_dir};

use crate::Failure;

/// The test files: those under `paths` (files, or folders searched for `*.yaml`, `*.yml`,
/// `*.json`), else the pack's `tests/` folder (the built-in pack's own tests without a pack).
fn test_files(paths: &[&str], pack: Option<&str>) -> Result<Vec<PackFile>, Failure> {
    let bad = |m: String| Failure::bad_input(ErrorBody::new(ErrorKind::Request, m));
    let roots: Vec<PathBuf> = match (paths, pack) {
        ([], None) => return Ok(BUILTIN_TESTS.iter().map(|(path, text)| PackFile::new(*path, *text)).collect()),
        ([], Some(dir)) => vec![pack_dir::resolve(Path::new(dir)).join("tests")],
        (paths, _) => paths.iter().map(PathBuf::from).collect(),
    };
    let mut found = Vec::new();
    for root in &roots {
        if root.is_file() {
            found.push(root.clone());
            continue;
        }
        if !root.is_dir() {
            return Err(bad(format!("no test file or folder at {}", root.display())));
        }
        let mut todo = vec![root.clone()];
        while let Some(dir) = todo.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|e| bad(format!("cannot list {}: {e}", dir.display())))?;
            for entry in entries {
                let path = entry.map_err(|e| bad(format!("cannot list {}: {e}", dir.display())))?.path();
                if path.is_dir() {
                    todo.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json") {
                    found.push(path);
                }
            }
        }
    }
    found.sort();
    if found.is_empty() {
        let searched: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        return Err(bad(format!("no test files (*.yaml, *.yml, *.json) under {}", searched.join(", "))));
    }
    found
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
            Ok(PackFile::new(path.display().to_string(), text))
        })
        .collect()
}

/// Runs the tests; exit 0 when all pass, 1 when one fails.
pub fn run(policy: &Policy, paths: &[&str], pack: Option<&str>, json: bool, coverage: bool) -> Result<u8, Failure> {
    let tests = test::read_all(&test_files(paths, pack)?).map_err(crate::positioned)?;
    let report = test::run(policy, &tests, coverage);
    if json {
        println!("{}", crate::pretty(&report));
    } else {
        print!("{}", text(&report));
    }
    Ok(if report.ok() { 0 } else { 1 })
}

/// The report for people: a line per test, the first difference under a failure, the counts.
fn text(report: &TestReport) -> String {
    let mut out = String::new();
    for t in &report.tests {
        out.push_str(&format!("{} {} ({}:{})\n", if t.passed { "ok  " } else { "FAIL" }, t.name, t.file, t.line));
        if let Some(m) = &t.failure {
            let path = if m.path.is_empty() { "the answer".to_owned() } else { m.path.clone() };
            let actual = if m.present { m.actual.to_string() } else { "nothing (absent)".to_owned() };
            out.push_str(&format!("     {}: {path}\n       expected {}\n       actual   {actual}\n", m.answer, m.expected));
        }
    }
    if let Some(c) = &report.coverage {
        out.push_str(&format!("coverage: {} of {} outcomes ({} %)\n", c.covered, c.total, c.percent));
        for gap in c.gaps() {
            out.push_str(&format!("  not covered: {gap}\n"));
        }
    }
    out.push_str(&format!("{} passed, {} failed\n", report.passed, report.failed));
    out
}
