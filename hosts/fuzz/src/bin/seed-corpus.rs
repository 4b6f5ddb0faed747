//! Writes the fuzz targets' seed corpora into `fuzz/corpus/<target>/`: every scenario's request for
//! the request targets, every file of every pack (built-in and public) for `pack_file`. `make fuzz`
//! runs it first.

#[path = "../../../../tests/common/corpus.rs"]
#[allow(dead_code)]
mod corpus;

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = root.join("fuzz/corpus");
    let scenarios = corpus::load(&root.join("tests/scenarios"));
    for target in ["request_json", "differential"] {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir)?;
        for s in &scenarios {
            std::fs::write(dir.join(&s.name), &s.request)?;
        }
        std::fs::write(dir.join("sample.json"), fuzz_harness::SAMPLE)?;
    }
    let dir = out.join("pack_file");
    std::fs::create_dir_all(&dir)?;
    let mut written = 0;
    for (p, files) in fuzz_harness::packs().iter().enumerate() {
        for (i, file) in files.iter().enumerate() {
            let mut data = vec![p as u8, i as u8];
            data.extend_from_slice(file.text.as_bytes());
            std::fs::write(dir.join(format!("{p}_{}", file.path.replace('/', "_"))), data)?;
            written += 1;
        }
    }
    std::fs::create_dir_all(out.join("structured"))?;
    println!("seed corpora: {} scenarios, {written} pack files, in {}", scenarios.len(), out.display());
    Ok(())
}
