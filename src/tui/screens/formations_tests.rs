use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

use super::*;
use crate::tui::component::testing::press;

fn landscape(catalog: &Catalog, sync_state: &str) -> Landscape {
    let json = serde_json::json!({
        "systems": [
            {"id": "tc-0", "name": "Task Center EU", "type": "SAP Task Center"},
            {"id": "tc-1", "name": "Task Center US", "type": "SAP Task Center"},
            {"id": "s4-0", "name": "S/4HANA Prod", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"]},
            {"id": "s4-1", "name": "S/4HANA QA", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"]}
        ],
        "formations": [
            {"id": "f-eu", "name": "Inbox EU", "type": "sap-task-center", "systems": ["tc-0", "s4-0"]},
            {"id": "f-us", "name": "Inbox US", "type": "sap-task-center", "systems": ["tc-1", "s4-1"],
             "assignments": {"s4-1": {"state": sync_state, "error": if sync_state.ends_with("_ERROR") { Some("the tenant rejected the configuration") } else { None }}}},
            {"id": "f-draft", "name": "Rehearsal", "type": "sap-task-center", "systems": [], "state": "DRAFT"}
        ]
    });
    Landscape::parse(json.to_string().as_bytes(), "test", catalog).expect("a valid landscape")
}

fn screen(sync_state: &str) -> (Formations, Catalog) {
    let catalog = Catalog::embedded().expect("the catalog");
    (
        Formations::new(&landscape(&catalog, sync_state), &catalog),
        catalog,
    )
}

#[test]
fn moving_and_enter_open_the_formation_under_the_cursor() {
    let (mut s, _) = screen("READY");
    assert_eq!(press(&mut s, KeyCode::Enter), Outcome::Open("f-eu".into()));
    assert_eq!(press(&mut s, KeyCode::Down), Outcome::Handled);
    assert_eq!(press(&mut s, KeyCode::Char('j')), Outcome::Handled);
    assert_eq!(
        press(&mut s, KeyCode::Down),
        Outcome::Handled,
        "stays on the last row"
    );
    assert_eq!(
        press(&mut s, KeyCode::Enter),
        Outcome::Open("f-draft".into())
    );
    press(&mut s, KeyCode::Char('k'));
    assert_eq!(s.selected().map(|r| r.id.as_str()), Some("f-us"));
}

#[test]
fn n_starts_the_wizard_and_esc_goes_back() {
    let (mut s, _) = screen("READY");
    assert_eq!(press(&mut s, KeyCode::Char('n')), Outcome::NewFormation);
    assert_eq!(press(&mut s, KeyCode::Esc), Outcome::Back);
}

#[test]
fn the_filter_narrows_and_esc_clears_it_before_going_back() {
    let (mut s, _) = screen("READY");
    press(&mut s, KeyCode::Char('/'));
    assert!(s.typing());
    for c in "draft".chars() {
        assert_eq!(
            press(&mut s, KeyCode::Char(c)),
            Outcome::Handled,
            "n and q are letters here"
        );
    }
    assert_eq!(s.visible().len(), 1);
    press(&mut s, KeyCode::Enter);
    assert!(!s.typing());
    assert_eq!(
        press(&mut s, KeyCode::Enter),
        Outcome::Open("f-draft".into())
    );
    assert_eq!(
        press(&mut s, KeyCode::Esc),
        Outcome::Handled,
        "the first Esc clears the filter"
    );
    assert_eq!(s.visible().len(), 3);
    assert_eq!(press(&mut s, KeyCode::Esc), Outcome::Back);
}

#[test]
fn polls_only_while_a_visible_formation_is_in_progress_and_backs_off() {
    let (s, _) = screen("READY");
    assert_eq!(s.poll_after(), None, "nothing in progress: no polling");
    let (mut s, catalog) = screen("INITIAL");
    assert_eq!(s.rows[1].status, "Synchronizing");
    let first = s.poll_after().expect("polls while Synchronizing");
    s.refresh(&landscape(&catalog, "INITIAL"), &catalog);
    let second = s.poll_after().expect("still polling");
    assert!(
        second > first,
        "backs off while nothing changes: {first:?} then {second:?}"
    );
    press(&mut s, KeyCode::Char('/'));
    for c in "eu".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    assert_eq!(
        s.poll_after(),
        None,
        "the formation in progress is filtered out of view"
    );
    press(&mut s, KeyCode::Esc);
    s.refresh(&landscape(&catalog, "READY"), &catalog);
    assert_eq!(s.poll_after(), None, "Ready: polling stops");
}

#[test]
fn a_refresh_keeps_the_cursor_on_the_same_formation() {
    let (mut s, catalog) = screen("INITIAL");
    press(&mut s, KeyCode::Down);
    s.refresh(&landscape(&catalog, "CREATE_ERROR"), &catalog);
    let r = s.selected().expect("a row");
    assert_eq!(r.id, "f-us");
    assert_eq!(r.status, "Error");
}

fn draw(s: &Formations) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("a test terminal");
    let theme = Theme::new(false, true);
    t.draw(|f| s.view(&theme, f, f.area())).expect("drawn");
    t
}

#[test]
fn formations_screen_80x24() {
    let (mut s, _) = screen("CREATE_ERROR");
    press(&mut s, KeyCode::Down);
    insta::assert_snapshot!("formations_80x24", draw(&s).backend());
}

/// Names that share their start, repeat, or take two columns a character: the issue's
/// "three identical rows" and "READ│".
fn crowded(catalog: &Catalog) -> Landscape {
    let json = serde_json::json!({
        "systems": [
            {"id": "s4-rocket", "name": "S/4HANA Cloud 🚀 Launch Team 3", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"]},
            {"id": "s4-tokyo", "name": "東京 生産 システム 24071", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"]},
            {"id": "tc-0", "name": "Task Center EU", "type": "SAP Task Center"}
        ],
        "formations": [
            {"id": "f-procurement-3", "name": "Integration with Task Center for Procurement 3", "type": "sap-task-center", "systems": ["tc-0"]},
            {"id": "f-procurement-1", "name": "Integration with Task Center for Procurement 1", "type": "sap-task-center", "systems": []},
            {"id": "f-procurement-2", "name": "Integration with Task Center for Procurement 2", "type": "sap-task-center", "systems": []},
            {"id": "2f6c1d9e-8a41-4b7e-9c3d-5e2f1a0b7c64", "name": "S/4HANA Cloud 🚀 Launch Team 3", "type": "sap-task-center", "systems": ["s4-rocket"]},
            {"id": "9b0e4a72-1c3f-4d8a-b6e5-0f7a2c9d1e38", "name": "S/4HANA Cloud 🚀 Launch Team 3", "type": "sap-task-center", "systems": ["s4-rocket"], "state": "DRAFT"},
            {"id": "f-tokyo", "name": "東京 生産 システム 24071", "type": "sap-start", "systems": ["s4-tokyo", "s4-rocket"],
             "assignments": {"s4-tokyo": {"state": "CREATE_ERROR", "error": "東京: the tenant rejected the configuration 🚀"}}}
        ]
    });
    Landscape::parse(json.to_string().as_bytes(), "test", catalog).expect("a valid landscape")
}

#[test]
fn long_repeated_and_wide_names_stay_apart_and_in_their_columns_80x24() {
    let catalog = Catalog::embedded().expect("the catalog");
    let mut s = Formations::new(&crowded(&catalog), &catalog);
    let names: Vec<&str> = s
        .visible()
        .iter()
        .map(|&i| s.rows[i].name.as_str())
        .collect();
    assert_eq!(
        names[..3],
        [
            "Integration with Task Center for Procurement 1",
            "Integration with Task Center for Procurement 2",
            "Integration with Task Center for Procurement 3"
        ],
        "sorted by name"
    );
    press(&mut s, KeyCode::End);
    let t = draw(&s);
    let buf = t.backend().buffer();
    let text: Vec<String> = (0..24)
        .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect())
        .collect();
    // Every row keeps both panes' borders where they are, whatever its characters.
    for y in 2..23 {
        let sym = |x: u16| buf[(x, y)].symbol().to_owned();
        assert_eq!(
            (sym(0), sym(47), sym(48), sym(79)),
            ("│".into(), "│".into(), "│".into(), "│".into()),
            "row {y}: {:?}",
            text[usize::from(y)]
        );
    }
    assert!(
        text.iter().any(|l| l.contains("ement 1")),
        "names cut in the middle keep their end: {text:#?}"
    );
    assert!(
        text.iter().any(|l| l.contains("2f6c1d9e")),
        "an id column tells repeated names apart: {text:#?}"
    );
    assert!(text[2].contains("Status"), "{}", text[2]);
    insta::assert_snapshot!("formations_crowded_80x24", t.backend());
}

#[test]
fn a_long_name_in_the_detail_pane_keeps_its_end() {
    let catalog = Catalog::embedded().expect("the catalog");
    let json = serde_json::json!({
        "systems": [],
        "formations": [
            {"id": "f-1", "name": "Side-by-Side Extensibility with Kyma 9985", "type": "kyma-side-by-side-extensibility", "systems": []}
        ]
    });
    let l = Landscape::parse(json.to_string().as_bytes(), "test", &catalog).expect("valid");
    let s = Formations::new(&l, &catalog);
    let mut t = Terminal::new(TestBackend::new(60, 16)).expect("a test terminal");
    let theme = Theme::new(false, true);
    t.draw(|f| s.view(&theme, f, f.area())).expect("drawn");
    let buf = t.backend().buffer();
    let detail: String = (0..16)
        .map(|y| {
            (37..60)
                .map(|x| buf[(x, y)].symbol().to_owned())
                .collect::<String>()
                + "\n"
        })
        .collect();
    assert!(detail.contains("9985"), "{detail}");
}

/// One formation of every type of the catalog, their names long and sharing their start
/// (so the id column shows too): the type column must tell every type from the others.
fn every_type(catalog: &Catalog) -> Landscape {
    let mut formations: Vec<serde_json::Value> = catalog
        .formation_types
        .iter()
        .enumerate()
        .map(|(k, t)| {
            serde_json::json!({
                "id": format!("f-{k:02}"),
                "name": format!("Integration of the Procurement Department {k}"),
                "type": t.id,
                "systems": []
            })
        })
        .collect();
    // One of them synchronizing: the widest status.
    formations[1]["systems"] = serde_json::json!(["s4-0"]);
    formations[1]["assignments"] = serde_json::json!({"s4-0": {"state": "INITIAL"}});
    let json = serde_json::json!({
        "systems": [{"id": "s4-0", "name": "S/4HANA Prod", "type": "SAP S/4HANA Cloud", "status": "Registered"}],
        "formations": formations
    });
    Landscape::parse(json.to_string().as_bytes(), "test", catalog).expect("a valid landscape")
}

#[test]
fn every_types_short_name_and_every_status_are_whole_at_80_columns() {
    let catalog = Catalog::embedded().expect("the catalog");
    let mut shorts: Vec<&str> = Vec::new();
    for t in &catalog.formation_types {
        let short = t
            .short_name
            .as_deref()
            .unwrap_or_else(|| short_type(&t.name));
        assert!(columns::width(short) <= 12, "{}: {short:?}", t.id);
        assert!(!shorts.contains(&short), "{short:?} twice");
        shorts.push(short);
    }
    let s = Formations::new(&every_type(&catalog), &catalog);
    assert!(s.rows.iter().any(|r| r.status == "Synchronizing"));
    let t = draw(&s);
    let buf = t.backend().buffer();
    let text: Vec<String> = (0..24)
        .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect())
        .collect();
    assert!(text[2].contains("Type"), "{text:#?}");
    for &i in s.visible() {
        let r = &s.rows[i];
        let line = text
            .iter()
            .find(|l| l.contains(&format!(" {}", r.id)))
            .unwrap_or_else(|| panic!("{} is on screen: {text:#?}", r.id));
        assert!(
            line.contains(&format!(" {} ", r.short_type())),
            "the type of {} whole: {line:?}",
            r.id
        );
        let status = if r.status == "Synchronizing" {
            "Syncing"
        } else {
            &r.status
        };
        assert!(
            line.contains(&format!(" {status} ")),
            "the status of {} whole: {line:?}",
            r.id
        );
        let number = r.name.rsplit(' ').next().unwrap_or_default();
        assert!(
            line.contains(" Integrati") && line.contains(&format!("ment {number} ")),
            "the name keeps its start and its end: {line:?}"
        );
    }
}

#[test]
fn a_type_without_a_short_name_keeps_its_distinctive_words() {
    assert_eq!(
        short_type("Integration with Customer-Managed SAP Task Center"),
        "Task Center"
    );
    assert_eq!(short_type("Side-by-Side Extensibility with Kyma"), "Kyma");
    assert_eq!(
        short_type("Data Ingestion for Industry Cloud Solutions"),
        "Data Ingestion"
    );
    assert_eq!(short_type("Eventing Between SAP Cloud Systems"), "Eventing");
    assert_eq!(short_type("Integration with SAP Start"), "Start");
}
