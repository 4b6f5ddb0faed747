//! The fuzz smoke of `make test`: every fuzz target's body over its seed corpus and a fixed number of
//! deterministic mutations (stable seeds), on stable Rust. It catches a broken harness or a crash on
//! a near-miss input in CI; `make fuzz` runs the same bodies under libFuzzer for long.

#[path = "../../../tests/common/corpus.rs"]
#[allow(dead_code)] // shared with the root tests, which use all of it
mod corpus;

use arbitrary::{Arbitrary, Unstructured};
use fuzz_harness::{Structured, differential, pack_file, packs, plugin, request_json, structured};

/// xorshift64*: a seeded source of mutations, the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "null",
    "-1",
    "0",
    "1e999",
    "99999999999999999999",
    "\"2026-13-45T99:99:99Z\"",
    "\"2026-11-27T15:00:00\"",
    "\\u0000",
    "&a ",
    "*a",
    "!!",
    "- ",
    "\n",
    "\t",
    "\"level\": 0",
    "\"approvals\": [",
    "true",
    "\"status\": \"production\"",
    "\"transition\"",
    "<<: *a",
    "? ",
    "'",
    "#",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next() as u8;
            }
            1 if !out.is_empty() => {
                let end = (at + 1 + rng.below(32)).min(out.len());
                out.drain(at.min(end)..end);
            }
            2 if !out.is_empty() => {
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(64)).min(out.len());
                let copy = out[start..end].to_vec();
                out.splice(at..at, copy);
            }
            3 => out.truncate(at),
            _ => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                out.splice(at..at, token.iter().copied());
            }
        }
    }
    out
}

fn seeds() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let mut seeds: Vec<Vec<u8>> = corpus::load(&dir).into_iter().map(|s| s.request.into_bytes()).collect();
    seeds.push(fuzz_harness::SAMPLE.as_bytes().to_vec());
    // Inputs the long runs turned up, kept as regression seeds.
    let found = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fuzz-regressions");
    let mut files: Vec<_> = std::fs::read_dir(found)
        .expect("tests/fuzz-regressions")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    seeds.extend(files.iter().map(|f| std::fs::read(f).unwrap()));
    seeds
}

#[test]
fn request_json_survives_its_seeds_and_their_mutations() {
    let seeds = seeds();
    let mut rng = Rng(0x5eed_0001);
    for seed in &seeds {
        request_json(seed);
    }
    for _ in 0..1500 {
        let seed = &seeds[rng.below(seeds.len())];
        request_json(&mutate(&mut rng, seed));
    }
}

#[test]
fn pack_file_survives_every_packs_files_and_their_mutations() {
    let packs = packs();
    assert!(packs.len() >= 9, "the built-in pack and the eight public packs, found {}", packs.len());
    let mut rng = Rng(0x5eed_0002);
    for (p, files) in packs.iter().enumerate() {
        for (i, file) in files.iter().enumerate() {
            let mut data = vec![p as u8, i as u8];
            data.extend_from_slice(file.text.as_bytes());
            pack_file(&data);
        }
    }
    for _ in 0..240 {
        let p = rng.below(packs.len());
        let i = rng.below(packs[p].len());
        let mutated = mutate(&mut rng, packs[p][i].text.as_bytes());
        let mut data = vec![p as u8, i as u8];
        data.extend(mutated);
        pack_file(&data);
    }
}

#[test]
fn structured_requests_keep_every_invariant() {
    let mut rng = Rng(0x5eed_0003);
    for _ in 0..1500 {
        let bytes: Vec<u8> = (0..256).map(|_| rng.next() as u8).collect();
        if let Ok(input) = Structured::arbitrary(&mut Unstructured::new(&bytes)) {
            structured(&input);
        }
    }
}

#[test]
fn the_plugin_module_answers_as_the_native_engine_on_mutated_requests() {
    let seeds = seeds();
    let mut host = plugin();
    let mut rng = Rng(0x5eed_0004);
    for seed in seeds.iter().take(10).chain(seeds.iter().rev().take(1)) {
        differential(&mut host, seed);
    }
    for _ in 0..150 {
        let seed = &seeds[rng.below(seeds.len())];
        differential(&mut host, &mutate(&mut rng, seed));
    }
}
