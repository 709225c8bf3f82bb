//! The screens and panels beside the wizard's steps, each a `Component`: the management
//! screens (Formations, Formation), the Prerequisites checklist, the Register panel, and
//! adding systems to a formation through the Systems step.

pub mod adding;
pub mod doctor;
pub mod formation;
pub mod formations;
pub mod register;
