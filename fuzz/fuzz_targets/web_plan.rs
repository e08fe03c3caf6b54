//! Fuzz target `web_plan`: see `fuzz/src/web.rs`. The export writes into a
//! folder of this process under the system's temporary folder, emptied after
//! every input, and runs on one thread.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use qtvr_fuzz::{Bytes, web_fits};

#[path = "../src/web.rs"]
mod web;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| std::env::temp_dir().join(format!("qtvr-fuzz-web-{}", std::process::id())))
}

fuzz_target!(
    init: {
        let _ = rayon::ThreadPoolBuilder::new().num_threads(1).build_global();
    },
    |data: &[u8]| web::web_plan(data, dir())
);
