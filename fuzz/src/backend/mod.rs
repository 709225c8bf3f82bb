//! `crate::backend::director` as in the main crate, with only its pure modules.
pub mod director;
