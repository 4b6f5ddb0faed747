//! The plugin ABI: a WebAssembly module with zero imports that a host (wasmtime, wasmer, a browser's
//! `WebAssembly` API) calls with UTF-8 JSON in linear memory. Built with `--features plugin`.
//!
//! Owns: moving bytes across the boundary, pack handles, result records. Must not decide anything:
//! every operation is one call to a `Policy::*_json` entry point of the core.
//!
//! The contract, byte by byte, is in the README ("Plugin ABI"). In short, all integers are i32
//! (addresses and lengths are unsigned, little-endian in memory):
//! - `release_policy_abi_version() -> i32` — 1.
//! - `release_policy_alloc(len) -> ptr` / `release_policy_free(ptr, len)` — buffers the host fills.
//! - `release_policy_load(ptr, len) -> result` — a pack (JSON object: path → YAML/JSON text) → handle.
//! - `release_policy_unload(handle)`.
//! - `release_policy_evaluate | guard | timeline | analyze(handle, ptr, len) -> result`.
//! - `release_policy_result_free(result)`.
//!
//! A result is a record in linear memory: `u32 status` (0 ok, 1 bad input, 2 internal error), `u32
//! length`, then `length` bytes of UTF-8 JSON. Handle 0 is the built-in pack.

use std::sync::{Mutex, OnceLock};

use crate::definitions::PackFile;
use crate::error::{ErrorBody, ErrorKind};
use crate::{Policy, RequestLimits};

/// The ABI revision: bumped on any incompatible change of the exports or the record layout.
pub const ABI_VERSION: i32 = 1;

const OK: u32 = 0;
const BAD_INPUT: u32 = 1;
const INTERNAL: u32 = 2;

fn builtin() -> &'static Policy {
    static BUILTIN: OnceLock<Policy> = OnceLock::new();
    BUILTIN.get_or_init(Policy::builtin)
}

/// Loaded packs; handle `n` is `PACKS[n - 1]`.
static PACKS: Mutex<Vec<Option<&'static Policy>>> = Mutex::new(Vec::new());

/// The pack loaded under `handle` (≥ 1), if any.
fn loaded(handle: i32) -> Option<&'static Policy> {
    usize::try_from(handle).ok().and_then(|h| PACKS.lock().ok()?.get(h.checked_sub(1)?).copied().flatten())
}

/// Runs `f` with the policy behind `handle` (0: the built-in pack).
fn with_policy(handle: i32, f: impl FnOnce(&Policy) -> (u32, String)) -> (u32, String) {
    match if handle == 0 { Some(builtin()) } else { loaded(handle) } {
        Some(policy) => f(policy),
        None => error(BAD_INPUT, ErrorKind::Request, format!("no pack is loaded under handle {handle}")),
    }
}

fn error(status: u32, kind: ErrorKind, message: String) -> (u32, String) {
    (status, ErrorBody::new(kind, message).to_json())
}

fn body_result(result: Result<String, ErrorBody>) -> (u32, String) {
    match result {
        Ok(json) => (OK, json),
        Err(body) => {
            let status = if body.kind == ErrorKind::Internal { INTERNAL } else { BAD_INPUT };
            (status, body.to_json())
        }
    }
}

/// Writes a result record and hands its address to the host.
fn record((status, json): (u32, String)) -> i32 {
    let mut bytes = Vec::with_capacity(8 + json.len());
    bytes.extend_from_slice(&status.to_le_bytes());
    bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
    bytes.extend_from_slice(json.as_bytes());
    let boxed = bytes.into_boxed_slice();
    Box::into_raw(boxed) as *mut u8 as i32
}

/// The bytes the host wrote at `ptr..ptr+len`, as text.
///
/// # Safety
/// The host passes a buffer it obtained from `release_policy_alloc` and filled; a wild pointer can
/// only trap the instance (WebAssembly bounds-checks every access), never reach outside it.
unsafe fn input<'a>(ptr: i32, len: i32) -> Result<&'a str, (u32, String)> {
    let len = usize::try_from(len).map_err(|_| error(BAD_INPUT, ErrorKind::Request, "negative input length".into()))?;
    if len == 0 {
        return Ok("");
    }
    // SAFETY: see above; the host owns the buffer until it frees it.
    let bytes = unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len) };
    std::str::from_utf8(bytes)
        .map_err(|e| error(BAD_INPUT, ErrorKind::Request, format!("the input is not UTF-8 (invalid byte at offset {})", e.valid_up_to())))
}

/// Runs an operation on the text input, turning an unreadable input into an error record.
fn operate(ptr: i32, len: i32, f: impl FnOnce(&str) -> (u32, String)) -> i32 {
    // SAFETY: the ABI contract (see `input`).
    match unsafe { input(ptr, len) } {
        Ok(text) => record(f(text)),
        Err(e) => record(e),
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn release_policy_abi_version() -> i32 {
    ABI_VERSION
}

/// Reserves `len` bytes for the host to fill; 0 when `len` is negative.
#[unsafe(no_mangle)]
pub extern "C" fn release_policy_alloc(len: i32) -> i32 {
    let Ok(len) = usize::try_from(len) else { return 0 };
    let buffer = vec![0u8; len.max(1)].into_boxed_slice();
    Box::into_raw(buffer) as *mut u8 as i32
}

/// Releases a buffer from `release_policy_alloc`, with the same `len`.
#[unsafe(no_mangle)]
pub extern "C" fn release_policy_free(ptr: i32, len: i32) {
    let Ok(len) = usize::try_from(len) else { return };
    if ptr == 0 {
        return;
    }
    // SAFETY: `ptr` and `len` are those `release_policy_alloc` returned and was given.
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr as usize as *mut u8, len.max(1))) });
}

/// Releases a result record.
#[unsafe(no_mangle)]
pub extern "C" fn release_policy_result_free(result: i32) {
    if result == 0 {
        return;
    }
    let base = result as usize as *mut u8;
    // SAFETY: `result` is a record from `record`: 8 header bytes, then `length` bytes.
    let length = unsafe { u32::from_le_bytes(*(base.add(4) as *const [u8; 4])) } as usize;
    drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(base, 8 + length)) });
}

/// Loads a pack: a JSON object of `path → file text`. The record holds `{"handle": n, "warnings": […]}`.
#[unsafe(no_mangle)]
pub extern "C" fn release_policy_load(ptr: i32, len: i32) -> i32 {
    operate(ptr, len, |text| {
        let files: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(text) {
            Ok(files) => files,
            Err(e) => return error(BAD_INPUT, ErrorKind::Request, format!("a pack is a JSON object of file path → text: {e}")),
        };
        let mut pack = Vec::with_capacity(files.len());
        for (path, value) in files {
            match value {
                serde_json::Value::String(text) => pack.push(PackFile::new(path, text)),
                other => pack.push(PackFile::new(path, other.to_string())),
            }
        }
        match Policy::from_pack(&pack) {
            Ok(policy) => {
                let warnings = policy.warnings().to_vec();
                let Ok(mut packs) = PACKS.lock() else { return error(INTERNAL, ErrorKind::Internal, "pack table poisoned".into()) };
                // Loaded packs live until unloaded; leaking keeps `&'static` borrows simple and safe.
                packs.push(Some(Box::leak(Box::new(policy))));
                (OK, serde_json::json!({ "handle": packs.len(), "warnings": warnings }).to_string())
            }
            Err(e) => {
                let response = crate::error::ErrorResponse { error: &e.to_error_body(), warnings: Some(&e.warnings) };
                (BAD_INPUT, crate::json::to_string(&response).unwrap_or_default())
            }
        }
    })
}

/// Forgets a loaded pack (its handle is never reused).
#[unsafe(no_mangle)]
pub extern "C" fn release_policy_unload(handle: i32) {
    if let (Ok(h), Ok(mut packs)) = (usize::try_from(handle), PACKS.lock()) {
        if let Some(slot) = h.checked_sub(1).and_then(|i| packs.get_mut(i)) {
            if let Some(policy) = slot.take() {
                // SAFETY: the pointer came from `Box::leak` in `release_policy_load` and is dropped once.
                drop(unsafe { Box::from_raw(policy as *const Policy as *mut Policy) });
            }
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn release_policy_evaluate(handle: i32, ptr: i32, len: i32) -> i32 {
    operate(ptr, len, |text| with_policy(handle, |p| body_result(p.evaluate_json(text, &RequestLimits::default()))))
}

#[unsafe(no_mangle)]
pub extern "C" fn release_policy_timeline(handle: i32, ptr: i32, len: i32) -> i32 {
    operate(ptr, len, |text| with_policy(handle, |p| body_result(p.timeline_json(text, &RequestLimits::default()))))
}

/// The guard answers the guard contract whatever goes wrong: a bad request, an unknown handle or an
/// unreadable input all answer `deny` (status 1). It fails closed.
#[unsafe(no_mangle)]
pub extern "C" fn release_policy_guard(handle: i32, ptr: i32, len: i32) -> i32 {
    let deny = |message: String| {
        let answer = crate::transition::GuardAnswer::deny_error(ErrorBody::new(ErrorKind::Request, message));
        (BAD_INPUT, crate::json::to_string(&answer).unwrap_or_default())
    };
    // SAFETY: the ABI contract (see `input`).
    let text = match unsafe { input(ptr, len) } {
        Ok(text) => text,
        Err(_) => return record(deny("the guard input is not UTF-8 text".to_owned())),
    };
    let policy = if handle == 0 { Some(builtin()) } else { loaded(handle) };
    record(match policy {
        None => deny(format!("no pack is loaded under handle {handle}")),
        Some(p) => match p.guard_json(text, &RequestLimits::default()) {
            Ok(answer) => (OK, answer),
            Err(answer) => (BAD_INPUT, answer),
        },
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn release_policy_analyze(handle: i32, ptr: i32, len: i32) -> i32 {
    operate(ptr, len, |text| with_policy(handle, |p| body_result(p.analyze_json(text, &Default::default()))))
}
