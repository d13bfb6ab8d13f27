//! Fuzz target `form`: see `lectern_fuzz::form` (fuzz/src/checks.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lectern_fuzz::form(data));
