//! Structured errors and warnings, in the shapes of SPEC section 9.
//!
//! Owns the JSON form of every error the engine can answer with. Must not know how errors are
//! printed or transported (CLI, JS, plugin ABI each wrap these values, they never re-word them).

use std::fmt;

use serde::Serialize;

/// A finding in a definitions pack: where, and what was expected.
///
/// `line` and `column` are 1-based; both are 0 when the finding concerns a whole file or the pack
/// (a missing file, a pack over the size limit).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        }
    }
}

/// A pack that failed to load: every error found (at least one), and the warnings beside them.
#[derive(Clone, Debug, PartialEq)]
pub struct DefinitionsError {
    /// Sorted by file, line, column.
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl DefinitionsError {
    /// The first error (errors are sorted, so this is the earliest in the first file).
    pub fn first(&self) -> &Diagnostic {
        // `load` never builds one without errors; a hand-built empty one reads as "(no details)".
        static NONE: Diagnostic = Diagnostic { file: String::new(), line: 0, column: 0, message: String::new() };
        self.errors.first().unwrap_or(&NONE)
    }

    /// SPEC section 9's `{"error": {"kind": "definitions", …}}`, with every error under `errors`.
    pub fn to_error_body(&self) -> ErrorBody {
        let first = self.first();
        ErrorBody {
            kind: ErrorKind::Definitions,
            message: first.message.clone(),
            path: None,
            file: Some(first.file.clone()),
            line: Some(first.line),
            column: Some(first.column),
            errors: self.errors.clone(),
        }
    }
}

impl fmt::Display for DefinitionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DefinitionsError {}

/// The class of a structured error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ErrorKind {
    /// The definitions pack is invalid.
    Definitions,
    /// The request is malformed or inconsistent with the pack.
    Request,
    /// A configured size or depth limit was exceeded.
    Limit,
    /// The operation exists in the contract but is not built yet.
    NotImplemented,
    /// A fault of the engine itself (a bug).
    Internal,
}

/// The body of `{"error": …}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ErrorBody {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub column: Option<u32>,
    /// For definitions: every error found, the first of which is repeated above.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<_>", optional))]
    pub errors: Vec<Diagnostic>,
}

/// `{"error": {…}}` (and, for definitions, the warnings beside it), fields in the contract's order.
#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ErrorResponse<'a> {
    pub error: &'a ErrorBody,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub warnings: Option<&'a [Diagnostic]>,
}

impl ErrorBody {
    /// `{"error": {…}}` as JSON text, the way every adapter answers an error.
    pub fn to_json(&self) -> String {
        crate::json::to_string(&ErrorResponse { error: self, warnings: None }).unwrap_or_default()
    }

    /// An error that is only a kind and a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> ErrorBody {
        ErrorBody { kind, message: message.into(), path: None, file: None, line: None, column: None, errors: Vec::new() }
    }
}
