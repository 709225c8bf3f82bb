use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use super::*;

/// Items named "0042 …" (the number first, so that a cut name still says which row it
/// is), some wide, some with lines under them.
struct Items {
    names: Vec<String>,
    extra: Vec<usize>,
}

const NAMES: &[&str] = &[
    "S/4HANA Cloud 🚀 Launch Team 3",
    "東京 生産 システム 24071",
    "Task Center US",
    "Integration with Task Center for the whole company",
    "Café\u{301} crème",
    "status board",
];

impl Items {
    fn new(n: usize, extra_every: usize) -> Items {
        Items {
            names: (0..n)
                .map(|i| format!("{i:04} {}", NAMES[i % NAMES.len()]))
                .collect(),
            extra: (0..n)
                .map(|i| {
                    if extra_every > 0 && i % extra_every == 0 {
                        i % 3 + 1
                    } else {
                        0
                    }
                })
                .collect(),
        }
    }

    fn list(&self) -> List {
        List::new(SearchIndex::new(self.names.iter().map(|n| [n.as_str()])))
    }
}

impl Rows for Items {
    fn columns(&self, _avail: usize) -> Vec<Column> {
        vec![
            Column::new("Name", 8, 60).middle().whole().fill(),
            Column::new("State", 5, 5).drop_order(1),
        ]
    }

    fn cells(&self, item: usize, theme: &Theme) -> Vec<(String, Style)> {
        vec![
            (self.names[item].clone(), theme.base()),
            ("READY".into(), theme.ok()),
        ]
    }

    fn has_extra(&self) -> bool {
        self.extra.iter().any(|&n| n > 0)
    }

    fn extra(&self, item: usize, _width: usize, _theme: &Theme) -> Vec<Line<'static>> {
        (0..self.extra[item])
            .map(|k| Line::raw(format!("  error line {k}")))
            .collect()
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn theme() -> Theme {
    Theme::new(false, true)
}

/// Draws the list over `w`×`h` and returns the screen's lines.
fn draw(list: &List, items: &Items, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    let theme = theme();
    t.draw(|f| list.draw(items, &theme, f, Rect::new(0, 0, w, h), true, "nothing"))
        .expect("drawn");
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| {
            let mut line = String::new();
            for x in 0..w {
                line.push_str(buf[(x, y)].symbol());
            }
            line
        })
        .collect()
}

/// The line with the pointer, which must be the cursor's item: its number shows.
fn marked_line(lines: &[String]) -> Option<(usize, &String)> {
    lines.iter().enumerate().find(|(_, l)| l.starts_with('›'))
}

fn assert_cursor_shows(list: &List, items: &Items, w: u16, h: u16) {
    let lines = draw(list, items, w, h);
    match list.selected() {
        Some(item) => {
            let (_, line) = marked_line(&lines)
                .unwrap_or_else(|| panic!("no marked row at {w}x{h}:\n{}", lines.join("\n")));
            let label = format!("{item:04}");
            assert!(
                line.contains(&label),
                "the marked row is not item {item} at {w}x{h}: {line:?}"
            );
            let marked = lines.iter().filter(|l| l.starts_with('›')).count();
            assert_eq!(marked, 1, "one marked row:\n{}", lines.join("\n"));
        }
        None => assert!(marked_line(&lines).is_none()),
    }
}

#[test]
fn end_home_and_page_down_move_and_the_window_follows() {
    let items = Items::new(1_000, 0);
    let mut list = items.list();
    let (w, h) = (80, 20);
    assert_cursor_shows(&list, &items, w, h);
    assert_eq!(list.page(), 18, "a page is the rows shown, less one");
    list.key(key(KeyCode::End), list.page());
    assert_eq!(list.selected(), Some(999));
    assert_cursor_shows(&list, &items, w, h);
    assert_eq!(list.top(), 1_000 - 19, "End shows a full last page");
    list.key(key(KeyCode::Home), list.page());
    assert_eq!(list.selected(), Some(0));
    assert_cursor_shows(&list, &items, w, h);
    assert_eq!(list.top(), 0);
    list.key(key(KeyCode::PageDown), list.page());
    assert_eq!(list.selected(), Some(18));
    assert_cursor_shows(&list, &items, w, h);
    list.key(key(KeyCode::PageDown), list.page());
    assert_eq!(list.selected(), Some(36));
    assert_cursor_shows(&list, &items, w, h);
    list.key(key(KeyCode::Char('G')), list.page());
    assert_eq!(list.selected(), Some(999));
    list.key(key(KeyCode::PageUp), list.page());
    assert_eq!(list.selected(), Some(999 - 18));
    assert_cursor_shows(&list, &items, w, h);
    list.key(key(KeyCode::Char('g')), list.page());
    assert_eq!(list.selected(), Some(0));
    for _ in 0..30 {
        list.key(key(KeyCode::Down), list.page());
        assert_cursor_shows(&list, &items, w, h);
    }
    assert_eq!(list.selected(), Some(30));
}

#[test]
fn a_draw_formats_only_the_rows_that_show() {
    let items = Items::new(100_000, 7);
    let mut list = items.list();
    for code in [KeyCode::Down, KeyCode::PageDown, KeyCode::End, KeyCode::Up] {
        list.key(key(code), list.page());
        let before = rows_drawn();
        draw(&list, &items, 120, 40);
        let drawn = rows_drawn() - before;
        assert!(
            (1..=40).contains(&drawn),
            "{drawn} rows for 40 after {code:?}"
        );
    }
}

#[test]
fn the_filter_matches_word_starts_and_keeps_the_cursor_on_its_item() {
    let items = Items::new(60, 0);
    let mut list = items.list();
    for _ in 0..2 {
        list.key(key(KeyCode::Down), 10);
    }
    assert_eq!(list.selected(), Some(2), "0002 Task Center US");
    list.key(key(KeyCode::Char('/')), 10);
    assert!(list.typing());
    for c in "us".chars() {
        assert_eq!(list.key(key(KeyCode::Char(c)), 10), Reply::Handled);
    }
    // "US" in "Task Center US", not "us" inside "status board".
    assert!(
        list.matches()
            .iter()
            .all(|&i| items.names[i].ends_with("US")),
        "{:?}",
        list.matches()
    );
    assert_eq!(list.selected(), Some(2), "still on its item");
    let lines = draw(&list, &items, 80, 20);
    assert!(marked_line(&lines).is_some_and(|(_, l)| l.contains("0002")));
    list.key(key(KeyCode::Enter), 10);
    assert!(!list.typing());
    assert_eq!(list.key(key(KeyCode::Esc), 10), Reply::Handled, "clears");
    assert_eq!(list.len(), 60);
    assert_eq!(list.selected(), Some(2));
    assert_eq!(
        list.key(key(KeyCode::Esc), 10),
        Reply::Ignored,
        "no filter: Esc is the screen's"
    );
}

#[test]
fn what_matched_is_underlined() {
    let items = Items::new(10, 0);
    let mut list = items.list();
    list.key(key(KeyCode::Char('/')), 10);
    list.key(key(KeyCode::Char('c')), 10);
    list.key(key(KeyCode::Char('e')), 10);
    assert_eq!(
        list.selected(),
        Some(2),
        "the first match: 0002 Task Center US"
    );
    let mut t = Terminal::new(TestBackend::new(60, 10)).expect("a test terminal");
    let theme = theme();
    t.draw(|f| list.draw(&items, &theme, f, f.area(), true, "nothing"))
        .expect("drawn");
    let buf = t.backend().buffer();
    // One cell per column (every character here is one column wide).
    let cells: Vec<&str> = (0..60).map(|x| buf[(x, 1)].symbol()).collect();
    let find = |word: &str| {
        (0..cells.len())
            .find(|&x| cells[x..].concat().starts_with(word))
            .expect("shown")
    };
    let under = |x: usize| {
        buf[(x as u16, 1)]
            .modifier
            .contains(ratatui::style::Modifier::UNDERLINED)
    };
    let row = cells.concat();
    let c = find("Center");
    assert!(under(c) && under(c + 1) && !under(c + 2), "{row}");
    assert!(!under(find("Task")), "{row}");
}

#[test]
fn the_keys_handled_are_the_keys_listed() {
    let items = Items::new(50, 0);
    for b in BROWSE.iter().chain([&FILTER]) {
        assert!(items.list().commands().contains(&b.hint), "{:?}", b.hint);
        for &(code, act) in b.keys {
            let mut list = items.list();
            list.key(key(KeyCode::Down), 10);
            assert_eq!(list.key(key(code), 10), Reply::Handled, "{code:?}");
            match act {
                Act::Move(m) => assert_eq!(list.cursor(), apply_move(m, 1, 50, 10)),
                Act::Filter => assert!(list.typing()),
                _ => unreachable!("not a browsing key"),
            }
        }
    }
    let mut list = items.list();
    list.key(key(KeyCode::Char('/')), 10);
    assert_eq!(list.commands(), hints(TYPING));
    list.key(key(KeyCode::Char('x')), 10);
    list.key(key(KeyCode::Enter), 10);
    assert!(list.commands().contains(&CLEAR.hint), "Esc clears: listed");
    assert_eq!(
        list.key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::CONTROL), 10),
        Reply::Ignored,
        "Ctrl-keys are the app's"
    );
}

#[derive(Debug, Clone)]
enum Step {
    Key(KeyCode),
    Resize(u16, u16),
}

fn step() -> impl Strategy<Value = Step> {
    let keys = prop::sample::select(vec![
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Char('g'),
        KeyCode::Char('G'),
        KeyCode::Char('/'),
        KeyCode::Char('1'),
        KeyCode::Char('s'),
        KeyCode::Char('t'),
        KeyCode::Backspace,
        KeyCode::Enter,
        KeyCode::Esc,
    ]);
    prop_oneof![
        8 => keys.prop_map(Step::Key),
        1 => (60u16..=200, 16u16..=50).prop_map(|(w, h)| Step::Resize(w, h)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever keys come in and however the window changes (60×16 to 200×50), the
    /// cursor's item is on screen, marked once, after every draw.
    #[test]
    fn the_cursor_is_always_on_screen(
        n in 0usize..400,
        extra_every in 0usize..6,
        w in 60u16..=200,
        h in 16u16..=50,
        steps in prop::collection::vec(step(), 1..60),
    ) {
        let items = Items::new(n, extra_every);
        let mut list = items.list();
        let (mut w, mut h) = (w, h);
        // The list gets the screen less a header and a hint bar, as on a screen.
        let list_h = |h: u16| h - 4;
        for s in steps {
            match s {
                Step::Key(code) => {
                    list.key(key(code), list.page());
                }
                Step::Resize(nw, nh) => (w, h) = (nw, nh),
            }
            assert_cursor_shows(&list, &items, w, list_h(h));
            prop_assert_eq!(list.selected().is_some(), !list.is_empty());
        }
    }
}

/// Items in groups of `size`, each group under a header "== group N".
struct Grouped {
    items: Items,
    size: usize,
}

impl Rows for Grouped {
    fn columns(&self, avail: usize) -> Vec<Column> {
        self.items.columns(avail)
    }

    fn cells(&self, item: usize, theme: &Theme) -> Vec<(String, Style)> {
        self.items.cells(item, theme)
    }

    fn group(&self, item: usize) -> Option<usize> {
        Some(item / self.size)
    }

    fn header(&self, group: usize, _width: usize, _theme: &Theme) -> Line<'static> {
        Line::raw(format!("== group {group}"))
    }
}

fn draw_grouped(list: &List, rows: &Grouped, w: u16, h: u16) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    let theme = theme();
    t.draw(|f| list.draw(rows, &theme, f, Rect::new(0, 0, w, h), true, "nothing"))
        .expect("drawn");
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_owned()).collect())
        .collect()
}

#[test]
fn a_header_goes_above_each_group_and_above_the_first_row_drawn() {
    let rows = Grouped {
        items: Items::new(40, 0),
        size: 7,
    };
    let mut list = rows.items.list();
    let lines = draw_grouped(&list, &rows, 60, 12);
    assert!(lines[1].starts_with("== group 0"), "{lines:#?}");
    let at = lines
        .iter()
        .position(|l| l.contains("0007"))
        .expect("row 7 shows");
    assert!(lines[at - 1].starts_with("== group 1"), "{lines:#?}");
    // Far into a group, its header still heads the window; the cursor's row shows.
    for _ in 0..24 {
        list.key(key(KeyCode::Down), 10);
    }
    let lines = draw_grouped(&list, &rows, 60, 12);
    assert!(lines[1].starts_with("== group"), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("› 0024")),
        "the marked row shows: {lines:#?}"
    );
}

#[test]
fn rows_kept_out_hide_and_the_cursor_stays_on_its_item_or_the_next() {
    let items = Items::new(20, 0);
    let mut list = items.list();
    for _ in 0..5 {
        list.key(key(KeyCode::Down), 10);
    }
    assert_eq!(list.selected(), Some(5));
    list.keep_only(Some(&|i: usize| i.is_multiple_of(2)));
    assert_eq!(list.len(), 10);
    assert_eq!(list.selected(), Some(6), "the next one shown");
    assert_eq!(list.filtered().len(), 20, "the matches are all still there");
    list.keep_only(Some(&|i: usize| i.is_multiple_of(2)));
    assert_eq!(list.selected(), Some(6), "kept when it is still shown");
    list.keep_only(None);
    assert_eq!((list.len(), list.selected()), (20, Some(6)));
}

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
