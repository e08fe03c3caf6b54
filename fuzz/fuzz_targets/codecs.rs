//! Fuzz target `codecs`: see `qtvr_fuzz::codecs`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qtvr_fuzz::codecs(data));
