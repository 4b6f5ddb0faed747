//! The reference host for the plugin module: what the README's ABI section describes, in Rust, the
//! way a platform would run it. Copy it.
//!
//! - [`Sandbox`] compiles a module once, with wasmtime's pooling allocator (instance slots and
//!   copy-on-write memory images reserved up front, so instantiating takes microseconds), fuel and
//!   a memory limit, and no imports at all.
//! - [`Sandbox::call`] is the per-request pattern: a fresh instance, one call, dropped. With a
//!   compiled module (`release-policy compile`) the instance starts with its pack loaded, so this
//!   costs what a warm call costs.
//! - [`Sandbox::instance`] gives a long-lived [`Plugin`] for hosts that keep instances (and load
//!   more packs into them with `release_policy_load`).

use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Memory, Module, PoolingAllocationConfig, Store, StoreLimits,
    StoreLimitsBuilder, TypedFunc,
};

/// The sandbox's bounds for one instance.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Fuel per call (wasmtime's unit: roughly one per WebAssembly instruction).
    pub fuel: u64,
    /// Linear memory the instance may grow to, in bytes.
    pub memory: usize,
    /// Instances alive at once (the pool's slots).
    pub instances: u32,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds { fuel: 2_000_000_000, memory: 64 << 20, instances: 16 }
    }
}

/// What a call answered: the result record's status and JSON, and the fuel it burnt.
#[derive(Debug)]
pub struct Answer {
    pub status: u32,
    pub json: String,
    pub fuel_used: u64,
}

/// A module compiled for the sandbox, ready to instantiate.
pub struct Sandbox {
    engine: Engine,
    module: Module,
    pre: InstancePre<StoreLimits>,
    bounds: Bounds,
}

impl Sandbox {
    /// Compiles `wasm` for a pooled, fuel-metered sandbox. A module with any import is refused here.
    pub fn new(wasm: &[u8], bounds: Bounds) -> wasmtime::Result<Sandbox> {
        let mut pool = PoolingAllocationConfig::default();
        // Memory a finished instance touched stays mapped and is reset in place for the next one,
        // instead of being returned to the kernel and faulted in again: per-request instances of the
        // compiled module run 1.5× a warm call instead of 2× (`make bench`).
        pool.total_core_instances(bounds.instances)
            .total_memories(bounds.instances)
            .total_tables(bounds.instances)
            .max_memory_size(bounds.memory)
            .linear_memory_keep_resident(4 << 20)
            .table_keep_resident(1 << 16);
        let mut config = Config::new();
        config.consume_fuel(true).allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config)?;
        let module = Module::new(&engine, wasm)?;
        // An empty linker: the module gets nothing from the host.
        let pre = Linker::new(&engine).instantiate_pre(&module)?;
        Ok(Sandbox { engine, module, pre, bounds })
    }

    /// The compiled module.
    pub fn module(&self) -> &Module {
        &self.module
    }

    /// A fresh instance in its own store, within the bounds.
    pub fn instance(&self) -> wasmtime::Result<Plugin> {
        let limits = StoreLimitsBuilder::new().memory_size(self.bounds.memory).instances(1).build();
        let mut store = Store::new(&self.engine, limits);
        store.limiter(|l| l);
        store.set_fuel(self.bounds.fuel)?;
        let instance = self.pre.instantiate(&mut store)?;
        let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| wasmtime::Error::msg("no exported memory"))?;
        Ok(Plugin {
            alloc: instance.get_typed_func(&mut store, "release_policy_alloc")?,
            free: instance.get_typed_func(&mut store, "release_policy_free")?,
            result_free: instance.get_typed_func(&mut store, "release_policy_result_free")?,
            memory,
            instance,
            store,
            fuel: self.bounds.fuel,
        })
    }

    /// One request on a fresh instance, which is dropped afterwards: no state survives the call.
    pub fn call(&self, op: &str, handle: i32, input: &[u8]) -> wasmtime::Result<Answer> {
        self.instance()?.call(op, handle, input)
    }
}

/// One instance of the module.
pub struct Plugin {
    store: Store<StoreLimits>,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
    free: TypedFunc<(i32, i32), ()>,
    result_free: TypedFunc<i32, ()>,
    instance: wasmtime::Instance,
    fuel: u64,
}

/// The module's imports, as (module, name).
pub fn imports(module: &Module) -> Vec<(String, String)> {
    module.imports().map(|i| (i.module().to_owned(), i.name().to_owned())).collect()
}

/// The module's function exports' names.
pub fn exports(module: &Module) -> Vec<String> {
    module.exports().map(|e| e.name().to_owned()).collect()
}

impl Plugin {
    pub fn abi_version(&mut self) -> wasmtime::Result<i32> {
        self.instance.get_typed_func::<(), i32>(&mut self.store, "release_policy_abi_version")?.call(&mut self.store, ())
    }

    /// Calls `release_policy_<op>` (`load` takes no handle) with `input`, refuelled to the bound.
    /// The fuel counted is the whole call: writing the input, the operation, reading the answer.
    pub fn call(&mut self, op: &str, handle: i32, input: &[u8]) -> wasmtime::Result<Answer> {
        self.store.set_fuel(self.fuel)?;
        let len = i32::try_from(input.len())?;
        let ptr = self.alloc.call(&mut self.store, len)?;
        self.memory.write(&mut self.store, ptr as u32 as usize, input)?;
        let name = format!("release_policy_{op}");
        let result = if op == "load" {
            self.instance.get_typed_func::<(i32, i32), i32>(&mut self.store, &name)?.call(&mut self.store, (ptr, len))?
        } else {
            self.instance.get_typed_func::<(i32, i32, i32), i32>(&mut self.store, &name)?.call(&mut self.store, (handle, ptr, len))?
        };
        self.free.call(&mut self.store, (ptr, len))?;
        let mut header = [0u8; 8];
        self.memory.read(&self.store, result as u32 as usize, &mut header)?;
        let status = u32::from_le_bytes(header[..4].try_into()?);
        let length = u32::from_le_bytes(header[4..].try_into()?) as usize;
        let mut json = vec![0u8; length];
        self.memory.read(&self.store, result as u32 as usize + 8, &mut json)?;
        self.result_free.call(&mut self.store, result)?;
        let fuel_used = self.fuel - self.store.get_fuel()?;
        Ok(Answer { status, json: String::from_utf8(json)?, fuel_used })
    }

    /// Bytes of linear memory the instance holds now.
    pub fn memory_bytes(&self) -> usize {
        self.memory.data_size(&self.store)
    }
}
