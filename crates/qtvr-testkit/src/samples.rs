//! The sample movies: `../shared/samples` beside the workspace.

use std::path::{Path, PathBuf};

use crate::skip;

/// The workspace's root folder: the nearest folder at or above the manifest
/// folder of the package under test (`CARGO_MANIFEST_DIR` at run time, as
/// `cargo test` and `cargo bench` set it; else this crate's) whose
/// `Cargo.toml` has a `[workspace]` table. Works from any member.
pub fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let start = start.canonicalize().unwrap_or(start);
    for dir in start.ancestors() {
        let is_root = std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|m| m.lines().any(|l| l.trim() == "[workspace]"));
        if is_root {
            return dir.to_path_buf();
        }
    }
    // This crate lives at `<root>/crates/qtvr-testkit`.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the sample movies should be: `<workspace root>/../shared/samples`,
/// whether or not it exists.
pub fn shared_samples() -> PathBuf {
    let p = workspace_root().join("../shared/samples");
    p.canonicalize().unwrap_or(p)
}

/// The sample folder, or None after a [`skip`] (a failure under `CI=true`)
/// saying where it was looked for.
pub fn samples_dir() -> Option<PathBuf> {
    let dir = shared_samples();
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&format!(
            "../shared/samples not found (looked for {})",
            dir.display()
        ));
        None
    }
}

/// Every `.mov` under `real/`, `tools-made/` and `gen/` of the samples
/// folder, sorted.
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_root_is_the_workspace_of_this_crate() {
        let root = super::workspace_root();
        assert!(
            root.join("crates/qtvr-testkit/Cargo.toml").is_file(),
            "{}",
            root.display()
        );
        assert!(super::shared_samples().ends_with("shared/samples"));
    }
}
