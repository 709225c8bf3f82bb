//! The formations file parser (`declare::parse`) and the planner behind it, on arbitrary bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    formation_wizard_fuzz::formations_file(data);
});
