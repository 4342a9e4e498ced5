//! A bounded fuzz of the spec parser and validator: thousands of mutations of the example
//! specs (the corpus, `workflows/*/spec.yaml`) must each give a valid workflow or rendered,
//! located errors; never a panic, never an error without a position. The mutations are
//! seeded, so a failure is reproducible from the seed it prints.

use wt::contracts::{RegistryOutput, Signatures};

const ROUNDS_PER_SPEC: u64 = 800;

/// xorshift64*: a small deterministic generator, enough to pick mutations.
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

/// Fragments that matter to YAML and to specs.
const FRAGMENTS: &[&str] = &[
    ":",
    "- ",
    "&a ",
    "*a",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "#",
    "\n",
    "  ",
    "\t",
    "${{ ",
    " }}",
    "workflow.",
    ".return",
    "env.",
    "map:",
    "mapvalues:",
    "partial:",
    "skipif:",
    "!!str ",
    "~",
    "null",
    "1e999",
    "-0",
    "0x1F",
    "\u{feff}",
    "é",
    "\u{0}",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 => {
                let f = FRAGMENTS[rng.below(FRAGMENTS.len())];
                bytes.splice(at..at, f.bytes());
            }
            2 if at < bytes.len() => {
                let end = (at + rng.below(40)).min(bytes.len());
                let chunk = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, chunk);
            }
            3 => bytes.truncate(at),
            _ if at < bytes.len() => bytes[at] = b" :-[]{}&*!|>'\"#%@`,?\n"[rng.below(21)],
            _ => {}
        }
    }
    // The parser takes text: keep what is valid UTF-8 (invalid bytes are refused before it).
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn mutated_specs_never_panic_and_every_error_is_located() {
    let registry: RegistryOutput =
        serde_json::from_str(include_str!("fixtures/example-registry.json")).unwrap();
    let signatures: Signatures =
        serde_json::from_str(include_str!("fixtures/example-signatures.json")).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows");
    let mut corpus: Vec<(String, String)> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path().join("spec.yaml")).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), text))
        })
        .collect();
    corpus.sort();
    assert!(corpus.len() >= 5, "the corpus is the example specs");
    let (mut valid, mut refused) = (0, 0);
    for (name, text) in &corpus {
        for round in 0..ROUNDS_PER_SPEC {
            let seed = 0x9e37_79b9_7f4a_7c15 ^ (round << 8) ^ name.len() as u64;
            let mutated = mutate(text, &mut Rng(seed.max(1)));
            let outcome = std::panic::catch_unwind(|| {
                wt::check::check_text(
                    "spec.yaml",
                    &mutated,
                    &registry,
                    &signatures,
                    &Default::default(),
                )
            });
            match outcome {
                Err(_) => panic!("{name}, seed {seed:#x}: the checker panicked on:\n{mutated}"),
                Ok(Ok(_)) => valid += 1,
                Ok(Err(rendered)) => {
                    refused += 1;
                    let lines: Vec<&str> = rendered.lines().collect();
                    for (i, line) in lines.iter().enumerate() {
                        let located = lines
                            .get(i + 1)
                            .is_some_and(|next| next.trim_start().starts_with("--> spec.yaml:"));
                        assert!(
                            !line.starts_with("error:") || located,
                            "{name}, seed {seed:#x}: an error without a location:\n{rendered}\nfor:\n{mutated}"
                        );
                    }
                }
            }
        }
    }
    assert!(refused > 0 && valid > 0, "valid {valid}, refused {refused}");
}
