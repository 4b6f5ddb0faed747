//! Any bytes as an evaluation request: evaluate, guard and timeline never panic, always answer JSON,
//! agree with each other, and the guard never allows production on a chain that is not approved.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_harness::request_json(data));
