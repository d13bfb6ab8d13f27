//! Fuzz target `markdown`: see `lectern_fuzz::markdown` (fuzz/src/checks.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lectern_fuzz::markdown(data));
