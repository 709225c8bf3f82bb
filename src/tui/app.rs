//! The TUI as its tests, benches and runtime see it: The Elm Architecture's `Model`, the
//! `Msg`s that change it, `update` and the `Cmd`s it returns. Nothing inside `tui` uses
//! this module: each part imports what it needs from where it lives.

pub use super::data::{
    Adding, Context, Data, Notice, Prefill, ServerRefusal, still_cached, thousands,
};
pub use super::model::{LoadState, Model, Overlay, Screen, Step};
pub use super::msg::{Change, Cmd, Exit, Failure, Msg, RegisterMsg};
pub use super::update::{goto, update};
