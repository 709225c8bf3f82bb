//! Issue 5's deterministic performance properties of the wizard (timings are benchmarks,
//! `benches/tui.rs`; these are counts): a draw formats only the visible rows, and a
//! cursor move writes few bytes to a real diff-based terminal.

#[path = "support/wizard.rs"]
mod wizard;

use formation_wizard::catalog::Catalog;
use formation_wizard::tui::app::Step;
use formation_wizard::tui::steps::systems::rows_formatted;
use formation_wizard::tui::view::view;
use ratatui::crossterm::event::KeyCode;
use wizard::{at_systems, key, landscape};

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn candidates(m: &formation_wizard::tui::app::Model) -> usize {
    m.data.checker.as_ref().map_or(0, |c| c.len())
}

#[test]
fn a_draw_formats_only_the_visible_rows_of_100_000_candidates() {
    let catalog = catalog();
    let (w, h) = (200, 50);
    let mut m = at_systems(&catalog, landscape(&catalog, 100_000), (w, h));
    assert!(candidates(&m) > 10_000, "{} candidates", candidates(&m));
    let mut term = wizard::test_terminal(w, h);
    // At the top, in the middle and at the end of the list, and after a filter.
    let moves = [KeyCode::Down, KeyCode::PageDown, KeyCode::End, KeyCode::Up];
    for code in moves {
        key(&mut m, code);
        let before = rows_formatted();
        term.draw(|f| view(&m, f)).unwrap();
        let formatted = rows_formatted() - before;
        assert!(
            (1..=usize::from(h)).contains(&formatted),
            "{formatted} rows formatted for a {h}-row screen after {code:?}"
        );
    }
    key(&mut m, KeyCode::Char('/'));
    key(&mut m, KeyCode::Char('p'));
    let Step::Systems(s) = &m.step else { panic!() };
    assert!(s.matches().len() > 1_000);
    let before = rows_formatted();
    term.draw(|f| view(&m, f)).unwrap();
    assert!(rows_formatted() - before <= usize::from(h));
}

#[test]
fn a_cursor_move_at_80x24_writes_at_most_1000_bytes() {
    let catalog = catalog();
    for n in [1_000, 100_000] {
        let b = wizard::bytes(&catalog, landscape(&catalog, n), 80, 24);
        assert!(b.cursor_move <= 1_000, "{n} systems: {b:?}");
        assert!(b.first_frame > b.cursor_move, "{n} systems: {b:?}");
    }
}

#[test]
fn cursor_moves_through_a_long_list_stay_small() {
    // Within the window only two rows and the detail pane change; at its edge the window
    // jumps by half its height, so most moves of a sweep stay small.
    let catalog = catalog();
    let (median, max) = wizard::sweep(&catalog, landscape(&catalog, 10_000), 80, 24);
    assert!(median <= 1_000, "median {median}, max {max}");
    assert!(max <= 2_500, "median {median}, max {max}");
}
