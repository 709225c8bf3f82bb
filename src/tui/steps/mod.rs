//! The wizard's screens. Each owns its state, handles its keys (answering with an
//! `Outcome`), lists its keys for the hint bar and draws itself.

pub mod create;
#[path = "type.rs"]
pub mod ftype;
pub mod name;
pub mod review;
pub mod systems;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::app::{Cmd, Exit};

/// A step's answer to a key, for `update` to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Handled,
    /// Show this one-line message (e.g. why a choice is refused).
    Flash(String),
    Next,
    Back,
    Goto(usize),
    /// The formation type (catalog id) was chosen.
    ChooseType(String),
    Create,
    Run(Vec<Cmd>),
    Finish(Exit),
}

/// The new position in a list of `len` items after a movement key, if it is one.
pub fn list_move(key: &KeyEvent, at: usize, len: usize, page: usize) -> Option<usize> {
    let last = len.saturating_sub(1);
    Some(match key.code {
        KeyCode::Up | KeyCode::Char('k') => at.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => (at + 1).min(last),
        KeyCode::PageUp => at.saturating_sub(page),
        KeyCode::PageDown => (at + page).min(last),
        KeyCode::Home | KeyCode::Char('g') => 0,
        KeyCode::End | KeyCode::Char('G') => last,
        _ => return None,
    })
}

/// The first item to draw so that item `at` is visible, given each item's height and the
/// rows available. Pure, so that `view` needs no mutable scroll state.
pub fn window_start(heights: &[usize], at: usize, rows: usize) -> usize {
    window_start_by(heights.len(), at, rows, |i| heights[i])
}

/// As `window_start` over `len` items, asking `height` only for the items that can show:
/// linear in what is shown, whatever the length of the list.
pub fn window_start_by(
    len: usize,
    at: usize,
    rows: usize,
    height: impl Fn(usize) -> usize,
) -> usize {
    if len == 0 {
        return 0;
    }
    let at = at.min(len - 1);
    // Walk back from the highlight while the items still fit.
    let mut used = 0;
    let mut start = at;
    loop {
        used += height(start);
        if used > rows && start < at {
            return start + 1;
        }
        if start == 0 {
            return 0;
        }
        start -= 1;
    }
}

/// The first item to draw: the previous one (`top`) while item `at` still shows in full
/// from there, else the nearest that shows it. A move within the window then changes only
/// the rows that differ, not the whole list (issue 5: bytes written per cursor move).
pub fn window_keep(
    top: usize,
    len: usize,
    at: usize,
    rows: usize,
    height: impl Fn(usize) -> usize,
) -> usize {
    if len == 0 {
        return 0;
    }
    let at = at.min(len - 1);
    if at < top {
        return at;
    }
    let mut used = 0;
    for i in top..=at {
        used += height(i);
        if used > rows {
            return window_start_by(len, at, rows, height);
        }
    }
    top
}

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
        assert_eq!(window_keep(0, 100, 4, 5, one), 0);
        assert_eq!(
            window_keep(0, 100, 5, 5, one),
            1,
            "scrolls by one at the bottom"
        );
        assert_eq!(
            window_keep(10, 100, 12, 5, one),
            10,
            "moving up inside the window"
        );
        assert_eq!(
            window_keep(10, 100, 9, 5, one),
            9,
            "scrolls by one at the top"
        );
        assert_eq!(window_keep(0, 100, 99, 5, one), 95, "End");
        assert_eq!(window_keep(0, 3, 7, 5, one), 0, "clamped to the list");
        assert_eq!(window_keep(0, 0, 0, 5, one), 0);
        let h = [1, 2, 1, 2, 1];
        assert_eq!(window_keep(0, 5, 2, 3, |i| h[i]), 1);
    }
}
