//! `release-policy diff`: reads requests (JSON Lines, a JSON array, or `{"now", "releases": [...]}`
//! with a shared directory and calendar), compares each under the old and the new pack
//! (src/authoring/diff.rs) and prints the changes. JSON Lines are read in batches spread over the
//! cores, so memory stays flat whatever the input's length; the answer does not depend on the split.

use std::io::{BufRead, Write};

use release_policy::authoring::diff::{DiffReport, requests_of};
use release_policy::{ErrorBody, ErrorKind, Policy};

use crate::Failure;

/// Requests per batch of JSON Lines.
const BATCH: usize = 4096;

fn bad(message: String) -> Failure {
    Failure::bad_input(ErrorBody::new(ErrorKind::Request, message))
}

/// Compares `requests` (consecutive, in order) on every core; the reports merged in order.
fn compare(before: &Policy, after: &Policy, requests: &[String]) -> DiffReport {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(requests.len().max(1));
    let chunk = requests.len().div_ceil(threads).max(1);
    let parts: Vec<DiffReport> = std::thread::scope(|scope| {
        let handles: Vec<_> = requests.chunks(chunk).map(|part| scope.spawn(move || DiffReport::over(before, after, part))).collect();
        // A panic in a worker is a bug: re-raised, so the command reports it (exit 1), never a partial count.
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut report = DiffReport::default();
    for part in parts {
        report.merge(part);
    }
    report
}

/// The changed releases, one JSON line each, kept on disk until the counts that come first in the
/// answer are known: memory stays flat however many releases change. Removed when dropped.
struct Spill {
    path: std::path::PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    count: usize,
}

impl Spill {
    fn new() -> Result<Spill, Failure> {
        let dir = std::env::temp_dir();
        let io = |e: std::io::Error| internal(format!("cannot write a temporary file in {}: {e}", dir.display()));
        for attempt in 0..100 {
            let path = dir.join(format!("release-policy-diff-{}-{attempt}.jsonl", std::process::id()));
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return Ok(Spill { path, out: std::io::BufWriter::with_capacity(1 << 16, file), count: 0 }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io(e)),
            }
        }
        Err(internal(format!("cannot create a temporary file in {}", dir.display())))
    }

    /// Moves the report's changed releases to disk, leaving its counts.
    fn take(&mut self, report: &mut DiffReport) -> Result<(), Failure> {
        for changed in report.changed.drain(..) {
            let line = release_policy::json::to_string(&changed).map_err(internal)?;
            writeln!(self.out, "{line}").map_err(|e| internal(format!("cannot write {}: {e}", self.path.display())))?;
            self.count += 1;
        }
        Ok(())
    }

    /// The changed releases back, in order, as the JSON lines written.
    fn lines(mut self) -> Result<impl Iterator<Item = Result<String, Failure>>, Failure> {
        let failed = |e: std::io::Error| internal(format!("cannot read back {}: {e}", self.path.display()));
        self.out.flush().map_err(failed)?;
        let file = std::fs::File::open(&self.path).map_err(failed)?;
        let path = self.path.display().to_string();
        // The file is removed now; the open handle still reads it (and `self` is dropped here).
        drop(self);
        Ok(std::io::BufReader::with_capacity(1 << 16, file)
            .lines()
            .map(move |line| line.map_err(|e| internal(format!("cannot read back {path}: {e}")))))
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn internal(message: impl Into<String>) -> Failure {
    Failure { body: Box::new(ErrorBody::new(ErrorKind::Internal, message)), code: 1, warnings: None }
}

/// Runs `diff` over `input`; prints the report (JSON, or text: the summary first).
pub fn run(before: &Policy, after: &Policy, input: impl BufRead, jsonl: bool, text: bool, compact: bool) -> Result<u8, Failure> {
    let mut report = DiffReport::default();
    let mut spill = Spill::new()?;
    if jsonl {
        let mut batch = Vec::with_capacity(BATCH);
        for line in input.lines() {
            let line = line.map_err(|e| bad(format!("cannot read the input: {e}")))?;
            if !line.trim().is_empty() {
                batch.push(line);
            }
            if batch.len() == BATCH {
                let mut part = compare(before, after, &batch);
                spill.take(&mut part)?;
                report.merge(part);
                batch.clear();
            }
        }
        let mut part = compare(before, after, &batch);
        spill.take(&mut part)?;
        report.merge(part);
    } else {
        let mut all = String::new();
        let mut input = input;
        std::io::Read::read_to_string(&mut input, &mut all).map_err(|e| bad(format!("cannot read the input: {e}")))?;
        let mut part = compare(before, after, &requests_of(&all).map_err(bad)?);
        spill.take(&mut part)?;
        report.merge(part);
    }
    report.finish();
    let changed = spill.count;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = |e: std::io::Error| internal(format!("cannot write the answer: {e}"));
    if text {
        writeln!(out, "compared {} releases; {changed} changed", report.compared).map_err(written)?;
        for line in &report.summary {
            writeln!(out, "  {}", line.text).map_err(written)?;
        }
        for line in spill.lines()? {
            let release: serde_json::Value = serde_json::from_str(&line?).map_err(|e| internal(format!("a spilled line: {e}")))?;
            write!(out, "{}", as_text(&release)).map_err(written)?;
        }
    } else {
        // The answer's fields in the order of `DiffReport` (and SPEC §12): compared, changed, summary.
        let summary = release_policy::json::to_string(&report.summary).map_err(internal)?;
        let show =
            |json: &str, indent: &str| if compact { json.to_owned() } else { crate::reformat(json).replace('\n', &format!("\n{indent}")) };
        let (open, separator, close) = if compact { ("[", ",", "]") } else { ("[\n    ", ",\n    ", "\n  ]") };
        if compact {
            write!(out, "{{\"compared\":{},\"changed\":", report.compared).map_err(written)?;
        } else {
            write!(out, "{{\n  \"compared\": {},\n  \"changed\": ", report.compared).map_err(written)?;
        }
        if changed == 0 {
            write!(out, "[]").map_err(written)?;
        } else {
            write!(out, "{open}").map_err(written)?;
            for (i, line) in spill.lines()?.enumerate() {
                write!(out, "{}{}", if i == 0 { "" } else { separator }, show(&line?, "    ")).map_err(written)?;
            }
            write!(out, "{close}").map_err(written)?;
        }
        if compact {
            writeln!(out, ",\"summary\":{summary}}}").map_err(written)?;
        } else {
            writeln!(out, ",\n  \"summary\": {}\n}}", show(&summary, "  ")).map_err(written)?;
        }
    }
    out.flush().map_err(written)?;
    Ok(0)
}

/// For people: one changed release (a spilled [`Changed`]).
fn as_text(changed: &serde_json::Value) -> String {
    let mut out = format!("{}:\n", changed["release_id"].as_str().unwrap_or(""));
    for c in changed["changes"].as_array().into_iter().flatten() {
        let place = match (c["level"].as_u64(), c["to"].as_str()) {
            (Some(l), _) => format!(" level {l}"),
            (_, Some(to)) => format!(" to {to}"),
            _ => String::new(),
        };
        out.push_str(&format!("  {}{place}: {} → {}\n", c["what"].as_str().unwrap_or(""), c["before"], c["after"]));
    }
    out
}
