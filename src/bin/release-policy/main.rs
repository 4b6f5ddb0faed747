//! `release-policy`: the command-line adapter. It reads files and arguments, calls the library,
//! and prints JSON. It decides nothing itself.
//!
//! Exit codes: 0 success, 2 bad input (the error JSON is on stdout), 1 internal failure.

/// Parsing releases allocates many small strings: mimalloc keeps `analyze` about a quarter faster
/// than the system allocator. (The binary is also compiled, unused, when testing on wasm32.)
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod analyze;
mod compile;
mod describe;
mod diff;
mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use release_policy::{ErrorBody, ErrorKind, LoadOptions, PackFile, Policy, RequestLimits, builtin_files, pack_dir, validate};
use serde::Serialize;

const USAGE: &str = "\
release-policy — the Kiket release policy engine

USAGE:
    release-policy <COMMAND> [ARGS]

COMMANDS:
    validate [PACK_DIR]        Validate a definitions pack (default: the built-in pack); JSON report
    describe [PACK_DIR]        Print a readable summary of a pack's approval chain, ladder, SLA, recipes
    install [DIR] [--force]    Write the built-in pack into DIR/.kiket/ (default DIR: .)
    test [PATH ...]            Run policy tests (SPEC §12): the files under PATHs, else the pack's tests/
                               folder (the built-in pack's own tests without --definitions); exit 0
                               when all pass, 1 when one fails, 2 when a test file or the pack is malformed
    diff --base OLD_DIR [FILE|-]
                               What changing the pack (OLD_DIR → --definitions, default the built-in
                               pack) does to each request: JSON Lines (--jsonl, .jsonl), a JSON array,
                               or { now, releases: [...], directory?, calendar? }; --format text for people
    schema [--out DIR]         The editor schemas (JSON Schema 2020-12) of every pack file kind: one JSON
                               object { kind: schema }, or DIR/<kind>.schema.json each
    compile [PACK_DIR]         Write a plugin module with the pack (default: the built-in pack) already
                               loaded in its memory as handle 0 (SPEC §11); a pack with errors: exit 2
                               with validate's report, and no file
    evaluate [FILE|-]          Evaluate a release request (JSON, SPEC §3): chain, escalation, SLA, recipes
    guard [FILE|-]             Answer a transition guard: allow / pending / deny (request + `transition`)
    timeline [FILE|-]          The projected schedule if nobody acts
    analyze [FILE|-]           Deployment-health analytics over a release history: the object form
                               { now, releases: [...] } or, with --jsonl, one release per line

OPTIONS:
    --definitions DIR          Use the pack in DIR (DIR holds workflows/, or a .kiket/ folder that does)
    --compact                  Print answers as the library writes them (one line), not indented
    --max-request-bytes N      Refuse larger requests (default 1048576)
    --max-approvals N          Refuse releases with more approvals (default 10000)
    --max-definitions-bytes N  Refuse larger packs (default 1048576)
    --max-condition-depth N    Refuse conditions nested deeper (default 64)
    --now INSTANT              analyze: the current time (required for JSON Lines; wins over the file's)
    --jsonl                    analyze: the input is JSON Lines (also implied by a .jsonl/.ndjson file)
    --skip-invalid             analyze: skip malformed releases (counted and listed) instead of failing
    -o, --output FILE          compile: the module to write (default policy.wasm)
    --out DIR                  schema: write DIR/<kind>.schema.json instead of printing
    --format text|json         test: the report for people (default) or as JSON; diff: JSON (default) or text
    --base DIR                 diff: the pack before the change
    --coverage                 test: also what the tests exercised (levels required and skipped, condition
                               leaves true and false, recipes matched, ladder steps fired, transitions
                               allowed and blocked) and the share covered
    --no-load                  compile: leave the loader out: smaller; release_policy_load answers an error
    --module FILE              compile: the plain plugin module to start from (default: the one built in)
    -h, --help                 Print this help
    -V, --version              Print the version

Exit codes: 0 success, 2 bad input (error JSON on stdout), 1 internal failure.";

/// A failure, and the exit code it maps to.
struct Failure {
    body: Box<ErrorBody>,
    code: u8,
    warnings: Option<Vec<release_policy::Diagnostic>>,
}

impl Failure {
    fn bad_input(body: ErrorBody) -> Failure {
        Failure { body: Box::new(body), code: 2, warnings: None }
    }

    fn usage(message: impl Into<String>) -> Failure {
        Failure::bad_input(ErrorBody::new(ErrorKind::Request, format!("{}; run `release-policy --help`", message.into())))
    }
}

fn main() -> ExitCode {
    // A panic is a bug: report it in the error shape and exit 1, never a bare backtrace.
    std::panic::set_hook(Box::new(|info| {
        let body = ErrorBody::new(ErrorKind::Internal, format!("internal error (a bug, please report it): {info}"));
        println!("{}", body.to_json());
    }));
    let args: Vec<String> = std::env::args().skip(1).collect();
    match std::panic::catch_unwind(|| run(&args)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(failure)) => {
            let response = release_policy::error::ErrorResponse { error: &failure.body, warnings: failure.warnings.as_deref() };
            let json = release_policy::json::to_string(&response).unwrap_or_default();
            let compact = args.iter().any(|a| a == "--compact");
            println!("{}", if compact { json } else { reformat(&json) });
            ExitCode::from(failure.code)
        }
        Err(_) => ExitCode::from(1),
    }
}

fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\":{{\"kind\":\"internal\",\"message\":\"{e}\"}}}}"))
}

/// Parsed command line: the command, its positional arguments and its flags.
struct Command<'a> {
    name: &'a str,
    positional: Vec<&'a str>,
    definitions: Option<&'a str>,
    force: bool,
    compact: bool,
    limits: RequestLimits,
    load: LoadOptions,
    now: Option<&'a str>,
    jsonl: bool,
    skip_invalid: bool,
    output: Option<&'a str>,
    no_load: bool,
    module: Option<&'a str>,
    json_format: bool,
    text_format: bool,
    coverage: bool,
    base: Option<&'a str>,
}

fn parse(args: &[String]) -> Result<Option<Command<'_>>, Failure> {
    let mut iter = args.iter().map(String::as_str);
    let mut command = None;
    let mut positional = Vec::new();
    let mut definitions = None;
    let mut force = false;
    let mut limits = RequestLimits::default();
    let mut load = LoadOptions::default();
    let mut compact = false;
    let (mut now, mut jsonl, mut skip_invalid) = (None, false, false);
    let (mut output, mut no_load, mut module, mut json_format, mut coverage) = (None, false, None, false, false);
    let (mut text_format, mut base) = (false, None);
    while let Some(arg) = iter.next() {
        match arg {
            "-h" | "--help" | "help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "-V" | "--version" => {
                println!("release-policy {}", env!("CARGO_PKG_VERSION"));
                return Ok(None);
            }
            "--definitions" => {
                definitions = Some(iter.next().ok_or_else(|| Failure::usage("`--definitions` needs a directory"))?);
            }
            "--force" => force = true,
            "--jsonl" => jsonl = true,
            "--skip-invalid" => skip_invalid = true,
            "--now" => now = Some(iter.next().ok_or_else(|| Failure::usage("`--now` needs an RFC 3339 instant"))?),
            "--compact" => compact = true,
            "-o" | "--output" | "--out" => output = Some(iter.next().ok_or_else(|| Failure::usage(format!("`{arg}` needs a file")))?),
            "--no-load" => no_load = true,
            "--coverage" => coverage = true,
            "--base" => base = Some(iter.next().ok_or_else(|| Failure::usage("`--base` needs a directory"))?),
            "--format" => match iter.next() {
                Some("text") => (json_format, text_format) = (false, true),
                Some("json") => (json_format, text_format) = (true, false),
                _ => return Err(Failure::usage("`--format` is `text` or `json`")),
            },
            "--module" => module = Some(iter.next().ok_or_else(|| Failure::usage("`--module` needs a file"))?),
            "--max-request-bytes" | "--max-approvals" | "--max-definitions-bytes" | "--max-condition-depth" => {
                let value = iter
                    .next()
                    .and_then(|v| v.parse::<usize>().ok())
                    .ok_or_else(|| Failure::usage(format!("`{arg}` needs a whole number")))?;
                match arg {
                    "--max-request-bytes" => limits.max_request_bytes = value,
                    "--max-approvals" => limits.max_approvals = value,
                    "--max-definitions-bytes" => load.max_definitions_bytes = value,
                    _ => load.max_condition_depth = value,
                }
            }
            flag if flag.starts_with("--") => return Err(Failure::usage(format!("unknown option `{flag}`"))),
            word if command.is_none() => command = Some(word),
            word => positional.push(word),
        }
    }
    let name = command.ok_or_else(|| Failure::usage("missing command"))?;
    Ok(Some(Command {
        name,
        positional,
        definitions,
        force,
        compact,
        limits,
        load,
        now,
        jsonl,
        skip_invalid,
        output,
        no_load,
        module,
        json_format,
        text_format,
        coverage,
        base,
    }))
}

/// Runs a command; `Ok(code)` once its answer is printed.
fn run(args: &[String]) -> Result<u8, Failure> {
    let Some(cmd) = parse(args)? else { return Ok(0) };
    let at_most_one = |cmd: &Command| -> Result<Option<String>, Failure> {
        match cmd.positional.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some((*one).to_owned())),
            [_, extra, ..] => Err(Failure::usage(format!("unexpected argument `{extra}`"))),
        }
    };
    match cmd.name {
        "validate" => {
            let dir = at_most_one(&cmd)?.or(cmd.definitions.map(str::to_owned));
            let report = validate(&pack_files(dir.as_deref())?, &cmd.load);
            println!("{}", pretty(&report));
            // The report is the whole answer, valid or not; only the exit code differs.
            Ok(if report.is_valid() { 0 } else { 2 })
        }
        "describe" => {
            let dir = at_most_one(&cmd)?.or(cmd.definitions.map(str::to_owned));
            let policy = load_policy(dir.as_deref(), &cmd.load)?;
            let source = dir.map_or_else(|| "the built-in pack".to_owned(), |d| pack_dir::resolve(Path::new(&d)).display().to_string());
            print!("{}", describe::describe(&policy, &source));
            Ok(0)
        }
        "install" => install(at_most_one(&cmd)?.as_deref().unwrap_or("."), cmd.force).map(|()| 0),
        "test" => {
            let policy = load_policy(cmd.definitions, &cmd.load)?;
            test::run(&policy, &cmd.positional, cmd.definitions, cmd.json_format, cmd.coverage)
        }
        "diff" => {
            let base = cmd.base.ok_or_else(|| Failure::usage("`diff` needs `--base OLD_DIR`, the pack before the change"))?;
            let before = load_policy(Some(base), &cmd.load)?;
            let after = load_policy(cmd.definitions, &cmd.load)?;
            let file = at_most_one(&cmd)?;
            let jsonl = cmd.jsonl || file.as_deref().is_some_and(|f| f.ends_with(".jsonl") || f.ends_with(".ndjson"));
            match file.as_deref() {
                None | Some("-") => diff::run(&before, &after, std::io::stdin().lock(), jsonl, cmd.text_format, cmd.compact),
                Some(path) => {
                    let f = std::fs::File::open(path)
                        .map_err(|e| Failure::bad_input(ErrorBody::new(ErrorKind::Request, format!("cannot read {path}: {e}"))))?;
                    diff::run(&before, &after, std::io::BufReader::with_capacity(1 << 16, f), jsonl, cmd.text_format, cmd.compact)
                }
            }
        }
        "schema" => {
            at_most_one(&cmd)?.map_or(Ok(()), |extra| Err(Failure::usage(format!("unexpected argument `{extra}`"))))?;
            schema(cmd.output.map(Path::new), cmd.compact).map(|()| 0)
        }
        "compile" => {
            let dir = at_most_one(&cmd)?.or(cmd.definitions.map(str::to_owned));
            let output = Path::new(cmd.output.unwrap_or("policy.wasm"));
            let request = compile::Request { dir: dir.as_deref(), module: cmd.module, output, load: cmd.load, no_load: cmd.no_load };
            compile::run(&pack_files(dir.as_deref())?, &request, cmd.compact)
        }
        "evaluate" | "timeline" | "guard" => {
            let input = read_input(at_most_one(&cmd)?.as_deref())?;
            let policy = load_policy(cmd.definitions, &cmd.load)?;
            let show = |json: &str| if cmd.compact { json.to_owned() } else { reformat(json) };
            let answer = match cmd.name {
                "evaluate" => policy.evaluate_json(&input, &cmd.limits),
                "timeline" => policy.timeline_json(&input, &cmd.limits),
                // A bad guard request still answers the guard contract (deny), then exits 2.
                _ => match policy.guard_json(&input, &cmd.limits) {
                    Ok(answer) => Ok(answer),
                    Err(deny) => {
                        println!("{}", show(&deny));
                        return Ok(2);
                    }
                },
            };
            match answer {
                Ok(json) => {
                    println!("{}", show(&json));
                    Ok(0)
                }
                Err(body) => {
                    let code = if body.kind == ErrorKind::Internal { 1 } else { 2 };
                    Err(Failure { body: Box::new(body), code, warnings: None })
                }
            }
        }
        "analyze" => {
            let file = at_most_one(&cmd)?;
            let policy = load_policy(cmd.definitions, &cmd.load)?;
            let now =
                match cmd.now {
                    Some(text) => Some(text.parse::<release_policy::calendar::Instant>().map_err(|m| {
                        Failure::bad_input(ErrorBody { path: Some("--now".into()), ..ErrorBody::new(ErrorKind::Request, m) })
                    })?),
                    None => None,
                };
            let jsonl = cmd.jsonl || file.as_deref().is_some_and(|f| f.ends_with(".jsonl") || f.ends_with(".ndjson"));
            let format = if jsonl { analyze::Format::JsonLines } else { analyze::Format::Object };
            let options = release_policy::analytics::AnalyzeOptions { skip_invalid: cmd.skip_invalid, limits: cmd.limits };
            let bad = |m: String| Failure::bad_input(ErrorBody::new(ErrorKind::Request, m));
            let answer = match file.as_deref() {
                None | Some("-") => analyze::run(&policy, std::io::stdin().lock(), format, now, options),
                Some(path) => {
                    let f = std::fs::File::open(path).map_err(|e| bad(format!("cannot read {path}: {e}")))?;
                    analyze::run(&policy, std::io::BufReader::with_capacity(1 << 16, f), format, now, options)
                }
            };
            match answer {
                Ok(analytics) => {
                    let json = release_policy::json::to_string(&analytics).unwrap_or_default();
                    println!("{}", if cmd.compact { json } else { reformat(&json) });
                    Ok(0)
                }
                Err(body) => {
                    let code = if body.kind == ErrorKind::Internal { 1 } else { 2 };
                    Err(Failure { body: Box::new(body), code, warnings: None })
                }
            }
        }
        other => Err(Failure::usage(format!("unknown command `{other}`"))),
    }
}

/// The request text from FILE, or standard input for `-` or no FILE.
fn read_input(file: Option<&str>) -> Result<String, Failure> {
    let bad = |m: String| Failure::bad_input(ErrorBody::new(ErrorKind::Request, m));
    let bytes = match file {
        None | Some("-") => {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(|e| bad(format!("cannot read standard input: {e}")))?;
            buf
        }
        Some(path) => std::fs::read(path).map_err(|e| bad(format!("cannot read {path}: {e}")))?,
    };
    String::from_utf8(bytes)
        .map_err(|e| bad(format!("the request is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())))
}

/// Pretty-prints compact JSON from the library, keeping its field order (a CLI is read by people too).
fn reformat(json: &str) -> String {
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_str(json);
    let mut ser = serde_json::Serializer::pretty(&mut out);
    match serde_transcode::transcode(&mut de, &mut ser) {
        Ok(()) => String::from_utf8(out).unwrap_or_else(|_| json.to_owned()),
        Err(_) => json.to_owned(),
    }
}

/// The files of the pack in `dir`, or of the built-in pack.
fn pack_files(dir: Option<&str>) -> Result<Vec<PackFile>, Failure> {
    match dir {
        None => Ok(builtin_files()),
        Some(dir) => pack_dir::read(Path::new(dir)).map_err(positioned),
    }
}

/// A problem at a file position (a pack file, a test file): exit 2 with the positioned error, as
/// `validate` reports a pack's.
fn positioned(d: release_policy::Diagnostic) -> Failure {
    let mut body = ErrorBody::new(ErrorKind::Definitions, d.message.clone());
    body.file = Some(d.file.clone());
    body.line = Some(d.line);
    body.column = Some(d.column);
    body.errors = vec![d];
    Failure::bad_input(body)
}

fn load_policy(dir: Option<&str>, options: &LoadOptions) -> Result<Policy, Failure> {
    Policy::from_pack_with(&pack_files(dir)?, options).map_err(|e| Failure {
        body: Box::new(e.to_error_body()),
        code: 2,
        warnings: Some(e.warnings),
    })
}

/// Writes the built-in pack, with its policy tests, under `dir/.kiket/`, refusing to overwrite
/// unless `force`.
/// `schemas/<kind>.schema.json` for every kind, as `install` and `schema --out` write them.
#[cfg(not(target_arch = "wasm32"))]
fn schema_files() -> Vec<PackFile> {
    release_policy::authoring::schema::schemas()
        .into_iter()
        .map(|(kind, schema)| PackFile::new(format!("schemas/{kind}.schema.json"), pretty(&schema) + "\n"))
        .collect()
}

#[cfg(target_arch = "wasm32")]
fn schema_files() -> Vec<PackFile> {
    Vec::new()
}

/// `schema`: every kind's schema on standard output, or written into `out`.
fn schema(out: Option<&Path>, compact: bool) -> Result<(), Failure> {
    let Some(dir) = out else {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let all = serde_json::Value::Object(release_policy::authoring::schema::schemas());
            println!("{}", if compact { all.to_string() } else { pretty(&all) });
        }
        #[cfg(target_arch = "wasm32")]
        let _ = compact;
        return Ok(());
    };
    let mut written = Vec::new();
    for file in schema_files() {
        let path = dir.join(file.path.trim_start_matches("schemas/"));
        std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &file.text)).map_err(|e| Failure {
            body: Box::new(ErrorBody::new(ErrorKind::Internal, format!("cannot write {}: {e}", path.display()))),
            code: 1,
            warnings: None,
        })?;
        written.push(path.display().to_string());
    }
    println!("{}", pretty(&serde_json::json!({ "written": written })));
    Ok(())
}

fn install(dir: &str, force: bool) -> Result<(), Failure> {
    let root = PathBuf::from(dir).join(".kiket");
    let mut files = builtin_files();
    files.extend(release_policy::authoring::test::BUILTIN_TESTS.iter().map(|(path, text)| PackFile::new(*path, *text)));
    // The editor schemas beside the pack, where the README's editor set-up points.
    files.extend(schema_files());
    if !force {
        let existing: Vec<String> =
            files.iter().map(|f| root.join(&f.path)).filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
        if !existing.is_empty() {
            let message = format!("refusing to overwrite {} (pass --force to replace)", existing.join(", "));
            return Err(Failure::bad_input(ErrorBody::new(ErrorKind::Request, message)));
        }
    }
    let io_error = |path: &Path, e: std::io::Error| Failure {
        body: Box::new(ErrorBody::new(ErrorKind::Internal, format!("cannot write {}: {e}", path.display()))),
        code: 1,
        warnings: None,
    };
    let mut written = Vec::new();
    for file in &files {
        let path = root.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
        }
        std::fs::write(&path, &file.text).map_err(|e| io_error(&path, e))?;
        written.push(path.display().to_string());
    }
    let mut answer = serde_json::json!({ "installed": root.display().to_string(), "files": written });
    if let Some(editor) = editor_setup(dir) {
        answer["editor"] = editor;
    }
    println!("{}", pretty(&answer));
    Ok(())
}

/// The editor set-up for the pack `install` wrote into DIR (VS Code's YAML extension), paths
/// relative to DIR.
#[cfg(not(target_arch = "wasm32"))]
fn editor_setup(dir: &str) -> Option<serde_json::Value> {
    use release_policy::authoring::schema;
    let pack = Path::new(dir).join(".kiket");
    let pack = pack.strip_prefix(".").unwrap_or(&pack).display().to_string();
    let mapping: serde_json::Map<String, serde_json::Value> = schema::KINDS
        .iter()
        .map(|(kind, _)| {
            let globs: Vec<String> = schema::globs(kind).iter().map(|g| format!("{pack}/{g}")).collect();
            (format!("{pack}/schemas/{kind}.schema.json"), serde_json::json!(globs))
        })
        .collect();
    Some(serde_json::json!({ "yaml.schemas": mapping }))
}

#[cfg(target_arch = "wasm32")]
fn editor_setup(_dir: &str) -> Option<serde_json::Value> {
    None
}
