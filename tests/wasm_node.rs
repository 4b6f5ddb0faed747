//! The JS bindings in Node.js (`cargo test --target wasm32-unknown-unknown --features js --test wasm_node`).
#![cfg(all(target_arch = "wasm32", feature = "js"))]

include!("wasm/common.rs");
