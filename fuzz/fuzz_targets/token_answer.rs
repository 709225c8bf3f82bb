//! The OAuth2 token answer parser (`backend::director::token_answer`) on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    formation_wizard_fuzz::token_answer(data);
});
