//! Fuzz target `sound`: see `qtvr_fuzz::sound`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| qtvr_fuzz::sound(data));
