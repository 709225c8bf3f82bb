//! The Director answer parser (`response::decode` and the conversion to a landscape) on
//! arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    formation_wizard_fuzz::director_answer(data);
});
