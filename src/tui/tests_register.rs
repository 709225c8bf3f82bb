//! The Register panel (issue 12): opened only on a row refused for its scenario group or
//! registration, requests a token with the type's group, copies it, counts down, renews an
//! expired one, and turns the row selectable when the watched system is connected.

use secrecy::SecretString;

use super::*;
use crate::backend::registration::{self as reg, IssuedToken};
use crate::landscape::{System, TokenInfo};
use crate::tui::msg::RegisterMsg;
use crate::tui::screens::register::{Stage, osc52};

/// The token the panel would copy.
fn token(m: &Model) -> Option<&str> {
    m.register.as_ref().and_then(|p| p.token())
}

const SECRET: &str = "tok-panel-0123456789abcdef0123456789abcdef";
const ALL: &str = "All Communication Scenarios";

fn issued(seconds: i64) -> IssuedToken {
    let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
    IssuedToken {
        system_id: "s4-sales".into(),
        token: SecretString::from(SECRET),
        connector_url: "https://connector.example/graphql".into(),
        expires_at: reg::rfc3339(at),
        scenario_groups: vec![ALL.into()],
    }
}

fn screen(m: &Model) -> String {
    draw(m, 80, 24).backend().to_string()
}

/// At the systems step, the panel open on s4-sales (refused: registered with SAP Start).
fn opened() -> Model {
    let mut m = at_systems();
    highlight_system(&mut m, "s4-sales");
    assert!(m.commands().iter().any(|h| h.keys == "r" && h.bar));
    assert!(key(&mut m, KeyCode::Char('r')).is_empty());
    m
}

fn with_token(seconds: i64) -> Model {
    let mut m = opened();
    assert_eq!(
        key(&mut m, KeyCode::Enter),
        vec![Cmd::RequestToken {
            system_id: "s4-sales".into(),
            groups: vec![ALL.into()],
        }]
    );
    let cmds = update(
        &mut m,
        Msg::Register(RegisterMsg::TokenIssued(Ok(issued(seconds)))),
    );
    assert_eq!(
        cmds,
        vec![Cmd::WatchSystem {
            system_id: "s4-sales".into(),
            after: std::time::Duration::from_secs(1),
        }]
    );
    m
}

fn sales(m: &Model, condition: &str, used: bool) -> System {
    let mut s = m
        .data
        .landscape
        .systems
        .iter()
        .find(|s| s.id == "s4-sales")
        .cloned()
        .unwrap();
    s.condition = Some(condition.into());
    s.latest_token = Some(TokenInfo {
        scenario_groups: vec![reg::group_piece(&m.data.ctx.catalog, ALL)],
        requested_at: Some(reg::now_rfc3339()),
        used,
        tied: Vec::new(),
    });
    s
}

#[test]
fn the_key_opens_the_panel_only_on_a_row_refused_for_its_group_or_registration() {
    let mut m = at_systems();
    highlight_system(&mut m, "s4-prod");
    assert!(
        !m.commands().iter().any(|h| h.keys == "r"),
        "selectable row"
    );
    key(&mut m, KeyCode::Char('r'));
    assert!(m.register.is_none());
    key(&mut m, KeyCode::Home);
    highlight_system(&mut m, "tc-us");
    assert!(
        !m.commands().iter().any(|h| h.keys == "r"),
        "refused for another rule"
    );

    let m = opened();
    let panel = m.register.as_ref().unwrap();
    assert_eq!(
        panel.groups,
        vec![ALL.to_owned()],
        "the group of the type's rule"
    );
    assert!(matches!(panel.stage, Stage::Intro));
    assert!(screen(&m).contains("Register"), "{}", screen(&m));
    assert!(m.commands().iter().any(|h| h.keys == "Enter" && h.bar));
}

#[test]
fn the_token_is_shown_with_its_expiry_and_copied_on_request() {
    let mut m = with_token(3600);
    let shown = screen(&m);
    assert!(shown.contains(SECRET), "{shown}");
    assert!(
        shown.contains("Expires in 59:") || shown.contains("Expires in 60:"),
        "{shown}"
    );
    assert!(shown.contains("Maintain Extensions on SAP BTP"), "{shown}");
    assert_eq!(key(&mut m, KeyCode::Char('c')), vec![Cmd::CopyToken]);
    assert_eq!(token(&m), Some(SECRET));
    assert!(screen(&m).contains("(copied)"));
    assert_eq!(osc52("abc"), "\x1b]52;c;YWJj\x07");
    assert!(
        !format!("{:?}", m.register).contains(SECRET),
        "Debug shows no token"
    );
}

/// Issue 23, Why 8: the clipboard never gets what the panel does not show. A token with
/// control characters (ESC, BEL, a bidi override) is shown neutralised and not copied.
#[test]
fn why23_8_a_token_with_control_characters_is_not_copied() {
    let mut m = opened();
    key(&mut m, KeyCode::Enter);
    let hostile = "tok\x1b]0;pwned\x07en\u{202e}";
    let raw = IssuedToken {
        token: SecretString::from(hostile),
        ..issued(3600)
    };
    update(&mut m, Msg::Register(RegisterMsg::TokenIssued(Ok(raw))));
    assert_eq!(
        token(&m),
        None,
        "no OSC 52 payload for a token not shown as it is"
    );
    assert!(
        key(&mut m, KeyCode::Char('c')).is_empty(),
        "c asks the runtime for no copy"
    );
    let shown = screen(&m);
    assert!(shown.contains("not copied"), "{shown}");
    assert!(!shown.contains("(copied)"), "{shown}");
}

#[test]
fn a_token_wider_than_the_panel_says_how_to_get_it_whole() {
    let m = with_token(3600);
    assert!(
        !screen(&m).contains("Wider than this window"),
        "a short token fits"
    );
    // Real tokens (base64 of the connector URL and the token) run to hundreds of characters.
    let mut m = opened();
    key(&mut m, KeyCode::Enter);
    let long = IssuedToken {
        token: SecretString::from("eyJ0b2tlbiI6".repeat(12)),
        ..issued(3600)
    };
    update(&mut m, Msg::Register(RegisterMsg::TokenIssued(Ok(long))));
    let shown = screen(&m);
    assert!(shown.contains("Wider than this window"), "{shown}");
    assert!(shown.contains("c copies it whole"), "{shown}");
}

#[test]
fn an_expired_token_leaves_the_screen_and_can_be_renewed() {
    let mut m = with_token(-1);
    update(&mut m, Msg::Tick);
    assert!(matches!(m.register.as_ref().unwrap().stage, Stage::Expired));
    assert!(!screen(&m).contains(SECRET));
    assert_eq!(token(&m), None);
    assert!(
        key(&mut m, KeyCode::Char('c')).is_empty(),
        "nothing to copy"
    );
    assert_eq!(
        key(&mut m, KeyCode::Char('n')),
        vec![Cmd::RequestToken {
            system_id: "s4-sales".into(),
            groups: vec![ALL.into()],
        }]
    );
}

#[test]
fn the_row_turns_selectable_when_the_watched_system_is_connected_with_the_group() {
    let mut m = with_token(3600);
    assert!(!candidate(&m, "s4-sales").selectable);
    // Token requested, not used yet: keep watching, a little later each time.
    let waiting = sales(&m, "INITIAL", false);
    let cmds = update(
        &mut m,
        Msg::Register(RegisterMsg::SystemSeen(Ok(Box::new(waiting)))),
    );
    assert_eq!(
        cmds,
        vec![Cmd::WatchSystem {
            system_id: "s4-sales".into(),
            after: std::time::Duration::from_secs(2),
        }]
    );
    assert!(!candidate(&m, "s4-sales").selectable);

    let connected = sales(&m, "CONNECTED", true);
    let cmds = update(
        &mut m,
        Msg::Register(RegisterMsg::SystemSeen(Ok(Box::new(connected)))),
    );
    assert!(cmds.is_empty(), "watching stops: {cmds:?}");
    assert!(candidate(&m, "s4-sales").selectable);
    assert!(m.register.as_ref().unwrap().connected);
    assert!(m.flash.as_deref().unwrap().contains("can be selected now"));
}

#[test]
fn closing_the_panel_clears_the_token_and_drops_late_answers() {
    let mut m = with_token(3600);
    key(&mut m, KeyCode::Esc);
    assert!(m.register.is_none());
    assert!(!screen(&m).contains(SECRET));
    assert!(
        matches!(m.step, Step::Systems(_)),
        "Esc closed only the panel"
    );
    let late = update(
        &mut m,
        Msg::Register(RegisterMsg::TokenIssued(Ok(issued(3600)))),
    );
    assert!(late.is_empty() && m.register.is_none());
    assert!(!screen(&m).contains(SECRET), "a late token is not shown");
}

/// The user closes the panel to paste the token in SAP S/4HANA Cloud: the system is still
/// watched, and its row turns selectable when it connects, without the panel.
#[test]
fn a_closed_panel_still_watches_the_system_until_it_is_connected() {
    let mut m = with_token(3600);
    key(&mut m, KeyCode::Esc);
    key(&mut m, KeyCode::Char('j'));
    let seen = sales(&m, "INITIAL", false);
    let cmds = update(
        &mut m,
        Msg::Register(RegisterMsg::SystemSeen(Ok(Box::new(seen)))),
    );
    assert_eq!(
        cmds,
        vec![Cmd::WatchSystem {
            system_id: "s4-sales".into(),
            after: std::time::Duration::from_secs(2),
        }],
        "not connected yet: another look later"
    );
    assert!(m.register.is_none(), "the panel stays closed");
    assert!(!candidate(&m, "s4-sales").selectable);
    let connected = sales(&m, "CONNECTED", true);
    let cmds = update(
        &mut m,
        Msg::Register(RegisterMsg::SystemSeen(Ok(Box::new(connected)))),
    );
    assert!(cmds.is_empty(), "watching ends: {cmds:?}");
    assert!(m.watching.is_none());
    assert!(candidate(&m, "s4-sales").selectable);
    let flash = m.flash.clone().unwrap_or_default();
    assert!(flash.contains("can be selected now"), "{flash}");
}

#[test]
fn watching_after_close_ends_when_the_token_has_expired() {
    let mut m = with_token(0);
    key(&mut m, KeyCode::Esc);
    let seen = sales(&m, "INITIAL", false);
    let cmds = update(
        &mut m,
        Msg::Register(RegisterMsg::SystemSeen(Ok(Box::new(seen)))),
    );
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(m.watching.is_none());
}

#[test]
fn snapshot_register_panel_80x24() {
    let mut m = with_token(3600);
    if let Some(p) = &mut m.register
        && let Stage::Token { left, .. } = &mut p.stage
    {
        *left = 3599;
    }
    insta::assert_snapshot!("register_panel_80x24", screen(&m));
}

#[test]
fn a_new_system_is_entered_checked_registered_and_continues_to_its_token() {
    let mut m = at_systems();
    key(&mut m, KeyCode::Char('x'));
    assert!(m.commands().iter().any(|h| h.keys == "a" && h.bar));
    assert!(key(&mut m, KeyCode::Char('a')).is_empty());
    let panel = m.register.as_ref().unwrap();
    assert_eq!(panel.system_type, "SAP S/4HANA Cloud");
    assert!(matches!(panel.stage, Stage::New(_)));
    assert!(m.typing(), "q is a letter in the form");

    // Checked before sending: an empty name is refused on the panel.
    assert!(key(&mut m, KeyCode::Enter).is_empty());
    assert!(
        screen(&m).contains("the system needs a name"),
        "{}",
        screen(&m)
    );
    typed(&mut m, "Quality New");
    let cmds = key(&mut m, KeyCode::Enter);
    assert_eq!(
        cmds,
        vec![Cmd::RegisterSystem(reg::NewSystem {
            name: "Quality New".into(),
            system_type: "SAP S/4HANA Cloud".into(),
            description: None,
        })]
    );
    assert!(m.exit.is_none(), "q did not quit");

    let new = System {
        id: "sys-new".into(),
        name: "Quality New".into(),
        system_type: "SAP S/4HANA Cloud".into(),
        condition: Some("INITIAL".into()),
        ..System::default()
    };
    let cmds = update(
        &mut m,
        Msg::Register(RegisterMsg::Registered(Ok(Box::new(new)))),
    );
    assert!(cmds.is_empty());
    assert!(!candidate(&m, "sys-new").selectable, "not registered yet");
    assert!(matches!(m.register.as_ref().unwrap().stage, Stage::Intro));
    assert_eq!(
        key(&mut m, KeyCode::Enter),
        vec![Cmd::RequestToken {
            system_id: "sys-new".into(),
            groups: vec![ALL.into()],
        }]
    );
}

#[test]
fn a_refused_registration_returns_to_the_form_with_the_servers_reason() {
    let mut m = at_systems();
    key(&mut m, KeyCode::Char('a'));
    typed(&mut m, "Dup");
    key(&mut m, KeyCode::Enter);
    update(
        &mut m,
        Msg::Register(RegisterMsg::Registered(Err(Failure {
            message: "Object name is not unique [object=application]".into(),
            code: 3,
        }))),
    );
    assert!(matches!(m.register.as_ref().unwrap().stage, Stage::New(_)));
    assert!(screen(&m).contains("not unique"), "{}", screen(&m));
}

/// Issue 20: the system read again while the panel is open (connected, with the group)
/// rebuilds the table; the cursor stays on its row when the panel closes, and the row's
/// Groups and Status are the ones just read, not the file's old ones.
#[test]
fn the_cursor_stays_on_its_row_and_its_groups_are_read_again_after_the_panel() {
    let mut m = with_token(3600);
    let connected = sales(&m, "CONNECTED", true);
    update(
        &mut m,
        Msg::Register(RegisterMsg::SystemSeen(Ok(Box::new(connected)))),
    );
    key(&mut m, KeyCode::Esc);
    assert!(m.register.is_none());
    let Step::Systems(s) = &m.step else {
        panic!("not on the Systems step");
    };
    assert_ne!(s.highlight(), 0, "not back at the top");
    let here = s.highlighted(&m.data).map(|c| c.id);
    assert_eq!(here.as_deref(), Some("s4-sales"));
    let pos = m.data.landscape.position("s4-sales").unwrap();
    let [_, _, status, groups, _] = m.data.cells(pos);
    assert_eq!(groups, ALL, "the group of its latest token");
    assert_eq!(status, "CONNECTED");
    assert!(screen(&m).contains("All Commun"), "{}", screen(&m));
}
