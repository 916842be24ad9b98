#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lieux_fuzz::cql2(data));
