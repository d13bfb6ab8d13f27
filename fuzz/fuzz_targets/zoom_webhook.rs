//! Fuzz target `zoom_webhook`: see `lectern_fuzz::zoom_webhook` (fuzz/src/checks.rs) for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| lectern_fuzz::zoom_webhook(data));
