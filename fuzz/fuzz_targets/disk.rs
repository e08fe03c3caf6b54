//! Fuzz target `disk`: see `qtvr_fuzz::disk`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qtvr_fuzz::disk(data));
