//! The wizard's steps, each a `Component`: it owns its state, its key table (what its
//! keys do and what the hint bar says of them), its update and its drawing.

pub mod create;
#[path = "type.rs"]
pub mod ftype;
pub mod loading;
pub mod name;
pub mod review;
pub mod systems;

use super::data::Data;
use super::keys::{Binding, bind, more};
use ratatui::crossterm::event::KeyCode;

/// `d` on the steps that take no text: the prerequisites of the formation type. Not while
/// adding to a formation that exists, nor before every page of the landscape is in.
pub fn prerequisites_key<A: Clone>(data: &Data, action: A) -> Option<Binding<A>> {
    (data.adding.is_none() && data.partial.is_none())
        .then(|| bind(more("d", "prerequisites"), &[KeyCode::Char('d')], action))
}
