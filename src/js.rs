//! JavaScript bindings (wasm-bindgen) for the npm package. Built with `--features js`.
//!
//! Owns: moving values between JS and the core's JSON entry points, and turning error bodies into
//! thrown `Error`s. Must not decide anything: each method is one call to a `Policy::*_json`.

use wasm_bindgen::prelude::*;

use crate::definitions::PackFile;
use crate::error::{ErrorBody, ErrorKind};
use crate::{LoadOptions, RequestLimits};

/// A loaded policy: load it once, evaluate many requests.
#[wasm_bindgen(js_name = Policy)]
pub struct JsPolicy {
    inner: Inner,
}

/// The built-in pack is parsed once per module instance and shared by every `Policy.builtin()`.
enum Inner {
    Builtin(&'static crate::Policy),
    Loaded(Box<crate::Policy>),
}

impl std::ops::Deref for Inner {
    type Target = crate::Policy;

    fn deref(&self) -> &crate::Policy {
        match self {
            Inner::Builtin(policy) => policy,
            Inner::Loaded(policy) => policy,
        }
    }
}

fn builtin() -> &'static crate::Policy {
    static BUILTIN: std::sync::OnceLock<crate::Policy> = std::sync::OnceLock::new();
    BUILTIN.get_or_init(crate::Policy::builtin)
}

/// JSON text of an input given as an object (or a list) or as text.
fn json_text(value: &JsValue) -> Result<String, JsValue> {
    input_text(value, true)
}

// The error class and the input checks are JavaScript: written in Rust they would cost the module
// about 3 KB gzipped, for code that only moves values between JS types.
#[wasm_bindgen(inline_js = r#"
const make = (body) => {
  const error = new Error(body.message);
  for (const [key, value] of Object.entries({ name: "PolicyError", ...body })) {
    Object.defineProperty(error, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return error;
};
export function policy_error(json, written_here) {
  const body = JSON.parse(json);
  // serde's " at line 1 column 1030" points into JSON written from the caller's object: the path says where.
  if (written_here) body.message = body.message.replace(/ at line \d+ column \d+$/, "");
  return make(body);
}
export function input_text(value, lists) {
  if (typeof value === "string") return value;
  const what = value === undefined ? "undefined" : value === null ? "null" : Array.isArray(value) && !lists ? "a list"
    : typeof value !== "object" ? `a ${typeof value}` : null;
  const refuse = (message) => make({ kind: "request", message });
  if (what) throw refuse(`the input must be ${lists ? "an object, a list or its JSON text" : "an object or its JSON text"}, not ${what}`);
  let text;
  try { text = JSON.stringify(value); } catch { /* a cycle or a BigInt */ }
  if (typeof text !== "string") throw refuse("the input cannot be written as JSON (a cycle, a BigInt or a function in it)");
  return text;
}
"#)]
extern "C" {
    /// A `PolicyError`: an `Error` named so, whose properties are SPEC §9's error body (`kind`,
    /// `message`, `path`, `file`, `line`, …), all enumerable, so that `JSON.stringify` keeps them.
    fn policy_error(json: &str, written_here: bool) -> JsValue;
    /// The JSON text of an input given as text, or as an object (or a list, where `lists`); throws
    /// a `PolicyError` for anything else.
    #[wasm_bindgen(catch)]
    fn input_text(value: &JsValue, lists: bool) -> Result<String, JsValue>;
}

/// One request (an object or its JSON text) through `run`; an error thrown with its JSON path, and
/// without serde's "at line 1 column 1030" when the JSON was written here from an object.
fn with_request(request: &JsValue, run: &dyn Fn(&str) -> Result<String, ErrorBody>) -> Result<JsValue, JsValue> {
    let text = input_text(request, false)?;
    match run(&text) {
        Ok(answer) => parsed(&answer),
        Err(body) => Err(policy_error(&crate::json::to_string(&body).unwrap_or_default(), !request.is_string())),
    }
}

fn parsed(json: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(json).map_err(|_| thrown(&ErrorBody::new(ErrorKind::Internal, "the engine wrote JSON the host cannot read")))
}

/// A `PolicyError` carrying `body`.
fn thrown(body: &ErrorBody) -> JsValue {
    policy_error(&crate::json::to_string(body).unwrap_or_default(), false)
}

/// A pack given as `{ "workflows/release.yaml": "<yaml text>" | <parsed object>, … }`.
fn pack_files(files: &JsValue) -> Result<Vec<PackFile>, JsValue> {
    let entries =
        js_sys::Object::entries(&files.clone().dyn_into::<js_sys::Object>().map_err(|_| {
            thrown(&ErrorBody::new(ErrorKind::Definitions, "a pack is an object of file path → YAML text or parsed object"))
        })?);
    let mut out = Vec::with_capacity(entries.length() as usize);
    for entry in entries.iter() {
        let pair: js_sys::Array = entry.into();
        let path = pair.get(0).as_string().unwrap_or_default();
        let value = pair.get(1);
        let text = match value.as_string() {
            Some(text) => text,
            // A parsed object: JSON is YAML, and key order survives `JSON.stringify`.
            None => json_text(&value)?,
        };
        out.push(PackFile::new(path, text));
    }
    Ok(out)
}

impl JsPolicy {
    /// One chunk of `evaluateMany`: one crossing each way; a chunk JSON cannot hold (a cycle, a
    /// BigInt) goes request by request, so that only the bad one fails.
    fn evaluate_chunk(&self, requests: &js_sys::Array) -> Result<js_sys::Array, JsValue> {
        if let Ok(batch) = js_sys::JSON::stringify(requests) {
            if let Ok(answers) = self.inner.evaluate_many_json(&String::from(batch), &RequestLimits::default()) {
                // An answer text V8 cannot take in one string also goes request by request.
                if let Some(array) = parsed(&answers).ok().and_then(|v| v.dyn_into::<js_sys::Array>().ok()) {
                    return Ok(array);
                }
            }
        }
        let out = js_sys::Array::new_with_length(requests.length());
        for (i, request) in requests.iter().enumerate() {
            let answer = match json_text(&request) {
                Ok(text) => match self.inner.evaluate_json(&text, &RequestLimits::default()) {
                    Ok(json) => parsed(&json)?,
                    Err(body) => parsed(&body.to_json())?,
                },
                Err(e) => e,
            };
            out.set(i as u32, answer);
        }
        Ok(out)
    }
}

#[wasm_bindgen(js_class = Policy)]
impl JsPolicy {
    /// The pack compiled into the module.
    pub fn builtin() -> JsPolicy {
        JsPolicy { inner: Inner::Builtin(builtin()) }
    }

    /// Loads a pack; throws an `Error` with `kind: "definitions"`, `file`, `line`, `column`, `errors`.
    #[wasm_bindgen(js_name = fromPack)]
    pub fn from_pack(files: JsValue) -> Result<JsPolicy, JsValue> {
        let files = pack_files(&files)?;
        crate::Policy::from_pack_with(&files, &LoadOptions::default())
            .map(|policy| JsPolicy { inner: Inner::Loaded(Box::new(policy)) })
            .map_err(|e| thrown(&e.to_error_body()))
    }

    /// Validates a pack without keeping it: `{ok: true, warnings}` or `{error, warnings}`.
    pub fn validate(files: JsValue) -> Result<JsValue, JsValue> {
        let report = crate::validate(&pack_files(&files)?, &LoadOptions::default());
        parsed(&crate::json::to_string(&report).unwrap_or_default())
    }

    /// The files of the built-in pack, `{ "workflows/release.yaml": "<yaml text>", … }`: a starting
    /// point for editing a pack.
    #[wasm_bindgen(js_name = builtinFiles)]
    pub fn builtin_files() -> Result<JsValue, JsValue> {
        let files: serde_json::Map<String, serde_json::Value> =
            crate::BUILTIN_FILES.iter().map(|(path, text)| ((*path).to_owned(), serde_json::Value::from(*text))).collect();
        parsed(&crate::json::to_string(&files).unwrap_or_default())
    }

    /// What this pack offers a form: states, transitions, case types and fields, roles, calendar,
    /// seed cases.
    pub fn outline(&self) -> Result<JsValue, JsValue> {
        parsed(&crate::json::to_string(&crate::Outline::of(self.inner.pack())).unwrap_or_default())
    }

    /// The load warnings of this pack.
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        parsed(&crate::json::to_string(self.inner.warnings()).unwrap_or_default())
    }

    /// Evaluates a request (an object, or JSON text): SPEC §5's answer. Throws on a bad request.
    pub fn evaluate(&self, request: JsValue) -> Result<JsValue, JsValue> {
        with_request(&request, &|text| self.inner.evaluate_json(text, &RequestLimits::default()))
    }

    /// Evaluates many requests; a bad one yields `{ error: {...} }` in its place, so one bad request
    /// never loses the batch.
    #[wasm_bindgen(js_name = evaluateMany)]
    pub fn evaluate_many(&self, requests: js_sys::Array) -> Result<js_sys::Array, JsValue> {
        // In chunks: one JSON crossing each way per chunk (a crossing per request costs more), while
        // the texts stay far below V8's longest string (~512 MB: a batch of 110,000 whole would not
        // fit) and the module's memory, which never shrinks, holds one chunk's text at a time.
        const CHUNK: u32 = 256;
        let out = js_sys::Array::new();
        let mut start = 0;
        while start < requests.length() {
            let end = requests.length().min(start + CHUNK);
            for answer in self.evaluate_chunk(&requests.slice(start, end))?.iter() {
                out.push(&answer);
            }
            start = end;
        }
        Ok(out)
    }

    /// The guard's answer (`allow` / `pending` / `deny`). Never throws: anything wrong denies.
    pub fn guard(&self, request: JsValue) -> JsValue {
        let answer = match input_text(&request, false) {
            Ok(text) => self.inner.guard_json(&text, &RequestLimits::default()).unwrap_or_else(|deny| deny),
            Err(error) => {
                let message = js_sys::Reflect::get(&error, &JsValue::from_str("message")).ok().and_then(|m| m.as_string());
                let body = ErrorBody::new(ErrorKind::Request, message.unwrap_or_else(|| "the request cannot be read".to_owned()));
                crate::json::to_string(&crate::transition::GuardAnswer::deny_error(body)).unwrap_or_default()
            }
        };
        parsed(&answer).unwrap_or(JsValue::NULL)
    }

    /// The projected schedule if nobody acts: `{ events: [...] }`.
    pub fn timeline(&self, request: JsValue) -> Result<JsValue, JsValue> {
        with_request(&request, &|text| self.inner.timeline_json(text, &RequestLimits::default()))
    }

    /// Deployment-health analytics over a release history (`{ now, releases, directory?, calendar? }`,
    /// an object or JSON text). Throws on a malformed release, naming `releases[i]` in its path.
    pub fn analyze(&self, input: JsValue) -> Result<JsValue, JsValue> {
        with_request(&input, &|text| self.inner.analyze_json(text, &Default::default()))
    }
}

/// The authoring module's additions (`kiket-release-policy/authoring`, SPEC §12): policy tests,
/// change impact and the editor schemas. Each is one call into `authoring`.
#[cfg(feature = "authoring")]
#[wasm_bindgen(js_class = Policy)]
impl JsPolicy {
    /// Runs policy tests against this pack: `files` is `{ "tests/x.yaml": "<yaml or json text>" }`,
    /// `options.coverage` adds what the tests exercised. Throws a `PolicyError` (`kind:
    /// "definitions"`, `file`, `line`) for a malformed test file.
    pub fn test(&self, files: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let tests = crate::authoring::test::read_all(&pack_files(&files)?)
            .map_err(|d| thrown(&crate::error::DefinitionsError { errors: vec![d], warnings: Vec::new() }.to_error_body()))?;
        let coverage = js_sys::Reflect::get(&options, &JsValue::from_str("coverage")).is_ok_and(|v| v.is_truthy());
        let report = crate::authoring::test::run(&self.inner, &tests, coverage);
        parsed(&crate::json::to_string(&report).unwrap_or_default())
    }

    /// What changing the pack from `before` to `after` does to each request: `requests` is an
    /// array of requests, the object form `{ now, releases, directory?, calendar? }`, or its JSON
    /// text. Throws a `PolicyError` when the input is not JSON.
    pub fn diff(before: &JsPolicy, after: &JsPolicy, requests: JsValue) -> Result<JsValue, JsValue> {
        let texts =
            crate::authoring::diff::requests_of(&json_text(&requests)?).map_err(|m| thrown(&ErrorBody::new(ErrorKind::Request, m)))?;
        let mut report = crate::authoring::diff::DiffReport::over(&before.inner, &after.inner, &texts);
        report.finish();
        parsed(&crate::json::to_string(&report).unwrap_or_default())
    }

    /// The editor schemas, `{ kind: JSON Schema }`, as `release-policy schema` prints them.
    pub fn schema() -> Result<JsValue, JsValue> {
        parsed(&serde_json::Value::Object(crate::authoring::schema::schemas()).to_string())
    }
}
