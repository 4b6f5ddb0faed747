//! Tools for people who customise a pack (SPEC §12): policy tests, first.
//!
//! Owns what the CLI and the npm package share about authoring; decides nothing itself: every
//! answer comes from the `Policy` it is given.

pub mod coverage;
pub mod diff;
#[cfg(any(not(target_arch = "wasm32"), feature = "authoring"))]
pub mod schema;
pub mod test;
