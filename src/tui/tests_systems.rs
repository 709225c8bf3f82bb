//! The Systems step (issue 10, items 3–5): groups, counts, the hide key, the window after
//! a resize, the detail pane and the filter.

use super::*;
use crate::tui::steps::systems::SystemsStep;

fn step(m: &Model) -> &SystemsStep {
    match &m.step {
        Step::Systems(s) => s,
        _ => panic!("not at the systems step"),
    }
}

fn shown_ids(m: &Model) -> Vec<String> {
    step(m).rows(&m.data).into_iter().map(|c| c.id).collect()
}

fn text(m: &Model, w: u16, h: u16) -> String {
    draw(m, w, h).backend().to_string()
}

fn filter(m: &mut Model, query: &str) {
    key(m, KeyCode::Char('/'));
    typed(m, query);
    key(m, KeyCode::Enter);
}

#[test]
fn snapshot_systems_at_three_sizes() {
    let mut m = at_systems();
    select(&mut m, "tc-eu");
    key(&mut m, KeyCode::Home);
    for (w, h) in [(60, 16), (80, 24), (200, 50)] {
        m.size = (w, h);
        insta::assert_snapshot!(format!("systems_{w}x{h}"), text(&m, w, h));
    }
}

#[test]
fn rows_are_grouped_by_type_selectable_first_with_a_header_per_group() {
    let m = at_systems();
    let ids = shown_ids(&m);
    let tc = ids.iter().rposition(|id| id.starts_with("tc-")).unwrap();
    let s4 = ids.iter().position(|id| id.starts_with("s4-")).unwrap();
    assert!(tc < s4, "Task Centers, then S/4HANA: {ids:?}");
    let rows = step(&m).rows(&m.data);
    let s4_rows: Vec<bool> = rows[s4..].iter().map(|c| c.selectable).collect();
    assert!(
        s4_rows.windows(2).all(|p| p[0] || !p[1]),
        "selectable first: {s4_rows:?}"
    );
    let screen = text(&m, 80, 24);
    assert!(
        screen.contains("SAP Task Center — exactly 1 · 0 chosen"),
        "{screen}"
    );
    assert!(
        screen.contains("SAP S/4HANA Cloud — 1 or more · 0 chosen"),
        "{screen}"
    );
    assert!(screen.contains("10 candidates • 0 selected"), "{screen}");
    assert!(screen.contains("s4-prod"), "an id column: {screen}");
    assert!(screen.contains("S/4HANA Cloud Production"), "{screen}");
}

#[test]
fn at_200_columns_groups_show_whole() {
    let m = at_systems();
    let screen = text(&m, 200, 50);
    assert!(screen.contains("All Communication Scenarios"), "{screen}");
    assert!(screen.contains("Integration with SAP Start"), "{screen}");
}

#[test]
fn h_hides_what_cannot_be_chosen_and_shows_it_again() {
    let mut m = at_systems();
    select(&mut m, "tc-eu");
    let all = shown_ids(&m);
    assert!(m.step_commands().iter().any(|h| h.keys == "h" && h.bar));
    key(&mut m, KeyCode::Char('h'));
    let rows = step(&m).rows(&m.data);
    assert!(rows.iter().all(|c| c.selectable || c.selected), "{rows:?}");
    assert!(
        rows.iter().any(|c| c.id == "tc-eu"),
        "the selected one stays"
    );
    assert!(!rows.iter().any(|c| c.id == "tc-apj"));
    assert!(rows.len() < all.len());
    let hidden = all.len() - rows.len();
    let screen = text(&m, 80, 24);
    assert!(
        screen.contains(&format!("{} of 10 candidates shown", rows.len())),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("{hidden} hidden: cannot be chosen")),
        "{screen}"
    );
    assert!(screen.contains("h show"), "{screen}");
    // Deselecting frees the other Task Centers: they come back while hiding.
    select(&mut m, "tc-eu");
    assert!(shown_ids(&m).contains(&"tc-apj".to_owned()));
    key(&mut m, KeyCode::Char('h'));
    assert_eq!(shown_ids(&m), all);
}

/// The table's rows on screen: from the column titles to the detail pane's border.
fn table_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !l.contains("Formations"))
        .skip(1)
        .take_while(|l| !l.contains('╭'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_grow_resize_keeps_the_cursor_row_and_fills_the_list() {
    let mut m = at_systems();
    m.size = (60, 16);
    key(&mut m, KeyCode::End);
    let small = text(&m, 60, 16);
    assert!(
        small.contains("› [-] S/4HANA Cloud Legacy") || small.contains("›"),
        "{small}"
    );
    update(&mut m, Msg::Resize(120, 40));
    // The same model (and its window cache) drawn into the bigger terminal.
    let mut term = Terminal::new(TestBackend::new(60, 16)).unwrap();
    term.draw(|f| view(&m, f)).unwrap();
    term.backend_mut().resize(120, 40);
    term.resize(ratatui::layout::Rect::new(0, 0, 120, 40))
        .unwrap();
    term.draw(|f| view(&m, f)).unwrap();
    let big = term.backend().to_string();
    let rows = table_rows(&big);
    let last = shown_ids(&m).last().cloned().unwrap();
    let highlighted = step(&m).highlighted(&m.data).unwrap();
    assert_eq!(highlighted.id, last);
    assert!(
        rows.iter().any(|r| r.contains('›') && r.contains(&last)),
        "cursor row visible: {big}"
    );
    // Blank rows only after the last row, and only when every row shows.
    let blank = |r: &String| r.trim_matches(|c| c == ' ' || c == '"').is_empty();
    let first_blank = rows.iter().position(blank).unwrap_or(rows.len());
    assert!(rows[first_blank..].iter().all(blank), "{big}");
    assert!(
        rows[..first_blank].iter().any(|r| r.contains(&last)),
        "{big}"
    );
    assert!(
        big.contains("Task Center EU"),
        "the first rows came back: {big}"
    );
    insta::assert_snapshot!("systems_grow_resize_120x40", big);
}

#[test]
fn the_detail_pane_shows_every_fix_and_scrolls() {
    let mut m = at_systems();
    select(&mut m, "tc-eu");
    key(&mut m, KeyCode::Home);
    highlight_system(&mut m, "tc-us");
    assert_eq!(candidate(&m, "tc-us").blockers.len(), 2);
    let tall = text(&m, 80, 30);
    assert_eq!(tall.matches("Fix:").count(), 2, "{tall}");
    // At 60x16 the pane is small: J scrolls it, K back; a move resets it.
    let small = text(&m, 60, 16);
    assert!(small.contains("more below: J"), "{small}");
    let before = step(&m).detail_scroll;
    key(&mut m, KeyCode::Char('J'));
    assert_eq!(step(&m).detail_scroll, before + 1);
    let scrolled = text(&m, 60, 16);
    assert_ne!(small, scrolled);
    assert!(
        scrolled.contains("more above: K") || scrolled.contains("K"),
        "{scrolled}"
    );
    for _ in 0..50 {
        key(&mut m, KeyCode::Char('J'));
    }
    let end = text(&m, 60, 16);
    assert!(end.contains("Formations:"), "scrolled to the end: {end}");
    assert!(!end.contains("more below"), "{end}");
    key(&mut m, KeyCode::Char('K'));
    assert!(step(&m).detail_scroll > 0);
    key(&mut m, KeyCode::Down);
    assert_eq!(step(&m).detail_scroll, 0, "a new row starts at the top");
}

#[test]
fn the_filter_takes_words_in_any_column_and_order() {
    let cases: &[(&str, &[&str])] = &[
        ("S/4 prod", &["s4-prod"]),
        ("prod s4", &["s4-prod"]),
        ("PRODUCTION", &["s4-prod"]),
        ("order events", &["s4-finance"]),
        ("all comm legacy", &["s4-legacy"]),
        // Words match where a word starts: not inside "Deregistering".
        ("registering", &["s4-test"]),
        ("inbox center", &["tc-us", "s4-prod"]),
    ];
    for (query, want) in cases {
        let mut m = at_systems();
        filter(&mut m, query);
        let mut got = shown_ids(&m);
        got.sort();
        let mut want: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        assert_eq!(got, want, "query {query:?}");
    }
    let mut m = at_systems();
    filter(&mut m, "prod");
    let t = draw(&m, 80, 24);
    let y = row_of(&t, "S/4HANA Cloud Production");
    let buf = t.backend().buffer();
    let underlined: String = (0..80)
        .map(|x| &buf[(x, y)])
        .filter(|c| c.modifier.contains(Modifier::UNDERLINED))
        .map(|c| c.symbol().to_owned())
        .collect();
    assert_eq!(
        underlined, "Prodprod",
        "the matched characters are highlighted"
    );
}

#[test]
fn no_match_says_when_excluded_systems_match_and_x_lists_them() {
    let mut m = at_systems();
    filter(&mut m, "work zone");
    assert!(shown_ids(&m).is_empty());
    assert_eq!(step(&m).excluded_matching(), 1);
    let screen = text(&m, 80, 24);
    assert!(
        screen.contains("No system matches — 1 excluded system matches, press x"),
        "{screen}"
    );
    key(&mut m, KeyCode::Char('x'));
    let screen = text(&m, 80, 24);
    assert!(screen.contains("Work Zone Portal (wz-portal)"), "{screen}");
    assert!(
        !screen.contains("Joule (joule)"),
        "the filter applies: {screen}"
    );
    assert!(screen.contains("1 of 9 match the filter"), "{screen}");
    key(&mut m, KeyCode::Esc);
    filter(&mut m, "zzz");
    assert!(text(&m, 80, 24).contains("No system matches the filter"));
}
