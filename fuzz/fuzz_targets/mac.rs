//! Fuzz target `mac`: see `qtvr_fuzz::mac`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qtvr_fuzz::mac(data));
