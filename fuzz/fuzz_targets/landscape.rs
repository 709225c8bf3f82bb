//! The landscape loader (`Landscape::parse`) on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    formation_wizard_fuzz::landscape_file(data);
});
