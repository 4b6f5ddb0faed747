//! `release-policy compile`: reads the pack and the plain module, writes the compiled module
//! (src/compile does the work). Native builds with the `compile` feature only.

use std::path::Path;

use release_policy::{ErrorBody, ErrorKind, LoadOptions, PackFile};

use crate::Failure;

/// What to compile, as the command line gave it.
#[cfg_attr(not(all(feature = "compile", not(target_arch = "wasm32"))), allow(dead_code))]
pub struct Request<'a> {
    /// The pack's folder (`None`: the built-in pack).
    pub dir: Option<&'a str>,
    /// `--module`: the plain module to start from (`None`: the embedded one).
    pub module: Option<&'a str>,
    pub output: &'a Path,
    pub load: LoadOptions,
    pub no_load: bool,
}

fn internal(message: String) -> Failure {
    Failure { body: Box::new(ErrorBody::new(ErrorKind::Internal, message)), code: 1, warnings: None }
}

/// Compiles `files` into `request.output`. An invalid pack prints `validate`'s report and exits 2,
/// writing nothing.
#[cfg(all(feature = "compile", not(target_arch = "wasm32")))]
pub fn run(files: &[PackFile], request: &Request, compact: bool) -> Result<u8, Failure> {
    use release_policy::compile::{CompileError, CompileOptions, compile};

    /// The plain plugin module this binary was built with (build.rs; `None` without
    /// `RELEASE_POLICY_PLAIN_MODULE`).
    const PLAIN_MODULE: Option<&[u8]> = include!(concat!(env!("OUT_DIR"), "/plain_plugin.rs"));

    let read;
    let plain = match (request.module, PLAIN_MODULE) {
        (Some(path), _) => {
            read = std::fs::read(path)
                .map_err(|e| Failure::bad_input(ErrorBody::new(ErrorKind::Request, format!("cannot read {path}: {e}"))))?;
            read.as_slice()
        }
        (None, Some(embedded)) => embedded,
        (None, None) => {
            return Err(internal(
                "this release-policy was built without the plain plugin module: build it with `make pkg` \
                 (which sets RELEASE_POLICY_PLAIN_MODULE), or give one with `--module FILE`"
                    .to_owned(),
            ));
        }
    };
    let options = CompileOptions { load: request.load, no_load: request.no_load };
    let compiled = match compile(plain, files, &options) {
        Ok(compiled) => compiled,
        Err(CompileError::Invalid(report)) => {
            println!("{}", crate::pretty(&report));
            return Ok(2);
        }
        Err(CompileError::Module(message)) => return Err(internal(format!("cannot compile the module: {message}"))),
    };
    // Written beside its destination, then renamed: a failed write never leaves a partial module.
    let output = request.output;
    let partial = output.with_extension("wasm.partial");
    let written = std::fs::write(&partial, &compiled.wasm).and_then(|()| std::fs::rename(&partial, output));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(internal(format!("cannot write {}: {e}", output.display())));
    }
    let answer = serde_json::json!({
        "compiled": output.display().to_string(),
        "pack": request.dir.unwrap_or("built-in"),
        "bytes": compiled.wasm.len(),
        "loader": !request.no_load,
        "warnings": compiled.warnings,
    });
    println!("{}", if compact { answer.to_string() } else { crate::pretty(&answer) });
    Ok(0)
}

/// Without the `compile` feature (or on wasm32, where the binary is only compiled for tests).
#[cfg(not(all(feature = "compile", not(target_arch = "wasm32"))))]
pub fn run(_files: &[PackFile], _request: &Request, _compact: bool) -> Result<u8, Failure> {
    Err(internal("this release-policy was built without the `compile` feature".to_owned()))
}
