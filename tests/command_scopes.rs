//! The OAuth scopes each subcommand asks a service key's token for (issue 19 point 4): one
//! table in `cli::COMMAND_SCOPES`, checked here row by row against what the commands call
//! and the Director's scope table (director-behaviour.md §2.3, fact 11: Compass's issuer
//! grants only the scopes asked for, so a command asks for what it calls and no more).

use clap::{CommandFactory, Parser};
use formation_wizard::backend::Source;
use formation_wizard::cli::{COMMAND_SCOPES, Cli, scopes_of};

const READ: [&str; 3] = [
    "application:read",
    "formation:read",
    "formation_template:read",
];

/// The scopes of §2.3 a formation client can need.
const KNOWN: [&str; 6] = [
    "application:read",
    "formation:read",
    "formation_template:read",
    "formation:write",
    "application:write",
    "application.auths:read",
];

#[test]
fn every_subcommand_has_one_row_and_no_row_is_unknown() {
    let commands: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    for c in &commands {
        let rows = COMMAND_SCOPES.iter().filter(|(n, _)| n == c).count();
        assert_eq!(rows, 1, "{c} has {rows} rows");
    }
    for (name, scopes) in COMMAND_SCOPES {
        assert!(
            *name == "wizard" || commands.iter().any(|c| c == name),
            "{name} is no subcommand"
        );
        for s in *scopes {
            assert!(KNOWN.contains(s), "{name}: {s} is not a scope of §2.3");
        }
        let mut sorted = scopes.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), scopes.len(), "{name} names a scope twice");
    }
}

#[test]
fn reading_commands_ask_to_read_only() {
    for name in [
        "check",
        "systems",
        "export",
        "plan",
        "formations",
        "show",
        "status",
        "doctor",
    ] {
        assert_eq!(scopes_of(name), READ, "{name}");
    }
    assert_eq!(scopes_of("types"), ["formation_template:read"]);
    // Waiting for a system to connect reads its token (`auths`, sanitised without it).
    assert_eq!(
        scopes_of("wait"),
        [READ.as_slice(), &["application.auths:read"]].concat()
    );
}

#[test]
fn changing_commands_ask_to_write_formations_only() {
    for name in [
        "create", "assign", "unassign", "resync", "finalize", "delete", "apply", "recover",
    ] {
        assert_eq!(
            scopes_of(name),
            [READ.as_slice(), &["formation:write"]].concat(),
            "{name}"
        );
    }
}

#[test]
fn registration_asks_to_write_applications_and_token_to_read_tokens() {
    assert_eq!(
        scopes_of("register"),
        [READ.as_slice(), &["application:write"]].concat()
    );
    assert_eq!(
        scopes_of("token"),
        [
            READ.as_slice(),
            &["application:write", "application.auths:read"]
        ]
        .concat()
    );
    for tui in ["wizard", "manage"] {
        let s = scopes_of(tui);
        assert!(
            s.contains(&"formation:write") && s.contains(&"application:write"),
            "{tui}: {s:?}"
        );
    }
    assert!(scopes_of("sandbox").is_empty() && scopes_of("generate").is_empty());
}

/// The scopes the parsed command line hands to the Director client.
fn asked(argv: &[&str]) -> Vec<String> {
    let cli = Cli::try_parse_from(std::iter::once("formation-wizard").chain(argv.iter().copied()))
        .unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    match cli.effective_source().source() {
        Source::Director(d) => d.scopes,
        _ => panic!("{argv:?} is not a Director source"),
    }
}

#[test]
fn the_parsed_command_line_asks_for_its_rows_scopes_or_exactly_scopes() {
    let d = [
        "--director",
        "https://director.example/graphql",
        "--service-key",
        "key.json",
    ];
    let with = |cmd: &[&'static str]| -> Vec<&'static str> { [cmd, d.as_slice()].concat() };
    assert_eq!(asked(&with(&["formations"])), READ);
    assert_eq!(asked(&with(&["show", "TC EU"])), READ);
    assert_eq!(asked(&with(&["status", "TC EU", "--wait"])), READ);
    // `types` takes the Director options before it.
    assert_eq!(
        asked(&[d.as_slice(), &["types"]].concat()),
        ["formation_template:read"]
    );
    assert_eq!(
        asked(&with(&["assign", "TC EU", "--system", "s4-1"])),
        scopes_of("assign")
    );
    assert_eq!(asked(&with(&["token", "s4-1"])), scopes_of("token"));
    assert_eq!(
        asked(&with(&["wait", "s4-1", "--connected"])),
        scopes_of("wait")
    );
    // The Director options before the command count the same.
    assert_eq!(
        asked(&[d.as_slice(), &["delete", "TC EU"]].concat()),
        scopes_of("delete")
    );
    assert_eq!(asked(&d), scopes_of("wizard"));
    // --scopes replaces them, exactly.
    assert_eq!(
        asked(&with(&[
            "assign",
            "TC EU",
            "--system",
            "s4-1",
            "--scopes",
            "formation:write  x:y"
        ])),
        ["formation:write", "x:y"]
    );
}
