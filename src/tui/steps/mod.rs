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
    /// The user asked to create: ask them to confirm what and where first.
    ConfirmCreate,
    /// Create now (confirmed, or retried after a failure).
    Create,
    Run(Vec<Cmd>),
    Finish(Exit),
    /// Created: open the new formation (by id) on the Formation screen.
    OpenFormation(String),
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
/// from there; else one that puts `at` in the middle (as vim's `scrolljump`), but never
/// past the last full page. A move within the window then changes only the rows that
/// differ, and a held arrow key redraws the list once per half window, not on every row
/// (issue 5: bytes written per cursor move over a slow link).
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
    if at >= top {
        let mut used = 0;
        let fits = (top..=at).all(|i| {
            used += height(i);
            used <= rows
        });
        if fits {
            return top;
        }
    }
    let centred = window_start_by(len, at, (rows / 2).max(1), &height);
    let last_page = window_start_by(len, len - 1, rows, &height);
    centred.min(last_page).min(at)
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
