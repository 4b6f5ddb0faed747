//! [`Policy`]: a pack loaded and validated once, then evaluated many times.

use serde::Serialize;

use crate::definitions::{self, LoadOptions, Pack, PackFile, Workflow};
use crate::error::{DefinitionsError, Diagnostic, ErrorBody};
use crate::evaluation::Derived;
use crate::request::RequestError;

/// The files of the built-in pack (`definitions/` at build time), as `(path, text)`.
pub const BUILTIN_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_pack.rs"));

/// A validated release policy: the definitions, parsed once.
///
/// ```
/// use release_policy::Policy;
/// let policy = Policy::builtin();
/// let (_, chain) = policy.pack().workflows[0].chain_transition().unwrap();
/// assert_eq!(chain.levels.len(), 4);
/// ```
#[derive(Clone, Debug)]
pub struct Policy {
    pack: Pack,
    warnings: Vec<Diagnostic>,
    /// One per workflow, in the pack's order.
    derived: Vec<Derived>,
}

impl Policy {
    /// The pack compiled into the library. Its validity is checked by the test suite
    /// (`tests/definitions.rs`), so loading it cannot fail in a tested build.
    pub fn builtin() -> Policy {
        match Policy::from_pack(&builtin_files()) {
            Ok(policy) => policy,
            // Unreachable in a tested build; the message names the broken file and line.
            Err(e) => panic!("the built-in pack under definitions/ is invalid:\n{e}"),
        }
    }

    /// Loads a pack with the default limits.
    pub fn from_pack(files: &[PackFile]) -> Result<Policy, DefinitionsError> {
        Policy::from_pack_with(files, &LoadOptions::default())
    }

    /// Loads a pack with the given limits.
    pub fn from_pack_with(files: &[PackFile], options: &LoadOptions) -> Result<Policy, DefinitionsError> {
        let (pack, warnings) = definitions::load(files, options)?;
        let derived = pack.workflows.iter().map(Derived::of).collect();
        Ok(Policy { pack, warnings, derived })
    }

    /// The typed definitions.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// The workflow `release` follows (SPEC §13 "Which workflow"), with its derived facts.
    pub(crate) fn route(&self, release: &crate::request::Release) -> Result<(&Workflow, &Derived), RequestError> {
        let index =
            self.pack.route_index(release.workflow.as_deref(), &release.case_type).map_err(|e| RequestError::at(e.path, e.message))?;
        match (self.pack.workflows.get(index), self.derived.get(index)) {
            (Some(workflow), Some(derived)) => Ok((workflow, derived)),
            _ => Err(RequestError {
                kind: crate::ErrorKind::Internal,
                message: "no derived facts for the workflow".into(),
                path: String::new(),
            }),
        }
    }

    /// Findings that did not prevent loading (undeclared roles, unknown action types, …).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }
}

/// The built-in pack as files, e.g. to write it out (`release-policy install`).
pub fn builtin_files() -> Vec<PackFile> {
    BUILTIN_FILES.iter().map(|(path, text)| PackFile::new(*path, *text)).collect()
}

/// The answer of `validate`: `{"ok": true, "warnings": [...]}` or `{"error": {...}, "warnings": [...]}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ValidationReport {
    Valid { ok: bool, warnings: Vec<Diagnostic> },
    Invalid { error: ErrorBody, warnings: Vec<Diagnostic> },
}

impl ValidationReport {
    pub fn is_valid(&self) -> bool {
        matches!(self, ValidationReport::Valid { .. })
    }
}

/// Validates a pack and reports every error and warning.
///
/// ```
/// use release_policy::{validate, builtin_files, LoadOptions};
/// assert!(validate(&builtin_files(), &LoadOptions::default()).is_valid());
/// ```
pub fn validate(files: &[PackFile], options: &LoadOptions) -> ValidationReport {
    match definitions::load(files, options) {
        Ok((_, warnings)) => ValidationReport::Valid { ok: true, warnings },
        Err(e) => ValidationReport::Invalid { error: e.to_error_body(), warnings: e.warnings },
    }
}
