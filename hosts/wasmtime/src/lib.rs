//! A minimal host for the plugin module: what the README's ABI section describes, in Rust. Used by
//! the tests beside it; a platform embedding the engine would do the same.

use wasmtime::{Config, Engine, Instance, Linker, Memory, Module, Store, StoreLimits, StoreLimitsBuilder, TypedFunc};

/// The sandbox's bounds for one instance.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Fuel per call (wasmtime's unit: roughly one per WebAssembly instruction).
    pub fuel: u64,
    /// Linear memory the instance may grow to, in bytes.
    pub memory: usize,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds { fuel: 2_000_000_000, memory: 64 << 20 }
    }
}

/// What a call answered: the result record's status and JSON, and the fuel it burnt.
#[derive(Debug)]
pub struct Answer {
    pub status: u32,
    pub json: String,
    pub fuel_used: u64,
}

pub struct Plugin {
    store: Store<StoreLimits>,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
    free: TypedFunc<(i32, i32), ()>,
    result_free: TypedFunc<i32, ()>,
    instance: Instance,
    fuel: u64,
}

/// The module's imports, as (module, name).
pub fn imports(module: &Module) -> Vec<(String, String)> {
    module.imports().map(|i| (i.module().to_owned(), i.name().to_owned())).collect()
}

pub fn engine() -> Engine {
    let mut config = Config::new();
    config.consume_fuel(true);
    Engine::new(&config).expect("wasmtime engine")
}

impl Plugin {
    /// Instantiates the module with no imports at all: anything it imported would fail here.
    pub fn new(engine: &Engine, module: &Module, bounds: Bounds) -> wasmtime::Result<Plugin> {
        let limits = StoreLimitsBuilder::new().memory_size(bounds.memory).instances(1).build();
        let mut store = Store::new(engine, limits);
        store.limiter(|l| l);
        store.set_fuel(bounds.fuel)?;
        let instance = Linker::new(engine).instantiate(&mut store, module)?;
        let memory = instance.get_memory(&mut store, "memory").ok_or_else(|| wasmtime::Error::msg("no exported memory"))?;
        Ok(Plugin {
            alloc: instance.get_typed_func(&mut store, "release_policy_alloc")?,
            free: instance.get_typed_func(&mut store, "release_policy_free")?,
            result_free: instance.get_typed_func(&mut store, "release_policy_result_free")?,
            memory,
            instance,
            store,
            fuel: bounds.fuel,
        })
    }

    pub fn abi_version(&mut self) -> wasmtime::Result<i32> {
        self.instance.get_typed_func::<(), i32>(&mut self.store, "release_policy_abi_version")?.call(&mut self.store, ())
    }

    /// Calls `release_policy_<op>` (`load` takes no handle) with `input`, refuelled to the bound.
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
        let fuel_used = self.fuel - self.store.get_fuel()?;
        self.free.call(&mut self.store, (ptr, len))?;
        let mut header = [0u8; 8];
        self.memory.read(&self.store, result as u32 as usize, &mut header)?;
        let status = u32::from_le_bytes(header[..4].try_into()?);
        let length = u32::from_le_bytes(header[4..].try_into()?) as usize;
        let mut json = vec![0u8; length];
        self.memory.read(&self.store, result as u32 as usize + 8, &mut json)?;
        self.result_free.call(&mut self.store, result)?;
        Ok(Answer { status, json: String::from_utf8(json)?, fuel_used })
    }

    /// Bytes of linear memory the instance holds now.
    pub fn memory_bytes(&self) -> usize {
        self.memory.data_size(&self.store)
    }
}
