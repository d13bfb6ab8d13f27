//! Fuzz target `ics`: see `lectern_fuzz::ics` (fuzz/src/checks.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lectern_fuzz::ics(data));
