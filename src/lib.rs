//! # Kiket release policy engine
//!
//! Takes Kiket release-management definitions, a release and the current time, and answers which
//! approval levels the release needs, who may approve each, by when, what escalation comes next,
//! which transitions are allowed and why.
//!
//! The engine is pure: it never reads a clock, files, the network or randomness; `now` is an
//! input. Load a [`Policy`] once (the built-in pack, or your own), then evaluate many requests.
//!
//! ```
//! use release_policy::Policy;
//! let policy = Policy::builtin();
//! assert_eq!(policy.pack().workflows[0].id, "release");
//! ```
//!
//! See `ARCHITECTURE.md` for the map of the crate.

pub mod analytics;
pub mod authoring;
pub mod calendar;
pub mod chain;
pub mod checklist;
#[cfg(all(feature = "compile", not(target_arch = "wasm32")))]
pub mod compile;
pub mod condition;
pub mod definitions;
pub mod duration;
pub mod error;
pub mod escalation;
pub mod evaluation;
#[cfg(feature = "js")]
pub mod js;
pub mod json;
pub mod outline;
pub mod pack_dir;
#[cfg(feature = "plugin")]
pub mod plugin;
mod policy;
pub mod recipe;
pub mod request;
pub mod sla;
pub mod sort;
pub mod timeline;
pub mod transition;

pub use calendar::Calendar;
pub use condition::{Condition, FieldPath, Literal, Operator};
pub use definitions::{LoadOptions, Pack, PackFile};
pub use duration::Duration;
pub use error::{DefinitionsError, Diagnostic, ErrorBody, ErrorKind};
pub use evaluation::Evaluation;
pub use outline::Outline;
pub use policy::{BUILTIN_FILES, Policy, ValidationReport, builtin_files, validate};
pub use request::{Request, RequestLimits};
