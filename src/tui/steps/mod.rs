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

// The keys and the window of every list live with the list widget; the steps use them
// from there (one table for what the keys do and what the hints say).
pub use crate::tui::widgets::list::{window_keep, window_start, window_start_by};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_follows_the_highlight() {
        let h = [1, 2, 1, 2, 1];
        assert_eq!(window_start(&h, 0, 3), 0);
        assert_eq!(window_start(&h, 2, 3), 1);
        assert_eq!(window_start(&h, 4, 3), 3);
        assert_eq!(window_start(&[], 0, 3), 0);
        assert_eq!(window_start(&[5, 5], 1, 3), 1, "a tall item still shows");
    }

    #[test]
    fn window_stays_put_while_the_highlight_shows() {
        let one = |_| 1;
        assert_eq!(window_keep(0, 100, 9, 10, one), 0);
        assert_eq!(window_keep(0, 100, 10, 10, one), 6, "jumps to the middle");
        assert_eq!(window_keep(6, 100, 11, 10, one), 6, "then stays");
        assert_eq!(
            window_keep(10, 100, 12, 10, one),
            10,
            "up inside the window"
        );
        assert_eq!(window_keep(10, 100, 9, 10, one), 5, "jumps at the top too");
        assert_eq!(window_keep(10, 100, 2, 10, one), 0);
        assert_eq!(
            window_keep(0, 100, 99, 10, one),
            90,
            "End: a full last page"
        );
        assert_eq!(window_keep(0, 3, 7, 10, one), 0, "clamped to the list");
        assert_eq!(window_keep(0, 0, 0, 10, one), 0);
        let h = [1, 2, 1, 2, 1];
        assert_eq!(window_keep(0, 5, 2, 3, |i| h[i]), 2);
        assert_eq!(window_keep(0, 2, 1, 1, |_| 5), 1, "a tall item still shows");
    }
}
