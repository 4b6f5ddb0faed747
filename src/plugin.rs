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
//! length`, then `length` bytes of UTF-8 JSON.
//!
//! Handle 0 is the compiled pack (SPEC §11). `cargo build --features plugin` gives the *plain*
//! module, which holds none: `release-policy compile` (src/compile) runs its
//! `release_policy_preinit` once under Wizer and snapshots the memory, so that a fresh instance of
//! the compiled module starts with the pack loaded. The snapshot drops the preinit export.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::definitions::PackFile;
use crate::error::{ErrorBody, ErrorKind};
use crate::{LoadOptions, Policy, RequestLimits};

/// The ABI revision: bumped on any incompatible change of the exports or the record layout.
pub const ABI_VERSION: i32 = 1;

const OK: u32 = 0;
const BAD_INPUT: u32 = 1;
const INTERNAL: u32 = 2;

/// Handle 0: the pack `release_policy_preinit` loaded before the snapshot.
static COMPILED: OnceLock<Policy> = OnceLock::new();

/// The allocator: the system one (dlmalloc), zeroing what is freed while `release_policy_preinit`
/// runs, so that the snapshot's data segments hold the loaded pack and none of the text, YAML
/// events and trees it was built from (a snapshot stores every non-zero byte of memory).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: PreinitAllocator = PreinitAllocator;

/// Whether freed memory is zeroed (only during `release_policy_preinit`).
static ZERO_FREED: AtomicBool = AtomicBool::new(false);

struct PreinitAllocator;

// SAFETY: every call is forwarded to the system allocator with the caller's own arguments; zeroing
// writes only the `layout.size()` bytes of a block the caller owns and is giving back.
unsafe impl std::alloc::GlobalAlloc for PreinitAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if ZERO_FREED.load(Ordering::Relaxed) {
            unsafe { ptr.write_bytes(0, layout.size()) };
        }
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if !ZERO_FREED.load(Ordering::Relaxed) {
            return unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
        }
        // A block that moves leaves its old bytes behind: copy, then free (and zero) the old one.
        let Ok(new_layout) = std::alloc::Layout::from_size_align(new_size, layout.align()) else { return std::ptr::null_mut() };
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

/// Loaded packs; handle `n` is `PACKS[n - 1]`.
static PACKS: Mutex<Vec<Option<&'static Policy>>> = Mutex::new(Vec::new());

/// The pack loaded under `handle` (≥ 1), if any.
fn loaded(handle: i32) -> Option<&'static Policy> {
    usize::try_from(handle).ok().and_then(|h| PACKS.lock().ok()?.get(h.checked_sub(1)?).copied().flatten())
}

/// The policy behind `handle` (0: the compiled pack), or why there is none.
fn policy(handle: i32) -> Result<&'static Policy, String> {
    if handle == 0 {
        return COMPILED.get().ok_or_else(|| {
            "handle 0 holds no pack: this is the plain plugin module; run `release-policy compile` to get one that does".to_owned()
        });
    }
    loaded(handle).ok_or_else(|| format!("no pack is loaded under handle {handle}"))
}

/// Runs `f` with the policy behind `handle`.
fn with_policy(handle: i32, f: impl FnOnce(&Policy) -> (u32, String)) -> (u32, String) {
    match policy(handle) {
        Ok(policy) => f(policy),
        Err(message) => error(BAD_INPUT, ErrorKind::Request, message),
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

/// Loads the pack in `text` (a JSON object of `path → file text`), or the error record's content.
fn load_pack(text: &str, options: &LoadOptions) -> Result<Policy, (u32, String)> {
    let files: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
        .map_err(|e| error(BAD_INPUT, ErrorKind::Request, format!("a pack is a JSON object of file path → text: {e}")))?;
    let mut pack = Vec::with_capacity(files.len());
    for (path, value) in files {
        match value {
            serde_json::Value::String(text) => pack.push(PackFile::new(path, text)),
            other => pack.push(PackFile::new(path, other.to_string())),
        }
    }
    Policy::from_pack_with(&pack, options).map_err(|e| {
        let response = crate::error::ErrorResponse { error: &e.to_error_body(), warnings: Some(&e.warnings) };
        (BAD_INPUT, crate::json::to_string(&response).unwrap_or_default())
    })
}

/// Loads a pack: a JSON object of `path → file text`. The record holds `{"handle": n, "warnings": […]}`.
#[unsafe(no_mangle)]
pub extern "C" fn release_policy_load(ptr: i32, len: i32) -> i32 {
    operate(ptr, len, |text| {
        let policy = match load_pack(text, &LoadOptions::default()) {
            Ok(policy) => policy,
            Err(e) => return e,
        };
        let warnings = policy.warnings().to_vec();
        let Ok(mut packs) = PACKS.lock() else { return error(INTERNAL, ErrorKind::Internal, "pack table poisoned".into()) };
        // Loaded packs live until unloaded; leaking keeps `&'static` borrows simple and safe.
        packs.push(Some(Box::leak(Box::new(policy))));
        (OK, serde_json::json!({ "handle": packs.len(), "warnings": warnings }).to_string())
    })
}

/// What `release_policy_load` answers in a module compiled with `--no-load`: compile exports this
/// function under load's name, and the loader, which nothing calls any more, drops out of the module.
#[unsafe(no_mangle)]
pub extern "C" fn release_policy_load_disabled(_ptr: i32, _len: i32) -> i32 {
    let message = "this module was compiled with --no-load: it answers its compiled pack (handle 0) and loads no other";
    record(error(BAD_INPUT, ErrorKind::Request, message.to_owned()))
}

/// The pre-initialiser `release-policy compile` calls once before the snapshot: loads the pack in
/// the buffer (as `release_policy_load` reads it, with the given limits) as handle 0, and frees the
/// buffer. Answers 0, or a result record with the loader's error. Everything freed meanwhile is
/// zeroed (see [`PreinitAllocator`]). The snapshot removes this export.
#[unsafe(no_mangle)]
pub extern "C" fn release_policy_preinit(ptr: i32, len: i32, max_definitions_bytes: i32, max_condition_depth: i32) -> i32 {
    ZERO_FREED.store(true, Ordering::Relaxed);
    let options = LoadOptions {
        max_definitions_bytes: usize::try_from(max_definitions_bytes).unwrap_or(0),
        max_condition_depth: usize::try_from(max_condition_depth).unwrap_or(0),
    };
    // SAFETY: the ABI contract (see `input`).
    let loaded = match unsafe { input(ptr, len) } {
        Ok(text) => load_pack(text, &options),
        Err(e) => Err(e),
    };
    release_policy_free(ptr, len);
    let answer = match loaded {
        Ok(policy) => match COMPILED.set(policy) {
            Ok(()) => 0,
            Err(_) => record(error(INTERNAL, ErrorKind::Internal, "handle 0 is already loaded".into())),
        },
        Err(e) => record(e),
    };
    ZERO_FREED.store(false, Ordering::Relaxed);
    answer
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
    record(match policy(handle) {
        Err(message) => deny(message),
        Ok(p) => match p.guard_json(text, &RequestLimits::default()) {
            Ok(answer) => (OK, answer),
            Err(answer) => (BAD_INPUT, answer),
        },
    })
}

#[unsafe(no_mangle)]
pub extern "C" fn release_policy_analyze(handle: i32, ptr: i32, len: i32) -> i32 {
    operate(ptr, len, |text| with_policy(handle, |p| body_result(p.analyze_json(text, &Default::default()))))
}
