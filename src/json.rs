//! JSON text out: every answer the engine writes goes through [`to_string`].
//!
//! Owns: the writer serde_json fills. Why: `serde_json::to_string` writes through `Vec<u8>`'s
//! `io::Write`, a call chain per token that the size-optimised WebAssembly build does not inline —
//! two fifths of an evaluation's time in Node.js went there. `Out` copies straight into spare
//! capacity, and one writer type means every `Serialize` impl is instantiated once. Must not know
//! the domain.

use serde::Serialize;

/// A growable byte buffer whose writes are inlined into serde_json's serializer.
struct Out(Vec<u8>);

impl std::io::Write for Out {
    #[inline(always)]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    #[inline(always)]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if let [byte] = bytes {
            // Most writes are one byte: a quote, a colon, a comma, a bracket.
            self.0.push(*byte);
        } else {
            self.0.extend_from_slice(bytes);
        }
        Ok(())
    }

    #[inline(always)]
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `value` as compact JSON text; `Err` carries serde_json's message (a `Serialize` impl that
/// fails, which the engine's types never do).
///
/// ```
/// assert_eq!(release_policy::json::to_string(&["a", "b"]).unwrap(), r#"["a","b"]"#);
/// ```
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, String> {
    // The writer by value, not `&mut`: std's forwarding `impl Write for &mut W` would sit between
    // serde_json and `Out` as one more call per token.
    let mut serializer = serde_json::Serializer::new(Out(Vec::with_capacity(1024)));
    value.serialize(&mut serializer).map_err(|e| e.to_string())?;
    String::from_utf8(serializer.into_inner().0).map_err(|e| e.to_string())
}
