//! Writes the viewer's bundled demo movie, `assets/demo.mov` (see
//! `qtvr_demo`).
//!
//! `cargo run --release -p qtvr-demo --bin make-demo [OUT.mov]`

#![forbid(unsafe_code)]

use std::path::PathBuf;

fn main() {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo.mov"));
    let bytes = match qtvr_demo::demo_movie() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("make-demo: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = std::fs::write(&out, &bytes) {
        eprintln!("make-demo: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
    println!("wrote {} ({} bytes)", out.display(), bytes.len());
}
