//! What the integration tests share: finding the sample movies.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `../shared/samples` beside the checkout, or None (with a SKIP line on stderr).
pub fn samples_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: ../shared/samples not found (looked for {}); sample movie tests skipped",
            dir.display()
        );
        None
    }
}

/// Every `.mov` under `real/`, `tools-made/` and `gen/` of the samples folder, sorted.
pub fn sample_movies(dir: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for sub in ["real", "tools-made", "gen"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("mov")) {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}
