//! `release-policy diff`: reads requests (JSON Lines, a JSON array, or `{"now", "releases": [...]}`
//! with a shared directory and calendar), compares each under the old and the new pack
//! (src/authoring/diff.rs) and prints the changes. JSON Lines are read in batches spread over the
//! cores, so memory stays flat whatever the input's length; the answer does not depend on the split.

use std::io::BufRead;

use release_policy::authoring::diff::{DiffReport, requests_of, summary_text};
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
        let handles: Vec<_> = requests
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut report = DiffReport::default();
                    for request in part {
                        report.add(before, after, request);
                    }
                    report
                })
            })
            .collect();
        // A panic in a worker is a bug: re-raised, so the command reports it (exit 1), never a partial count.
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut report = DiffReport::default();
    for part in parts {
        report.merge(part);
    }
    report
}

/// Runs `diff` over `input`; prints the report (JSON, or text: the summary first).
pub fn run(before: &Policy, after: &Policy, input: impl BufRead, jsonl: bool, text: bool, compact: bool) -> Result<u8, Failure> {
    let mut report = DiffReport::default();
    if jsonl {
        let mut batch = Vec::with_capacity(BATCH);
        for line in input.lines() {
            let line = line.map_err(|e| bad(format!("cannot read the input: {e}")))?;
            if !line.trim().is_empty() {
                batch.push(line);
            }
            if batch.len() == BATCH {
                report.merge(compare(before, after, &batch));
                batch.clear();
            }
        }
        report.merge(compare(before, after, &batch));
    } else {
        let mut all = String::new();
        let mut input = input;
        std::io::Read::read_to_string(&mut input, &mut all).map_err(|e| bad(format!("cannot read the input: {e}")))?;
        report.merge(compare(before, after, &requests_of(&all).map_err(bad)?));
    }
    report.finish();
    if text {
        print!("{}", as_text(&report));
    } else {
        let json = release_policy::json::to_string(&report).unwrap_or_default();
        println!("{}", if compact { json } else { crate::reformat(&json) });
    }
    Ok(0)
}

/// For people: the counts and the summary, then each changed release.
fn as_text(report: &DiffReport) -> String {
    let mut out = format!("compared {} releases; {} changed\n", report.compared, report.changed.len());
    for line in summary_text(report) {
        out.push_str(&format!("  {line}\n"));
    }
    for changed in &report.changed {
        out.push_str(&format!("{}:\n", changed.release_id));
        for c in &changed.changes {
            let place = match (c.level, &c.to) {
                (Some(l), _) => format!(" level {l}"),
                (_, Some(to)) => format!(" to {to}"),
                _ => String::new(),
            };
            out.push_str(&format!("  {}{place}: {} → {}\n", c.what, c.before, c.after));
        }
    }
    out
}
