//! Evaluation requests (SPEC §3): parsing JSON straight into typed structs, then checking them
//! against the pack. Every error names the JSON path of the offending value
//! (`release.approvals[3].at`).
//!
//! Owns: the request model, its size limits, and the consistency checks a request must pass before
//! the engine may assume it is valid. Must not know how a request is evaluated.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::calendar::{self, Calendar, Instant};
use crate::definitions::{FieldKind, Pack, Workflow};
use crate::error::{ErrorBody, ErrorKind};

/// Limits on one request; a host may tighten or relax them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLimits {
    /// Size of the request JSON in bytes (default 1 MiB).
    pub max_request_bytes: usize,
    /// Approvals in one release (default 10,000).
    pub max_approvals: usize,
}

impl Default for RequestLimits {
    fn default() -> RequestLimits {
        RequestLimits { max_request_bytes: 1 << 20, max_approvals: 10_000 }
    }
}

/// An evaluation request. `directory`, `calendar`, `wip`, `history` and `approvals` are optional.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "ts", ts(rename = "EvaluationRequest"))]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub now: Instant,
    pub release: Release,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub directory: Directory,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub calendar: Option<CalendarInput>,
    /// Releases currently in each state, for WIP limits.
    #[serde(default, deserialize_with = "unique_keys")]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub wip: BTreeMap<String, u32>,
    /// The transition a guard request asks about.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub transition: Option<TransitionRef>,
    /// The host's own data, ignored by the engine: every other unknown key is an error, so a typo
    /// (`directroy`) never silently drops what it names.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "unknown", optional))]
    pub host: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct Release {
    pub id: String,
    /// The workflow the case follows, when its case type does not say and the pack has several.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub workflow: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub title: Option<String>,
    #[serde(alias = "issue_type")]
    pub case_type: String,
    pub status: String,
    pub status_since: Instant,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub priority: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub labels: Vec<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub assignee: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reporter: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub requested_by: Option<String>,
    #[serde(default, deserialize_with = "unique_keys")]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub custom_fields: Map<String, Value>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub approvals: Vec<Approval>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub history: Vec<HistoryEntry>,
    /// Ticked checklist items: `{"<checklist id>": {"<item id>": true}}`.
    #[serde(default, deserialize_with = "unique_keys")]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub checklists: BTreeMap<String, BTreeMap<String, bool>>,
    /// When the case last changed (`hours_since_last_update`).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub updated_at: Option<Instant>,
    /// When the case is due (`hours_until_due`).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub due_at: Option<Instant>,
}

impl Release {
    /// Who asked for the release: `requested_by`, else `reporter` (separation of duties).
    pub fn requester(&self) -> Option<&str> {
        self.requested_by.as_deref().or(self.reporter.as_deref())
    }
}

/// A recorded decision: on a chain level (`level`, optional `group`) or on a transition's
/// `require_approval` (`transition`: the target state).
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct Approval {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub level: Option<u32>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub group: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub transition: Option<String>,
    /// A decision on a state's `approval` (the state's id).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub state: Option<String>,
    pub approver: String,
    /// Roles the approver holds, used when the directory has no entry for a role.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub roles: Vec<String>,
    pub decision: Decision,
    pub at: Instant,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub comment: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Decision {
    Approve,
    Reject,
}

#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    pub to: String,
    pub at: Instant,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub from: Option<String>,
}

/// Who holds which role, and who stands in for whom.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct Directory {
    #[serde(default, deserialize_with = "unique_keys")]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub roles: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub delegations: Vec<Delegation>,
}

/// `to` may act for `from` while `start <= at < end`.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    pub from: String,
    pub to: String,
    pub start: Instant,
    pub end: Instant,
}

/// The calendar as a request gives it; parsed into a [`Calendar`] by [`check`].
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub timezone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub working_days: Option<Vec<String>>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub hours: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub holidays: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct TransitionRef {
    pub from: String,
    pub to: String,
}

/// A map filled from a JSON object whose keys must be distinct.
trait InsertNew<V> {
    fn holds(&self, key: &str) -> bool;
    fn insert_new(&mut self, key: String, value: V);
}

impl<V> InsertNew<V> for BTreeMap<String, V> {
    fn holds(&self, key: &str) -> bool {
        self.contains_key(key)
    }
    fn insert_new(&mut self, key: String, value: V) {
        self.insert(key, value);
    }
}

impl InsertNew<Value> for Map<String, Value> {
    fn holds(&self, key: &str) -> bool {
        self.contains_key(key)
    }
    fn insert_new(&mut self, key: String, value: Value) {
        self.insert(key, value);
    }
}

/// A JSON object whose keys must be distinct: `{"release_type": "minor", "release_type": "major"}`
/// is refused rather than silently keeping the last value (which could skip an approval level).
fn unique_keys<'de, D, M, V>(deserializer: D) -> Result<M, D::Error>
where
    D: serde::Deserializer<'de>,
    M: Default + InsertNew<V>,
    V: Deserialize<'de>,
{
    struct Unique<M, V>(std::marker::PhantomData<(M, V)>);

    impl<'de, M: Default + InsertNew<V>, V: Deserialize<'de>> serde::de::Visitor<'de> for Unique<M, V> {
        type Value = M;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut access: A) -> Result<M, A::Error> {
            let mut map = M::default();
            // A duplicate is refused as its key is read, before its value: the error then points
            // at the object (see `path_at`).
            while let Some(key) = access.next_key::<String>()? {
                if map.holds(&key) {
                    let key = crate::definitions::yaml::shorten(&key);
                    return Err(serde::de::Error::custom(format!("duplicate key `{key}`")));
                }
                map.insert_new(key, access.next_value()?);
            }
            Ok(map)
        }
    }

    deserializer.deserialize_map(Unique(std::marker::PhantomData))
}

/// A request that does not parse or does not fit the pack.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestError {
    pub kind: ErrorKind,
    pub message: String,
    /// JSON path of the offending value (`release.approvals[3].at`); empty for the whole request.
    pub path: String,
}

impl RequestError {
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> RequestError {
        RequestError { kind: ErrorKind::Request, message: message.into(), path: path.into() }
    }

    pub fn to_error_body(&self) -> ErrorBody {
        let mut body = ErrorBody::new(self.kind, self.message.clone());
        body.path = (!self.path.is_empty()).then(|| self.path.clone());
        body
    }
}

impl std::fmt::Display for RequestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() { f.write_str(&self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

impl std::error::Error for RequestError {}

/// Parses request JSON into a [`Request`] (types only; see [`check`] for consistency with a pack).
pub fn parse(json: &str, limits: &RequestLimits) -> Result<Request, RequestError> {
    if json.len() > limits.max_request_bytes {
        return Err(RequestError {
            kind: ErrorKind::Limit,
            message: format!("the request is {} bytes; the limit is {} bytes", json.len(), limits.max_request_bytes),
            path: String::new(),
        });
    }
    // serde reads a struct from a list too ("invalid length 0, expected struct Request"): say what
    // a request is instead.
    if json.trim_start().starts_with('[') {
        return Err(RequestError::at("", "a request is a JSON object (`now`, `release`, …), not a list"));
    }
    parse_tracked(json, "")
}

/// Parses JSON text into a `T`, the whole text and nothing after it; an error names the JSON path of
/// the offending value, under `prefix` (`release` for a release given on its own).
///
/// The parse itself is serde_json's, untracked: the path is worked out only on an error, from the
/// position serde_json reports, by [`path_at`]. Tracking every value as it is read (as
/// serde_path_to_error does) cost a third of a request's parse and 36 KB of WebAssembly.
pub(crate) fn parse_tracked<'a, T: serde::Deserialize<'a>>(json: &'a str, prefix: &str) -> Result<T, RequestError> {
    serde_json::from_str(json).map_err(|e| {
        use serde_json::error::Category;
        // serde_json reports a syntax error just past the byte it peeked and refused (a missing
        // comma's next token, a string's closing quote after a bad escape): leave that byte out.
        let end = error_offset(json, &e);
        let path = match e.classify() {
            Category::Syntax => path_at(json, end.saturating_sub(1), false),
            // serde's own wording for a key `deny_unknown_fields` refuses, raised just past the key.
            Category::Data if e.to_string().starts_with("unknown field `") => path_to_key(json, end),
            Category::Data => path_at(json, end, true),
            Category::Eof | Category::Io => path_at(json, json.len(), false),
        };
        let path = match (prefix.is_empty(), path.is_empty()) {
            (_, true) => prefix.to_owned(),
            (true, false) => path,
            (false, false) => format!("{prefix}.{path}"),
        };
        // A missing field is named itself (`now`, `release.case_type`), not only its object.
        let message = e.to_string();
        let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split_once('`')).map(|(field, _)| field);
        let path = match missing {
            Some(field) if path.is_empty() => field.to_owned(),
            Some(field) => format!("{path}.{field}"),
            None => path,
        };
        RequestError::at(path, message)
    })
}

/// The byte offset serde_json's error points just past: its line is 1-based and its column counts
/// the bytes of that line read so far.
fn error_offset(json: &str, e: &serde_json::Error) -> usize {
    let line_start = match e.line() {
        0 | 1 => 0,
        line => json.match_indices('\n').nth(line - 2).map_or(json.len(), |(i, _)| i + 1),
    };
    (line_start + e.column()).min(json.len())
}

/// One open JSON container while scanning for a path.
struct Open {
    /// `Some(key)` in an object, `None` in an array.
    key: Option<String>,
    /// The array element being read.
    index: usize,
    at: Member,
    /// The current member's key has been read (an object's first key may be `""`).
    key_read: bool,
}

/// Where the scan stands in an object member or array element.
#[derive(Clone, Copy, PartialEq)]
enum Member {
    /// Before the value: an object's key, or an array between elements.
    Before,
    /// Reading the value.
    Reading,
    /// Just after the value, before the `,` or bracket that ends it.
    Read,
}

/// The length of the valid JSON escape at the start of `bytes` (`\\n`, `\\u00e9`, a surrogate pair),
/// or `None` for one serde_json refuses (an unknown escape, bad hex, a lone surrogate).
fn escape_len(bytes: &[u8]) -> Option<usize> {
    let hex = |at: usize| -> Option<u32> {
        let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
        u32::from_str_radix(digits, 16).ok().filter(|_| digits.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    match bytes.get(1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(2),
        b'u' => match hex(2)? {
            0xD800..=0xDBFF if bytes.get(6..8) == Some(b"\\u") && (0xDC00..=0xDFFF).contains(&hex(8)?) => Some(12),
            0xD800..=0xDFFF => None,
            _ => Some(6),
        },
        _ => None,
    }
}

/// The JSON path (`release.approvals[1].at`) of the value being read when serde_json stopped at
/// byte `end` of `json`. A member or element counts from its first byte (its `:` for a member).
/// After its last byte it still counts for a data error (serde_json reports a wrong type or a bad
/// timestamp just after the value), not for a syntax error (a missing `,`, the end of the input),
/// which the container raises. Scans iteratively, so hostile nesting costs a vector, not the stack.
pub(crate) fn path_at(json: &str, end: usize, data_error: bool) -> String {
    path_to(json, end, data_error, false)
}

/// [`path_at`], where the error concerns the key just read (an unknown field): the path ends
/// with that key, though its value has not begun.
fn path_to_key(json: &str, end: usize) -> String {
    path_to(json, end, true, true)
}

fn path_to(json: &str, end: usize, data_error: bool, key_counts: bool) -> String {
    let bytes = &json.as_bytes()[..end.min(json.len())];
    let mut open: Vec<Open> = Vec::new();
    fn set(open: &mut [Open], at: Member) {
        if let Some(top) = open.last_mut() {
            top.at = at;
        }
    }
    let mut i = 0;
    while i < bytes.len() {
        let in_object_key = open.last().is_some_and(|o| o.key.is_some() && o.at == Member::Before);
        match bytes[i] {
            b'{' | b'[' => {
                set(&mut open, Member::Reading);
                let key = (bytes[i] == b'{').then(String::new);
                open.push(Open { key, index: 0, at: Member::Before, key_read: false });
            }
            b'}' | b']' => {
                open.pop();
                set(&mut open, Member::Read);
            }
            b',' => {
                if let Some(top) = open.last_mut() {
                    top.at = Member::Before;
                    top.index += 1;
                    top.key_read = false;
                }
            }
            b':' => set(&mut open, Member::Reading),
            b'"' => {
                let start = i + 1;
                i = start;
                let mut broken = false;
                while i < bytes.len() && bytes[i] != b'"' {
                    match bytes[i] {
                        b'\\' => match escape_len(&json.as_bytes()[i..]) {
                            Some(len) => i += len,
                            None => broken = true,
                        },
                        c if c < 0x20 => broken = true,
                        _ => i += 1,
                    }
                    if broken {
                        break;
                    }
                }
                // A string the parser cannot read (a bad escape, a control character) is where it
                // stopped, whatever byte its error points past.
                if broken {
                    if !in_object_key {
                        set(&mut open, Member::Reading);
                    }
                    break;
                }
                let closed = i < bytes.len();
                if in_object_key {
                    // `get`: the scan may stop inside a multi-byte character.
                    let raw = json.get(start..i.min(bytes.len())).unwrap_or_default();
                    let key = serde_json::from_str(&format!("\"{raw}\"")).unwrap_or_else(|_| raw.to_owned());
                    if let Some(top) = open.last_mut() {
                        top.key = Some(key);
                        top.key_read = closed;
                    }
                } else {
                    set(&mut open, if closed { Member::Read } else { Member::Reading });
                }
            }
            b if b.is_ascii_whitespace() => {}
            _ => {
                // A number or `true`/`false`/`null`: read once it is whole (a literal cut short is
                // still being read).
                let start = i;
                while i + 1 < bytes.len()
                    && !matches!(bytes[i + 1], b',' | b'}' | b']' | b':' | b'"')
                    && !bytes[i + 1].is_ascii_whitespace()
                {
                    i += 1;
                }
                let token = &bytes[start..=i];
                // Whole unless cut short: a literal missing letters, a number ending in `.`, `e` or
                // a sign, or one the parser stopped inside (`09`: the `9` continues it).
                let whole = if token[0].is_ascii_alphabetic() {
                    matches!(token, b"true" | b"false" | b"null")
                } else {
                    let number_byte = |b: &u8| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-');
                    token.last().is_some_and(u8::is_ascii_digit) && !json.as_bytes().get(i + 1).is_some_and(number_byte)
                };
                set(&mut open, if whole { Member::Read } else { Member::Reading });
            }
        }
        i += 1;
    }
    // The byte serde_json stopped on starts an array's next element: the element has begun (an
    // element of the wrong kind, a stray character where a value belongs).
    if let (Some(top), Some(next)) = (open.last_mut(), json.as_bytes().get(bytes.len())) {
        if top.key.is_none() && top.at == Member::Before && !matches!(next, b']') && !next.is_ascii_whitespace() {
            top.at = Member::Reading;
        }
    }
    // Only the innermost container can be past its value (`Read`): an open child keeps its parent
    // `Reading`.
    let mut path = String::new();
    let innermost = open.len().saturating_sub(1);
    for (depth, frame) in open.iter().enumerate() {
        let counts = match frame.at {
            Member::Before => key_counts && depth == innermost && frame.key_read,
            Member::Reading => true,
            Member::Read => data_error,
        };
        if !counts {
            break;
        }
        match &frame.key {
            Some(key) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            None => path.push_str(&format!("[{}]", frame.index)),
        }
    }
    path
}

/// Checks a parsed request against the pack, and resolves its calendar (request, else the pack's
/// workspace calendar, else the default).
pub fn check(request: &Request, pack: &Pack, workflow: &Workflow, limits: &RequestLimits) -> Result<Calendar, RequestError> {
    check_release(&request.release, request.now, pack, workflow, limits)?;
    check_context(&request.directory, request.transition.as_ref(), &request.wip, workflow)?;
    resolve_calendar(request.calendar.as_ref(), pack)
}

fn state_error(workflow: &Workflow, path: String, name: &str) -> RequestError {
    let states: Vec<&str> = workflow.states.iter().map(|s| s.id.as_str()).collect();
    RequestError::at(path, format!("unknown state `{name}`; the workflow's states are {}", states.join(", ")))
}

/// The release's part of [`check`]: limits, states, case type, custom fields, history, approvals.
pub(crate) fn check_release(
    release: &Release,
    now: Instant,
    pack: &Pack,
    workflow: &Workflow,
    limits: &RequestLimits,
) -> Result<(), RequestError> {
    let state_error = |path: String, name: &str| state_error(workflow, path, name);

    if release.approvals.len() > limits.max_approvals {
        return Err(RequestError {
            kind: ErrorKind::Limit,
            message: format!("{} approvals; the limit is {}", release.approvals.len(), limits.max_approvals),
            path: "release.approvals".to_owned(),
        });
    }
    if release.id.is_empty() {
        return Err(RequestError::at("release.id", "the release id is empty"));
    }
    if workflow.state(&release.status).is_none() {
        return Err(state_error("release.status".to_owned(), &release.status));
    }
    if release.status_since > now {
        return Err(RequestError::at("release.status_since", format!("{} is after now ({now})", release.status_since)));
    }
    // Without a case types file, `case_type` is free text and no custom field is checked.
    let case_type = pack.case_type(&release.case_type);
    if case_type.is_none() && pack.case_types_declared {
        let known: Vec<_> = pack.case_types.iter().map(|c| c.key.as_str()).collect();
        return Err(RequestError::at(
            "release.case_type",
            format!("unknown case type `{}`; the pack's case types are {}", release.case_type, known.join(", ")),
        ));
    }
    for (key, value) in &release.custom_fields {
        if let Some((case_type, def)) = case_type.and_then(|c| c.field(key).map(|d| (c, d))) {
            check_field(def.kind, &def.options, value)
                .map_err(|m| RequestError::at(format!("release.custom_fields.{key}"), format!("`{key}` of a {}: {m}", case_type.key)))?;
        }
    }
    for (id, ticks) in &release.checklists {
        let Some(checklist) = workflow.checklist(id) else {
            let mut known: Vec<&str> = workflow.states.iter().filter_map(|s| s.checklist.as_ref().map(|c| c.id.as_str())).collect();
            known.dedup();
            return Err(RequestError::at(
                format!("release.checklists.{id}"),
                format!("workflow `{}` has no checklist `{id}` (its checklists: {})", workflow.id, known.join(", ")),
            ));
        };
        if let Some(item) = ticks.keys().find(|item| !checklist.items.iter().any(|i| i.id == **item)) {
            let known: Vec<&str> = checklist.items.iter().map(|i| i.id.as_str()).collect();
            return Err(RequestError::at(
                format!("release.checklists.{id}.{item}"),
                format!("checklist `{id}` has no item `{item}` (its items: {})", known.join(", ")),
            ));
        }
    }
    for (i, entry) in release.history.iter().enumerate() {
        if workflow.state(&entry.to).is_none() {
            return Err(state_error(format!("release.history[{i}].to"), &entry.to));
        }
        if let Some(from) = &entry.from {
            if workflow.state(from).is_none() {
                return Err(state_error(format!("release.history[{i}].from"), from));
            }
        }
    }
    for (i, approval) in release.approvals.iter().enumerate() {
        let path = |field: &str| format!("release.approvals[{i}].{field}");
        let named =
            [("level", approval.level.is_some()), ("transition", approval.transition.is_some()), ("state", approval.state.is_some())];
        let given: Vec<&str> = named.iter().filter(|(_, on)| *on).map(|(k, _)| *k).collect();
        match given.as_slice() {
            [] => {
                return Err(RequestError::at(
                    path("level"),
                    "an approval needs a chain `level`, a `transition` (the target state) or a `state` (a state's approval)",
                ));
            }
            [_, second, ..] => {
                return Err(RequestError::at(path(second), "an approval is for one of a chain `level`, a `transition` or a `state`"));
            }
            _ => {}
        }
        if let Some(to) = &approval.transition {
            if workflow.state(to).is_none() {
                return Err(state_error(path("transition"), to));
            }
        }
        if approval.level.is_some() && workflow.chain_transition().is_none() {
            let message = format!("workflow `{}` has no approval chain: an approval names a `transition` or a `state`", workflow.id);
            return Err(RequestError::at(path("level"), message));
        }
        if let Some(state) = &approval.state {
            match workflow.state(state) {
                None => return Err(state_error(path("state"), state)),
                Some(s) if s.approval.is_none() => {
                    return Err(RequestError::at(path("state"), format!("state `{state}` has no `approval` to decide")));
                }
                Some(_) => {}
            }
        }
        if approval.approver.is_empty() {
            return Err(RequestError::at(path("approver"), "the approver is empty"));
        }
    }
    Ok(())
}

/// The part of [`check`] that a request shares with every release it could carry: the directory,
/// the transition asked about and the WIP counts.
pub(crate) fn check_context(
    directory: &Directory,
    transition: Option<&TransitionRef>,
    wip: &BTreeMap<String, u32>,
    workflow: &Workflow,
) -> Result<(), RequestError> {
    let state_error = |path: String, name: &str| state_error(workflow, path, name);
    for (i, d) in directory.delegations.iter().enumerate() {
        if d.end <= d.start {
            return Err(RequestError::at(
                format!("directory.delegations[{i}].end"),
                format!("the delegation ends ({}) before it starts ({})", d.end, d.start),
            ));
        }
    }
    if let Some(t) = transition {
        for (side, name) in [("from", &t.from), ("to", &t.to)] {
            if workflow.state(name).is_none() {
                return Err(state_error(format!("transition.{side}"), name));
            }
        }
    }
    for state in wip.keys() {
        if workflow.state(state).is_none() {
            return Err(state_error(format!("wip.{state}"), state));
        }
    }
    Ok(())
}

/// The calendar a request works in: its own, else the pack's workspace calendar, else the default.
pub(crate) fn resolve_calendar(input: Option<&CalendarInput>, pack: &Pack) -> Result<Calendar, RequestError> {
    match input {
        Some(input) => calendar_of(input),
        None => Ok(pack.workspace.calendar.clone().unwrap_or_default()),
    }
}

/// A custom field's value against its definition. Null counts as absent.
fn check_field(kind: FieldKind, options: &[String], value: &Value) -> Result<(), String> {
    let allowed = || options.join(", ");
    let describe = |v: &Value| crate::definitions::yaml::shorten(&v.to_string());
    match (kind, value) {
        (_, Value::Null) => Ok(()),
        (FieldKind::Select, Value::String(s)) if options.contains(s) => Ok(()),
        (FieldKind::Select, v) => Err(format!("{} is not one of the allowed values: {}", describe(v), allowed())),
        (FieldKind::Multiselect, Value::Array(items)) => match items.iter().find(|i| !matches!(i, Value::String(s) if options.contains(s)))
        {
            None => Ok(()),
            Some(bad) => Err(format!("{} is not one of the allowed values: {}", describe(bad), allowed())),
        },
        (FieldKind::Multiselect, v) => Err(format!("expected a list of values from: {}; found {}", allowed(), describe(v))),
        (FieldKind::Number, Value::Number(_)) => Ok(()),
        (FieldKind::Number, v) => Err(format!("expected a number, found {}", describe(v))),
        (FieldKind::Boolean, Value::Bool(_)) => Ok(()),
        (FieldKind::Boolean, v) => Err(format!("expected true or false, found {}", describe(v))),
        (FieldKind::Date, Value::String(s)) => calendar::parse_date(s).map(|_| ()),
        (FieldKind::Datetime, Value::String(s)) => s.parse::<Instant>().map(|_| ()),
        (FieldKind::Date | FieldKind::Datetime, v) => Err(format!("expected a date as text, found {}", describe(v))),
        (
            FieldKind::Text | FieldKind::Textarea | FieldKind::Markdown | FieldKind::Url | FieldKind::Email | FieldKind::User,
            Value::String(_),
        ) => Ok(()),
        (_, v) => Err(format!("expected text, found {}", describe(v))),
    }
}

fn calendar_of(input: &CalendarInput) -> Result<Calendar, RequestError> {
    let default = Calendar::default();
    let timezone = match &input.timezone {
        Some(name) => calendar::parse_timezone(name).map_err(|m| RequestError::at("calendar.timezone", m))?,
        None => (default.timezone_name().to_owned(), default.timezone()),
    };
    let days = match &input.working_days {
        Some(days) => {
            let parsed = days
                .iter()
                .enumerate()
                .map(|(i, d)| calendar::parse_weekday(d).map_err(|m| RequestError::at(format!("calendar.working_days[{i}]"), m)))
                .collect::<Result<Vec<_>, _>>()?;
            if parsed.is_empty() {
                return Err(RequestError::at("calendar.working_days", "a calendar needs at least one working day"));
            }
            parsed
        }
        None => (0..5).filter_map(|i| jiff::civil::Weekday::from_monday_zero_offset(i).ok()).collect(),
    };
    let hours = match &input.hours {
        Some(h) => calendar::parse_hours(h).map_err(|m| RequestError::at("calendar.hours", m))?,
        None => default.hours(),
    };
    let holidays = input
        .holidays
        .iter()
        .enumerate()
        .map(|(i, d)| calendar::parse_date(d).map_err(|m| RequestError::at(format!("calendar.holidays[{i}]"), m)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Calendar::new(timezone, days, hours, holidays))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path serde_json's own error position leads to, for a request that fails to deserialize.
    fn path_of(json: &str) -> String {
        match parse(json, &RequestLimits::default()) {
            Ok(_) => panic!("should fail: {json}"),
            Err(e) => e.path,
        }
    }

    const OK: &str = r#""now": "2026-11-30T15:00:00Z""#;
    const RELEASE: &str = r#""id": "R", "case_type": "Release", "status": "staging", "status_since": "2026-11-30T09:00:00Z""#;

    #[test]
    fn the_path_names_the_value_where_parsing_stopped() {
        assert_eq!(path_of(&format!(r#"{{{OK}, "release": {{{RELEASE}, "labels": "x"}}}}"#)), "release.labels");
        let approvals = r#""approvals": [{"level": 1, "approver": "a", "decision": "approve", "at": "2026-11-30T10:00:00Z"}, {"level": 1, "approver": "b", "decision": "approve", "at": "nope"}]"#;
        assert_eq!(path_of(&format!(r#"{{{OK}, "release": {{{RELEASE}, {approvals}}}}}"#)), "release.approvals[1].at");
        assert_eq!(path_of(&format!(r#"{{{OK}, "release": {{"id": "R"}}}}"#)), "release.case_type", "a missing field is named");
        assert_eq!(path_of("{}"), "now", "a missing field at the top");
        assert_eq!(path_of(r#"{"now": 5}"#), "now");
        assert_eq!(
            path_of("{\n  \"now\": \"2026-11-30T15:00:00Z\",\n  \"release\": {\n    \"labels\": [1]\n  }\n}"),
            "release.labels[0]",
            "multi-line"
        );
        assert_eq!(
            path_of(&format!(r#"{{{OK}, "release": {{{RELEASE}, "custom_fields": {{"a\"b": 1}}, "labels": {{}}}}}}"#)),
            "release.labels",
            "escaped keys before"
        );
        assert_eq!(path_of(r#"{"now": "2026-11-30T15:00:00Z", "release": {"#), "release", "end of input inside an object");
    }

    #[test]
    fn the_path_scan_stops_anywhere_without_panicking() {
        let json = r#"{"a": ["é\u00e9\ud83d\ude00", {"b\"": [1.5e3, tru, "x\q"]}], "ü": nul"#;
        for end in 0..=json.len() + 2 {
            for data_error in [false, true] {
                // Never a key the text does not hold, never an index past the list's length.
                let path = path_at(json, end, data_error);
                let known = ["", "a", "a[0]", "a[1]", "a[1].b\"", "a[1].b\"[0]", "a[1].b\"[1]", "a[1].b\"[2]", "ü"];
                assert!(known.contains(&path.as_str()), "{path:?} at {end}");
            }
        }
    }

    #[test]
    fn hostile_nesting_is_an_error_at_its_field() {
        let deep = format!(r#"{{"now": {}{}}}"#, "[".repeat(200_000), "]".repeat(200_000));
        assert_eq!(path_of(&deep), "now");
    }
}
