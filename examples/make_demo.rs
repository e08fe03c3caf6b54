//! Writes the bundled demo movie, `assets/demo.mov` (see `qtvr::demo`).
//!
//! `cargo run --release --example make_demo [OUT.mov]`

use std::path::PathBuf;

fn main() {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo.mov"));
    let bytes = match qtvr::demo::demo_movie() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("make_demo: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = std::fs::write(&out, &bytes) {
        eprintln!("make_demo: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
    println!("wrote {} ({} bytes)", out.display(), bytes.len());
}
