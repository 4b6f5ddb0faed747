//! The native engine and the plugin module (in wasmtime) answer every request with the same bytes.
#![no_main]

use std::cell::RefCell;

thread_local! {
    static HOST: RefCell<plugin_host_instance::Host> = RefCell::new(plugin_host_instance::Host::new());
}

mod plugin_host_instance {
    /// One instance per fuzzing process; a fresh one after every 1,000 inputs bounds its memory.
    pub struct Host {
        plugin: plugin_host::Plugin,
        calls: u32,
    }

    impl Host {
        pub fn new() -> Host {
            Host { plugin: fuzz_harness::plugin(), calls: 0 }
        }

        pub fn run(&mut self, data: &[u8]) {
            self.calls += 1;
            if self.calls % 1000 == 0 {
                self.plugin = fuzz_harness::plugin();
            }
            fuzz_harness::differential(&mut self.plugin, data);
        }
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| HOST.with(|host| host.borrow_mut().run(data)));
