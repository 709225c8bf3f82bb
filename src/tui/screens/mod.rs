//! The screens of the management app (issue 11). Each owns its state, its keys (`key`,
//! answering an action for the app's screen stack), its hints and its `view`.

pub mod doctor;
pub mod formation;
pub mod formations;
