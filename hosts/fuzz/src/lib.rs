//! The fuzz targets' bodies: what each one feeds the engine and which invariants it asserts. A
//! failed invariant panics, which libFuzzer (or the smoke run) reports as a crash with its input.
//!
//! - [`request_json`]: any bytes as a request → evaluate, guard, timeline.
//! - [`pack_file`]: any bytes as one file of a pack (the built-in one or a public Kiket pack) →
//!   validate, load, evaluate.
//! - [`structured`]: a request assembled from the pack's own vocabulary → the semantic invariants.
//! - [`differential`]: the same request through the native engine and the plugin module in wasmtime.

use arbitrary::Arbitrary;
use release_policy::{PackFile, Policy, RequestLimits, builtin_files, validate};
use serde_json::{Value, json};

/// The built-in policy, loaded once per process.
pub fn policy() -> &'static Policy {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(Policy::builtin)
}

fn parse(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("the engine wrote invalid JSON ({e}): {json}"))
}

/// Every answer is valid JSON; every error is SPEC §9's shape and never claims an approval.
fn check_answer(answer: &Result<String, release_policy::ErrorBody>) -> Option<Value> {
    match answer {
        Ok(json) => Some(parse(json)),
        Err(body) => {
            let v = parse(&body.to_json());
            assert!(v["error"]["kind"].is_string() && v["error"]["message"].is_string(), "malformed error: {v}");
            assert!(!body.to_json().contains("\"state\":\"approved\""), "an error mentions an approved chain: {v}");
            None
        }
    }
}

/// The guard answers allow / pending / deny, and only allows production when the chain is approved.
fn check_guard(answer: &str, evaluation: Option<&Value>, asked_to: Option<&str>) {
    let v = parse(answer);
    let status = v["status"].as_str().unwrap_or_else(|| panic!("a guard answer without status: {v}"));
    assert!(matches!(status, "allow" | "pending" | "deny"), "guard status {status}");
    if status == "allow" && asked_to == Some("production") {
        let chain = evaluation.map(|e| e["chain"]["state"].clone());
        assert_eq!(chain, Some(json!("approved")), "the guard allowed production with the chain not approved: {answer}");
    }
}

/// Semantic invariants of one evaluation.
fn check_evaluation(request: &Value, evaluation: &Value, timeline: &Value) {
    // Compared as instants: `now` may carry an offset or a lowercase `t` (RFC 3339 allows both).
    let instant = |v: &Value| v.as_str().and_then(|t| t.parse::<release_policy::calendar::Instant>().ok());
    if let (Some(wake), Some(now)) = (instant(&evaluation["wake_at"]), instant(&request["now"])) {
        assert!(wake > now, "wake_at {wake} is not after now {now}");
    }
    let levels = evaluation["chain"]["levels"].as_array().cloned().unwrap_or_default();
    let numbers: Vec<u64> = levels.iter().filter_map(|l| l["level"].as_u64()).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "levels out of order: {numbers:?}");
    let audit = evaluation["audit"].as_array().cloned().unwrap_or_default();
    for level in &levels {
        if level["state"] == "auto_approved" {
            let n = &level["level"];
            assert!(
                audit.iter().any(|a| a["action"] == "auto_approve" && &a["level"] == n),
                "auto-approved level {n} without its audit entry"
            );
        }
        if let (Some(a), Some(c)) = (level["activated_at"].as_str(), level["completed_at"].as_str()) {
            assert!(a <= c, "level {} completed before it activated", level["level"]);
        }
    }
    let events = timeline["events"].as_array().cloned().unwrap_or_default();
    // The timeline is bounded by the pack: per level an activation, a deadline and each ladder step;
    // then SLA warning, breach and the chain's completion.
    let ladder = policy().pack().workflows.iter().filter_map(|w| w.chain_transition()).map(|(_, c)| c.escalation.len()).max().unwrap_or(0);
    let bound = levels.len() * (2 + ladder) + 3;
    assert!(events.len() <= bound, "{} timeline events, more than the bound {bound}", events.len());
    let ats: Vec<&str> = events.iter().filter_map(|e| e["at"].as_str()).collect();
    assert!(ats.windows(2).all(|w| w[0] <= w[1]), "timeline out of order");
}

/// Any bytes as a request.
pub fn request_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let policy = policy();
    let limits = RequestLimits::default();
    let evaluation = policy.evaluate_json(text, &limits);
    assert_eq!(evaluation, policy.evaluate_json(text, &limits), "evaluate is not deterministic");
    let evaluated = check_answer(&evaluation);
    let timeline = policy.timeline_json(text, &limits);
    let timelined = check_answer(&timeline);
    assert_eq!(evaluated.is_some(), timelined.is_some(), "evaluate and timeline disagree on the request's validity");
    let guard = match policy.guard_json(text, &limits) {
        Ok(a) | Err(a) => a,
    };
    let asked = serde_json::from_str::<Value>(text).ok().and_then(|v| v["transition"]["to"].as_str().map(str::to_owned));
    check_guard(&guard, evaluated.as_ref(), asked.as_deref());
    if let (Some(e), Some(t), Ok(request)) = (&evaluated, &timelined, serde_json::from_str::<Value>(text)) {
        check_evaluation(&request, e, t);
    }
}

/// The packs [`pack_file`] mutates: the built-in pack, then every public Kiket pack found beside the
/// repository (`../shared/upstream/kiket-definitions-*`, or `$KIKET_UPSTREAM_ROOT`), read once.
pub fn packs() -> &'static [Vec<PackFile>] {
    static PACKS: std::sync::OnceLock<Vec<Vec<PackFile>>> = std::sync::OnceLock::new();
    PACKS.get_or_init(|| {
        let roots = [
            std::env::var("KIKET_UPSTREAM_ROOT").map(std::path::PathBuf::from).ok(),
            Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/upstream")),
            Some(std::path::PathBuf::from("/work/shared/upstream")),
        ];
        let mut dirs: Vec<std::path::PathBuf> = roots
            .into_iter()
            .flatten()
            .find(|r| r.is_dir())
            .and_then(|r| std::fs::read_dir(r).ok())
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("kiket-definitions-")))
            .collect();
        dirs.sort();
        std::iter::once(builtin_files()).chain(dirs.iter().filter_map(|d| release_policy::pack_dir::read(d).ok())).collect()
    })
}

/// Any bytes as one file of a pack: the first byte picks the pack (see [`packs`]), the second the
/// file, the rest replaces it.
pub fn pack_file(data: &[u8]) {
    let [pack, pick, rest @ ..] = data else { return };
    let packs = packs();
    let mut files = packs[usize::from(*pack) % packs.len()].clone();
    if files.is_empty() {
        return;
    }
    let index = usize::from(*pick) % files.len();
    files[index].text = String::from_utf8_lossy(rest).into_owned();
    let report = validate(&files, &Default::default());
    let loaded = Policy::from_pack(&files);
    assert_eq!(report.is_valid(), loaded.is_ok(), "validate and load disagree");
    match loaded {
        Ok(policy) => {
            let answer = policy.evaluate_json(SAMPLE, &RequestLimits::default());
            check_answer(&answer);
        }
        Err(e) => {
            let body = e.to_error_body();
            assert_eq!(body.kind, release_policy::ErrorKind::Definitions);
            assert!(body.file.is_some() && !body.errors.is_empty(), "a definitions error without its file: {body:?}");
        }
    }
}

/// A typical pending release (the README's example).
pub const SAMPLE: &str = include_str!("../../../examples/pending-release.json");

const USERS: [&str; 9] = ["quinn", "erin", "sam", "sasha", "mia", "dana", "otto", "alice", "zed"];
const STATES: [&str; 7] = ["development", "staging", "pending_approval", "production", "rollback", "completed", "failed"];
const BASE: i64 = 1_795_000_000;

/// A request assembled from the built-in pack's vocabulary, so that most inputs are valid and reach
/// the chain's logic rather than the parser's errors.
#[derive(Arbitrary, Debug)]
pub struct Structured {
    status: u8,
    since_minutes: u16,
    now_minutes: u16,
    priority: u8,
    release_type: u8,
    hotfix: bool,
    breaking: bool,
    requester: u8,
    approvals: Vec<(u8, u8, bool, i16, Option<u8>)>,
    delegations: Vec<(u8, u8, u16, u16)>,
    berlin: bool,
    target: u8,
}

fn at(seconds: i64) -> String {
    release_policy::calendar::Instant::from_unix_seconds(seconds).to_string()
}

impl Structured {
    pub fn request(&self) -> Value {
        let since = BASE + i64::from(self.since_minutes) * 60;
        let now = since + i64::from(self.now_minutes) * 60;
        let pick = |i: u8, n: usize| usize::from(i) % n;
        let status = STATES[pick(self.status, STATES.len())];
        let custom = if self.hotfix {
            json!({"severity": (["critical", "high", "medium"][pick(self.release_type, 3)]), "version_tag": "v1"})
        } else {
            json!({"release_type": (["major", "minor", "patch", "hotfix"][pick(self.release_type, 4)]), "version_tag": "v1", "changelog": "x"})
        };
        let approvals: Vec<Value> = self
            .approvals
            .iter()
            .take(24)
            .map(|&(level, who, reject, minutes, group)| {
                let mut a = json!({"level": 1 + u32::from(level % 5), "approver": USERS[pick(who, USERS.len())],
                                   "decision": if reject { "reject" } else { "approve" }, "at": at(since + i64::from(minutes) * 60)});
                if let Some(g) = group {
                    a["group"] = json!(["engineering", "sre"][pick(g, 2)]);
                }
                a
            })
            .collect();
        let delegations: Vec<Value> = self
            .delegations
            .iter()
            .take(4)
            .map(|&(from, to, start, len)| {
                let start = BASE + i64::from(start) * 60;
                json!({"from": USERS[pick(from, USERS.len())], "to": USERS[pick(to, USERS.len())], "start": at(start), "end": at(start + 60 + i64::from(len) * 60)})
            })
            .collect();
        let mut request = json!({
            "now": at(now),
            "release": {"id": "REL-F", "case_type": if self.hotfix { "Hotfix" } else { "Release" }, "status": status,
                        "status_since": at(since), "priority": (["low", "medium", "high", "critical"][pick(self.priority, 4)]),
                        "labels": if self.breaking { json!(["breaking-change"]) } else { json!([]) },
                        "requested_by": USERS[pick(self.requester, USERS.len())], "custom_fields": custom, "approvals": approvals},
            "directory": {"roles": {"qa_lead": ["quinn"], "engineering_lead": ["erin"], "sre": ["sam", "sasha"],
                                    "engineering_manager": ["mia"], "director": ["dana"], "sre_oncall": ["otto"]},
                          "delegations": delegations},
            "transition": {"from": status, "to": STATES[pick(self.target, STATES.len())]},
        });
        if self.berlin {
            request["calendar"] = json!({"timezone": "Europe/Berlin", "working_days": ["mon", "tue", "wed", "thu", "fri"], "hours": "09:00-17:00", "holidays": ["2026-12-25"]});
        }
        request
    }
}

/// A structured request: every invariant of [`request_json`], on inputs that reach the chain.
pub fn structured(input: &Structured) {
    request_json(input.request().to_string().as_bytes());
}

/// The plugin module under test, compiled once per process (`PLUGIN_WASM`, default
/// `pkg/release-policy-plugin.wasm`).
pub fn plugin() -> plugin_host::Plugin {
    static COMPILED: std::sync::OnceLock<plugin_host::Sandbox> = std::sync::OnceLock::new();
    let sandbox = COMPILED.get_or_init(|| {
        let path = std::env::var("PLUGIN_WASM")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../pkg/release-policy-plugin.wasm").to_owned());
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}; build it with `make pkg`"));
        plugin_host::Sandbox::new(&bytes, plugin_host::Bounds::default()).expect("a valid module")
    });
    sandbox.instance().expect("instantiates")
}

/// The same bytes through the native engine and the plugin module: the same status and JSON.
pub fn differential(host: &mut plugin_host::Plugin, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let limits = RequestLimits::default();
    let native = match policy().evaluate_json(text, &limits) {
        Ok(json) => (0, json),
        Err(body) => (if body.kind == release_policy::ErrorKind::Internal { 2 } else { 1 }, body.to_json()),
    };
    let answer = host.call("evaluate", 0, data).expect("the plugin traps on a request the native engine answers");
    assert_eq!((answer.status, answer.json), native, "the plugin and the native engine disagree on {text}");
}
