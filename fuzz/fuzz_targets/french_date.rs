#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| lieux_fuzz::french_date(data));
