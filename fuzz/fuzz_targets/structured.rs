//! Requests built from the pack's vocabulary (arbitrary): deterministic answers, levels in order,
//! completion after activation, auto-approval only with its audit entry, wake_at after now, the
//! guard never allowing production before the chain is approved.
#![no_main]
libfuzzer_sys::fuzz_target!(|input: fuzz_harness::Structured| fuzz_harness::structured(&input));
