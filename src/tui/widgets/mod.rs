//! Widgets shared by the screens: the one list (`list`) and its columns (`columns`).

pub mod columns;
pub mod list;
