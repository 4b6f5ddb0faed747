//! Tools for people who customise a pack (SPEC §12): policy tests, first.
//!
//! Owns what the CLI and the npm package share about authoring; decides nothing itself: every
//! answer comes from the `Policy` it is given.

pub mod coverage;
pub mod diff;
#[cfg(schemas)]
pub mod schema;
pub mod test;
