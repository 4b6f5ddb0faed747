//! Any bytes as one file of the built-in pack: validate and load agree, errors carry their file,
//! a loaded pack evaluates the sample request.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_harness::pack_file(data));
