//! `release-policy compile` (SPEC §11): a plugin module whose memory already holds a loaded pack,
//! so that a fresh instance answers its first call for the cost of a warm one.
//!
//! Owns: running the plain plugin module's `release_policy_preinit` once under Wizer (instrument,
//! instantiate in wasmtime, call, snapshot) and pruning the snapshot (`prune`). Must not know what
//! a pack means: the plain module's own loader loads it, so handle 0 of the compiled module is what
//! `release_policy_load` of the same files gives, and the native engine's answers are its answers.
//!
//! Native only (`compile` feature). The plain module is an input: the CLI embeds the one `make pkg`
//! builds (`cargo build --features plugin` for wasm32).

mod prune;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use wasmtime::{Config, Engine, Instance, Module, OptLevel, Store};
use wasmtime_wizer::{InstanceState, SnapshotVal, ValType, Wizer};

use crate::definitions::{LoadOptions, PackFile};
use crate::error::Diagnostic;
use crate::policy::{ValidationReport, validate};

pub use prune::{Exports, prune};

/// The plain module's pre-initialiser (src/plugin.rs); the snapshot removes its export.
const PREINIT: &str = "release_policy_preinit";

/// How to compile.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// The limits the pack is loaded (and validated) with.
    pub load: LoadOptions,
    /// Leave the loader out: `release_policy_load` answers an error, and the YAML reader and the
    /// decoders, which nothing else calls, leave the module.
    pub no_load: bool,
}

/// A compiled module and the pack's load warnings.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub wasm: Vec<u8>,
    pub warnings: Vec<Diagnostic>,
}

/// Why a module was not compiled.
#[derive(Debug)]
pub enum CompileError {
    /// The pack is refused, exactly as `validate` refuses it (the report is `validate`'s answer).
    Invalid(Box<ValidationReport>),
    /// The plain module could not be pre-initialised: it is not a plain plugin module of this
    /// engine, or a bug.
    Module(String),
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::Invalid(_) => f.write_str("the pack is invalid (see the validation report)"),
            CompileError::Module(message) => f.write_str(message),
        }
    }
}

/// Compiles `files` into `plain`, the plain plugin module: validates the pack, loads it in the
/// module as handle 0, snapshots the module's memory and globals, and prunes what is dead.
pub fn compile(plain: &[u8], files: &[PackFile], options: &CompileOptions) -> Result<Compiled, CompileError> {
    let warnings = match validate(files, &options.load) {
        ValidationReport::Valid { warnings, .. } => warnings,
        invalid => return Err(CompileError::Invalid(Box::new(invalid))),
    };
    let pack: serde_json::Map<String, serde_json::Value> =
        files.iter().map(|f| (f.path.clone(), serde_json::Value::String(f.text.clone()))).collect();
    let pack = serde_json::Value::Object(pack).to_string();
    let module = |e: wasmtime::Error| CompileError::Module(format!("{e:#}"));

    let mut wizer = Wizer::new();
    wizer.init_func(PREINIT);
    let (context, instrumented) = wizer.instrument(plain).map_err(module)?;
    let mut instance = Preinitialised::run(&instrumented, pack.as_bytes(), &options.load).map_err(module)?;
    instance.clear_stack(stack_start(plain).map_err(|e| CompileError::Module(e.to_string()))?).map_err(module)?;
    let snapshot = ready(wizer.snapshot(&context, &mut instance))
        .ok_or_else(|| CompileError::Module("the snapshot did not complete".into()))?
        .map_err(module)?;

    let retarget: &[(&str, &str)] = if options.no_load { &[("release_policy_load", "release_policy_load_disabled")] } else { &[] };
    let remove: &[&str] = if options.no_load { &[] } else { &["release_policy_load_disabled"] };
    let wasm = prune(&snapshot, &Exports { remove, retarget }).map_err(CompileError::Module)?;
    Ok(Compiled { wasm, warnings })
}

/// The instrumented plain module, instantiated and pre-initialised with a pack.
struct Preinitialised {
    store: Store<()>,
    instance: Instance,
}

impl Preinitialised {
    fn run(instrumented: &[u8], pack: &[u8], load: &LoadOptions) -> wasmtime::Result<Preinitialised> {
        // The module runs once: compile it as fast as possible, not for speed.
        let mut config = Config::new();
        config.cranelift_opt_level(OptLevel::None);
        let engine = Engine::new(&config)?;
        let module = Module::new(&engine, instrumented)?;
        let mut store = Store::new(&engine, ());
        let instance = Instance::new(&mut store, &module, &[])?;
        let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| wasmtime::format_err!("the module exports no memory"))?;
        let length = i32::try_from(pack.len()).map_err(|_| wasmtime::format_err!("the pack is larger than 2 GiB"))?;
        let alloc = instance.get_typed_func::<i32, i32>(&mut store, "release_policy_alloc")?;
        let preinit = instance.get_typed_func::<(i32, i32, i32, i32), i32>(&mut store, PREINIT)?;
        let address = alloc.call(&mut store, length)?;
        memory.write(&mut store, address as u32 as usize, pack)?;
        let limit = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let answer = preinit.call(&mut store, (address, length, limit(load.max_definitions_bytes), limit(load.max_condition_depth)))?;
        if answer != 0 {
            let data = memory.data(&store);
            let start = answer as u32 as usize;
            let header = data.get(start..start + 8).ok_or_else(|| wasmtime::format_err!("the pre-initialiser answered a wild record"))?;
            let length = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
            let json = data.get(start + 8..start + 8 + length).map(String::from_utf8_lossy).unwrap_or_default();
            wasmtime::bail!("the plugin module refused a pack the native loader accepts (a bug): {json}");
        }
        Ok(Preinitialised { store, instance })
    }
}

impl Preinitialised {
    /// Zeroes the stack below the stack pointer: with no call active, it holds only the dead frames
    /// of the pre-initialiser, which the snapshot would otherwise keep. `start` is the stack
    /// pointer's initial value; nothing is done unless the pointer is back there.
    fn clear_stack(&mut self, start: Option<u32>) -> wasmtime::Result<()> {
        let Some(start) = start else { return Ok(()) };
        let pointer = self.instance.get_global(&mut self.store, "__wizer_global_0").map(|g| g.get(&mut self.store));
        if !matches!(pointer, Some(wasmtime::Val::I32(p)) if p as u32 == start) {
            return Ok(());
        }
        let memory =
            self.instance.get_memory(&mut self.store, "memory").ok_or_else(|| wasmtime::format_err!("the module exports no memory"))?;
        if let Some(stack) = memory.data_mut(&mut self.store).get_mut(..start as usize) {
            stack.fill(0);
        }
        Ok(())
    }
}

/// The stack's top as the linker laid the module out (LLD: global 0 is `__stack_pointer`, a
/// mutable i32, and with the stack first every data segment lies above its start), or `None` when
/// the module is not laid out so.
fn stack_start(plain: &[u8]) -> Result<Option<u32>, wasmparser::BinaryReaderError> {
    let (mut start, mut lowest_data) = (None, u32::MAX);
    for payload in wasmparser::Parser::new(0).parse_all(plain) {
        match payload? {
            wasmparser::Payload::GlobalSection(globals) => {
                let Some(global) = globals.into_iter().next() else { continue };
                let global = global?;
                let mut init = global.init_expr.get_operators_reader();
                if let (true, wasmparser::ValType::I32, wasmparser::Operator::I32Const { value }) =
                    (global.ty.mutable, global.ty.content_type, init.read()?)
                {
                    start = Some(value as u32);
                }
            }
            wasmparser::Payload::DataSection(section) => {
                for data in section {
                    if let wasmparser::DataKind::Active { offset_expr, .. } = data?.kind {
                        match offset_expr.get_operators_reader().read()? {
                            wasmparser::Operator::I32Const { value } => lowest_data = lowest_data.min(value as u32),
                            _ => return Ok(None),
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(start.filter(|s| *s <= lowest_data))
}

impl InstanceState for Preinitialised {
    fn global_get(&mut self, name: &str, _type_hint: ValType) -> impl Future<Output = SnapshotVal> + Send {
        // Wizer exports every global it snapshots under the name it asks for.
        let value = match self.instance.get_global(&mut self.store, name).map(|g| g.get(&mut self.store)) {
            Some(wasmtime::Val::I32(x)) => SnapshotVal::I32(x),
            Some(wasmtime::Val::I64(x)) => SnapshotVal::I64(x),
            Some(wasmtime::Val::F32(x)) => SnapshotVal::F32(x),
            Some(wasmtime::Val::F64(x)) => SnapshotVal::F64(x),
            Some(wasmtime::Val::V128(x)) => SnapshotVal::V128(x.as_u128()),
            other => panic!("Wizer asked for global `{name}`, which the instance has not as a number: {other:?}"),
        };
        std::future::ready(value)
    }

    fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) -> impl Future<Output = ()> + Send {
        match self.instance.get_memory(&mut self.store, name) {
            Some(memory) => contents(memory.data(&self.store)),
            None => panic!("Wizer asked for memory `{name}`, which the instance does not export"),
        }
        std::future::ready(())
    }
}

/// The output of a future that never waits (Wizer's snapshot over a synchronous instance).
fn ready<F: Future>(future: F) -> Option<F::Output> {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}
