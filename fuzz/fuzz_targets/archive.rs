//! Fuzz target `archive`: see `fuzz/src/archive.rs`. The archive and what is
//! extracted from it go to a folder of this process under the system's
//! temporary folder, emptied after every input.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "../src/archive.rs"]
mod archive;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        std::env::temp_dir().join(format!("qtvr-fuzz-archive-{}", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| archive::archive(data, dir()));
