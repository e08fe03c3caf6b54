//! Fuzz target `movie`: see `qtvr_fuzz::movie`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qtvr_fuzz::movie(data));
