//! `release-policy compile`: reads the pack and the plain module, writes the compiled module
//! (src/compile does the work).

use std::path::Path;

use release_policy::compile::{CompileError, CompileOptions, compile};
use release_policy::{ErrorBody, ErrorKind, PackFile};

use crate::{Failure, pretty};

/// The plain plugin module this binary was built with (build.rs; `None` without
/// `RELEASE_POLICY_PLAIN_MODULE`).
const PLAIN_MODULE: Option<&[u8]> = include!(concat!(env!("OUT_DIR"), "/plain_plugin.rs"));

/// Compiles `files` (the pack in `dir`, or the built-in pack) into `output`. An invalid pack prints
/// `validate`'s report and exits 2, writing nothing.
pub fn run(
    files: &[PackFile],
    dir: Option<&str>,
    module: Option<&str>,
    output: &Path,
    options: &CompileOptions,
    compact: bool,
) -> Result<u8, Failure> {
    let read;
    let plain = match (module, PLAIN_MODULE) {
        (Some(path), _) => {
            read = std::fs::read(path)
                .map_err(|e| Failure::bad_input(ErrorBody::new(ErrorKind::Request, format!("cannot read {path}: {e}"))))?;
            read.as_slice()
        }
        (None, Some(embedded)) => embedded,
        (None, None) => {
            let message = "this release-policy was built without the plain plugin module: build it with `make pkg` \
                           (which sets RELEASE_POLICY_PLAIN_MODULE), or give one with `--module FILE`";
            return Err(Failure { body: Box::new(ErrorBody::new(ErrorKind::Internal, message)), code: 1, warnings: None });
        }
    };
    let compiled = match compile(plain, files, options) {
        Ok(compiled) => compiled,
        Err(CompileError::Invalid(report)) => {
            println!("{}", pretty(&report));
            return Ok(2);
        }
        Err(CompileError::Module(message)) => {
            let message = format!("cannot compile the module: {message}");
            return Err(Failure { body: Box::new(ErrorBody::new(ErrorKind::Internal, message)), code: 1, warnings: None });
        }
    };
    // Written beside its destination, then renamed: a failed write never leaves a partial module.
    let partial = output.with_extension("wasm.partial");
    let written = std::fs::write(&partial, &compiled.wasm).and_then(|()| std::fs::rename(&partial, output));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        let message = format!("cannot write {}: {e}", output.display());
        return Err(Failure { body: Box::new(ErrorBody::new(ErrorKind::Internal, message)), code: 1, warnings: None });
    }
    let answer = serde_json::json!({
        "compiled": output.display().to_string(),
        "pack": dir.unwrap_or("built-in"),
        "bytes": compiled.wasm.len(),
        "loader": !options.no_load,
        "warnings": compiled.warnings,
    });
    println!("{}", if compact { answer.to_string() } else { pretty(&answer) });
    Ok(0)
}
