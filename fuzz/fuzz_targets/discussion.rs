//! Fuzz target `discussion`: see `lectern_fuzz::discussion` (fuzz/src/checks.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lectern_fuzz::discussion(data));
