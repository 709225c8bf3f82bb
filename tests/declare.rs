//! Formations as code, planned purely: export round trips, every kind of step, the order of
//! a Task Center move, refusals and unresolved selectors; and, with the local backend, that
//! an applied random file leaves a landscape that satisfies every rule and plans no change.

use clap::Parser;
use formation_wizard::backend::Source;
use formation_wizard::catalog::Catalog;
use formation_wizard::cli::Cli;
use formation_wizard::declare::{self, Plan, Step};
use formation_wizard::landscape::Landscape;
use formation_wizard::plan::FormationPlan;
use formation_wizard::rules::{self, RuleKind};
use proptest::prelude::*;
use serde_json::{Value, json};

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn s4(id: &str, name: &str, number: &str) -> Value {
    json!({"id": id, "name": name, "type": "SAP S/4HANA Cloud", "status": "Registered",
           "scenario_groups": ["All Communication Scenarios"], "system_number": number})
}

fn tc(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "type": "SAP Task Center"})
}

/// Task Centers A, B, C; S/4 One, Two, Three; "TC A" = {A, One, Three}, "TC B" = {B, Two}.
fn base() -> Value {
    json!({
        "systems": [tc("tc-a", "Task Center A"), tc("tc-b", "Task Center B"), tc("tc-c", "Task Center C"),
                    s4("s4-1", "S4 One", "0000001"), s4("s4-2", "S4 Two", "0000002"), s4("s4-3", "S4 Three", "0000003")],
        "formations": [
            {"id": "f-a", "name": "TC A", "type": "sap-task-center", "systems": ["tc-a", "s4-1", "s4-3"]},
            {"id": "f-b", "name": "TC B", "type": "sap-task-center", "systems": ["tc-b", "s4-2"]}
        ]
    })
}

fn landscape(v: &Value) -> Landscape {
    Landscape::parse(v.to_string().as_bytes(), "test", &catalog()).unwrap()
}

fn file(body: &str) -> String {
    format!("[defaults]\ntype = \"sap-task-center\"\n{body}")
}

fn formation(name: &str, systems: &[&str]) -> String {
    let list: Vec<String> = systems
        .iter()
        .map(|s| format!("{{ name = \"{s}\" }}"))
        .collect();
    format!(
        "\n[[formation]]\nname = \"{name}\"\nsystems = [{}]\n",
        list.join(", ")
    )
}

fn plan_of(text: &str, l: &Landscape, prune: bool) -> Plan {
    let parsed = declare::parse(text, "f.toml").unwrap();
    declare::plan(&parsed, l, &catalog(), prune).unwrap_or_else(|e| panic!("{e:?}"))
}

const A: [&str; 3] = ["Task Center A", "S4 One", "S4 Three"];
const B: [&str; 2] = ["Task Center B", "S4 Two"];

fn assign(f: &str, fid: &str, s: &str) -> Step {
    Step::Assign {
        formation: f.into(),
        formation_id: fid.into(),
        system: s.into(),
    }
}

fn unassign(f: &str, fid: &str, s: &str) -> Step {
    Step::Unassign {
        formation: f.into(),
        formation_id: fid.into(),
        system: s.into(),
    }
}

#[test]
fn export_then_plan_shows_no_changes_even_with_other_ids() {
    let c = catalog();
    let l = landscape(&base());
    let text = declare::export::export(&l, &c, &[], "test").unwrap();
    let plan = plan_of(&text, &l, true);
    assert!(plan.is_valid() && !plan.has_changes(), "{plan:?}\n{text}");

    // Another global account: every id differs, the names are the same.
    let moved = base()
        .to_string()
        .replace("\"tc-", "\"x-tc-")
        .replace("\"s4-", "\"x-s4-")
        .replace("\"f-", "\"x-f-");
    let other = landscape(&serde_json::from_str(&moved).unwrap());
    assert_eq!(other.systems[0].id, "x-tc-a");
    let plan = plan_of(&text, &other, true);
    assert!(plan.is_valid() && !plan.has_changes(), "{plan:?}");
}

#[test]
fn export_gives_a_unique_selector_to_a_repeated_name_and_escapes_what_a_terminal_would_act_on() {
    let c = catalog();
    let mut v = base();
    v["systems"]
        .as_array_mut()
        .unwrap()
        .push(s4("s4-dup", "S4 One", "0000001"));
    v["systems"][4]["name"] = json!("S4 \u{202E}Two\"");
    let l = landscape(&v);
    let text = declare::export::export(&l, &c, &["TC A".into(), "TC B".into()], "test").unwrap();
    assert!(
        text.contains("{ id = \"s4-1\", name = \"S4 One\""),
        "{text}"
    );
    assert!(
        text.contains("\\u202E") && !text.contains('\u{202E}'),
        "{text}"
    );
    let plan = plan_of(&text, &l, false);
    assert!(plan.is_valid() && !plan.has_changes(), "{plan:?}\n{text}");
    let e = declare::export::export(&l, &c, &["Nope".into()], "test").unwrap_err();
    assert!(e.contains("\"Nope\""), "{e}");
}

#[test]
fn plans_create_assign_and_unassign() {
    let l = landscape(&base());
    let text = file(
        &(formation("TC A", &A)
            + &formation("TC B", &B)
            + &formation("TC C", &["Task Center C", "S4 Three"])),
    );
    let plan = plan_of(&text, &l, false);
    assert_eq!(
        plan.steps,
        vec![Step::Create {
            formation: "TC C".into(),
            type_id: "sap-task-center".into(),
            systems: vec!["tc-c".into(), "s4-3".into()]
        }]
    );
    assert!(plan.is_valid(), "{plan:?}");

    let text = file(
        &(formation("TC A", &["Task Center A", "S4 One"])
            + &formation("TC B", &["Task Center B", "S4 Two", "S4 Three"])),
    );
    let plan = plan_of(&text, &l, false);
    assert_eq!(
        plan.steps,
        vec![
            unassign("TC A", "f-a", "s4-3"),
            assign("TC B", "f-b", "s4-3")
        ]
    );
    assert!(plan.is_valid(), "{plan:?}");
}

#[test]
fn formations_not_in_the_file_are_deleted_only_with_prune_after_their_systems_are_unassigned() {
    let l = landscape(&base());
    let text = file(&formation("TC A", &A));
    let kept = plan_of(&text, &l, false);
    assert!(
        !kept.has_changes() && kept.unmanaged == vec!["TC B".to_owned()],
        "{kept:?}"
    );
    let pruned = plan_of(&text, &l, true);
    assert_eq!(
        pruned.steps,
        vec![
            unassign("TC B", "f-b", "tc-b"),
            unassign("TC B", "f-b", "s4-2"),
            Step::Delete {
                formation: "TC B".into(),
                formation_id: "f-b".into()
            }
        ]
    );
    let text = declare::report::plan_text(&pruned, &l, &catalog(), "f.toml");
    assert!(
        text.contains("- delete \"TC B\"") && text.contains("~ unassign \"Task Center B\""),
        "{text}"
    );
}

#[test]
fn a_task_center_moved_between_formations_is_unassigned_before_it_is_assigned() {
    let l = landscape(&base());
    // TC A takes B's Task Center; TC B takes C.
    let text = file(
        &(formation("TC A", &["Task Center B", "S4 One", "S4 Three"])
            + &formation("TC B", &["Task Center C", "S4 Two"])),
    );
    let plan = plan_of(&text, &l, false);
    assert!(plan.is_valid(), "{plan:?}");
    let pos = |s: &Step| plan.steps.iter().position(|x| x == s).unwrap();
    assert!(
        pos(&unassign("TC B", "f-b", "tc-b")) < pos(&assign("TC A", "f-a", "tc-b")),
        "{:?}",
        plan.steps
    );
    assert!(
        pos(&unassign("TC A", "f-a", "tc-a")) < pos(&assign("TC A", "f-a", "tc-b")),
        "{:?}",
        plan.steps
    );
    assert_eq!(plan.steps.len(), 4);

    // A new formation takes A's Task Center, A takes C.
    let text = file(
        &(formation("TC A", &["Task Center C", "S4 One"])
            + &formation("TC B", &B)
            + &formation("TC New", &["Task Center A", "S4 Three"])),
    );
    let plan = plan_of(&text, &l, false);
    assert!(plan.is_valid(), "{plan:?}");
    let create = plan
        .steps
        .iter()
        .position(|s| matches!(s, Step::Create { .. }))
        .unwrap();
    assert!(
        pos(&unassign("TC A", "f-a", "tc-a")) < create,
        "{:?}",
        plan.steps
    );
}

#[test]
fn two_formations_claiming_one_task_center_are_refused_with_the_reason() {
    let l = landscape(&base());
    let text = file(
        &(formation("TC A", &A)
            + &formation("TC B", &B)
            + &formation("TC X", &["Task Center C", "S4 One"])
            + &formation("TC Y", &["Task Center C", "S4 Two"])),
    );
    let plan = plan_of(&text, &l, false);
    assert!(!plan.is_valid());
    let rules: Vec<RuleKind> = plan.violations.iter().map(|v| v.finding.rule).collect();
    assert!(
        rules.contains(&RuleKind::SystemInOtherFormationOfType),
        "{plan:?}"
    );
    assert!(
        plan.violations.iter().all(|v| v.finding.touches("tc-c")),
        "{plan:?}"
    );

    // A Task Center held by a formation the file does not mention (and does not prune).
    let text = file(&(formation("TC A", &A) + &formation("TC Y", &["Task Center B", "S4 Two"])));
    let plan = plan_of(&text, &l, false);
    assert!(!plan.is_valid(), "{plan:?}");
    let shown = declare::report::plan_text(&plan, &l, &catalog(), "f.toml");
    assert!(
        shown.contains("nothing can be applied")
            && shown.contains("system_in_other_formation_of_type"),
        "{shown}"
    );

    // A type cannot change.
    let text = format!(
        "{}{}",
        formation("TC A", &A).replace("[[formation]]", "[[formation]]\ntype = \"sap-start\""),
        formation("TC B", &B)
    );
    let plan = plan_of(&file(&text), &l, false);
    assert!(
        plan.conflicts
            .iter()
            .any(|c| c.contains("type cannot change")),
        "{plan:?}"
    );
}

#[test]
fn unresolved_and_ambiguous_selectors_name_the_candidates() {
    let mut v = base();
    v["systems"]
        .as_array_mut()
        .unwrap()
        .push(s4("s4-dup", "S4 One", "0000009"));
    let l = landscape(&v);
    let text = file(
        "\n[[formation]]\nname = \"TC A\"\nsystems = [\n  { name = \"Task Center A\" },\n  { name = \"S4 One\" },\n  { name = \"s4 two\" },\n  { type = \"SAP S/4HANA Cloud\", name_pattern = \"Nothing*\" },\n]\n",
    );
    let parsed = declare::parse(&text, "f.toml").unwrap();
    let problems = declare::plan(&parsed, &l, &catalog(), false).unwrap_err();
    assert_eq!(problems.len(), 3, "{problems:?}");
    let ambiguous = &problems[0];
    assert!(
        ambiguous.message.contains("matches 2 systems") && ambiguous.line == 8,
        "{ambiguous:?}"
    );
    assert!(
        ambiguous.candidates.iter().any(|c| c.contains("s4-1"))
            && ambiguous.candidates.iter().any(|c| c.contains("s4-dup"))
    );
    let missing = &problems[1];
    assert!(
        missing.message.contains("matches no system") && missing.candidates[0].contains("S4 Two"),
        "{missing:?}"
    );
    assert!(problems[2].message.contains("matches no system"));
    assert!(problems[0].to_string().contains("formation \"TC A\""));

    // Picking the one meant: the system number; a pattern takes every match.
    let text = file(
        "\n[[formation]]\nname = \"TC A\"\nsystems = [{ name = \"Task Center A\" }, { name = \"S4 One\", system_number = \"0000001\" }, { type = \"SAP S/4HANA Cloud\", name_pattern = \"S4 Th*\" }]\n",
    );
    let plan = plan_of(&text, &l, false);
    assert!(plan.is_valid() && !plan.has_changes(), "{plan:?}");

    let parsed =
        declare::parse("[[formation]]\nname = \"X\"\ntype = \"nope\"\n", "f.toml").unwrap();
    let problems = declare::plan(&parsed, &l, &catalog(), false).unwrap_err();
    assert!(
        problems[0]
            .message
            .contains("unknown formation type \"nope\""),
        "{problems:?}"
    );
}

// ---- apply on a local file, through the command as the binary runs it ----

/// Runs a command as the binary would parse it, in this process.
fn run(landscape: &std::path::Path, args: &[&str]) -> u8 {
    let mut argv = vec![
        "formation-wizard",
        "--landscape",
        landscape.to_str().unwrap(),
    ];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).unwrap();
    let source = cli.effective_source();
    let command = cli.command.unwrap();
    assert!(matches!(source.source(), Source::File(_)));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(formation_wizard::commands::run(
        &command,
        &source,
        &catalog(),
    ))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn apply(file: &std::path::Path, landscape: &std::path::Path, prune: bool) -> u8 {
    let file = file.to_str().unwrap();
    let mut args = vec!["apply", file, "--yes"];
    if prune {
        args.push("--prune");
    }
    run(landscape, &args)
}

fn detailed_plan(file: &std::path::Path, landscape: &std::path::Path, prune: bool) -> u8 {
    let file = file.to_str().unwrap();
    let mut args = vec!["plan", file, "--detailed-exitcode", "--format", "json"];
    if prune {
        args.push("--prune");
    }
    run(landscape, &args)
}

/// Every formation checked against all the others: no rule broken anywhere.
fn every_rule_holds(l: &Landscape, c: &Catalog) -> Result<(), String> {
    for f in &l.formations {
        let others = Landscape::from_parts(
            None,
            l.user.clone(),
            l.systems.clone(),
            l.formations
                .iter()
                .filter(|o| o.id != f.id)
                .cloned()
                .collect(),
            c,
        )?;
        let plan = FormationPlan {
            name: f.name.clone(),
            type_id: f.type_id.clone(),
            systems: f.systems.clone(),
        };
        let report = rules::evaluate(&plan, &others, c);
        if !report.valid {
            return Err(format!("{}: {:?}", f.name, report.violations));
        }
    }
    Ok(())
}

#[test]
fn apply_twice_on_a_file_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("landscape.json");
    std::fs::write(&path, base().to_string()).unwrap();
    let file = dir.path().join("formations.toml");
    std::fs::write(
        &file,
        self::file(
            &(formation("TC A", &["Task Center B", "S4 One"])
                + &formation("TC New", &["Task Center A", "S4 Two", "S4 Three"])),
        ),
    )
    .unwrap();
    let src = path.clone();
    assert_eq!(detailed_plan(&file, &src, true), 2);
    assert_eq!(apply(&file, &src, true), 0);
    let after = std::fs::read(&path).unwrap();
    let l = Landscape::load(&path, &catalog()).unwrap();
    every_rule_holds(&l, &catalog()).unwrap();
    let names: Vec<&str> = l.formations.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["TC A", "TC New"]);
    assert_eq!(l.formation_named("TC A").unwrap().systems, ["s4-1", "tc-b"]);

    assert_eq!(apply(&file, &src, true), 0);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        after,
        "the second apply changed the file"
    );
    assert_eq!(detailed_plan(&file, &src, true), 0);
}

#[test]
fn a_refused_plan_changes_nothing_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("landscape.json");
    std::fs::write(&path, base().to_string()).unwrap();
    let file = dir.path().join("formations.toml");
    std::fs::write(
        &file,
        self::file(
            &(formation("TC X", &["Task Center C", "S4 One"])
                + &formation("TC Y", &["Task Center C", "S4 Two"])),
        ),
    )
    .unwrap();
    let before = std::fs::read(&path).unwrap();
    let src = path.clone();
    assert_eq!(apply(&file, &src, false), 1);
    assert_eq!(detailed_plan(&file, &src, false), 1);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    std::fs::write(
        &file,
        self::file("\n[[formation]]\nname = \"TC A\"\nsystems = [{ name = \"Nobody\" }]\n"),
    )
    .unwrap();
    assert_eq!(
        detailed_plan(&file, &src, false),
        1,
        "unresolved with --detailed-exitcode"
    );
}

// ---- the property ----

#[derive(Debug, Clone)]
struct World {
    /// Per S/4 system: registered with the right group.
    s4_ok: Vec<bool>,
    tcs: usize,
    /// Existing formations: (task center index, S/4 indexes).
    existing: Vec<(usize, Vec<usize>)>,
    /// The file: (name index, task center indexes, S/4 indexes).
    wanted: Vec<(usize, Vec<usize>, Vec<usize>)>,
}

fn world() -> impl Strategy<Value = World> {
    (
        1usize..4,
        prop::collection::vec(prop::bool::weighted(0.8), 1..5),
    )
        .prop_flat_map(|(tcs, s4_ok)| {
            let n = s4_ok.len();
            let existing = prop::collection::vec((0..tcs, prop::collection::vec(0..n, 1..3)), 0..3);
            let wanted = prop::collection::vec(
                (
                    0usize..4,
                    prop::collection::vec(0..tcs, 0..3),
                    prop::collection::vec(0..n, 0..3),
                ),
                0..4,
            );
            (Just(tcs), Just(s4_ok), existing, wanted).prop_map(|(tcs, s4_ok, existing, wanted)| {
                World {
                    s4_ok,
                    tcs,
                    existing,
                    wanted,
                }
            })
        })
}

impl World {
    fn landscape(&self) -> Value {
        let mut systems: Vec<Value> = (0..self.tcs)
            .map(|i| tc(&format!("tc-{i}"), &format!("Task Center {i}")))
            .collect();
        for (i, ok) in self.s4_ok.iter().enumerate() {
            let mut s = s4(&format!("s4-{i}"), &format!("S4 {i}"), &format!("{i:07}"));
            if !ok {
                s["status"] = json!("Error while Registering");
            }
            systems.push(s);
        }
        // Existing formations, kept only while valid so the start is a real landscape.
        let c = catalog();
        let mut formations: Vec<Value> = Vec::new();
        for (i, (t, members)) in self.existing.iter().enumerate() {
            let mut ids = vec![format!("tc-{t}")];
            ids.extend(members.iter().map(|m| format!("s4-{m}")));
            ids.dedup();
            let mut candidate = formations.clone();
            candidate.push(json!({"id": format!("f-{i}"), "name": format!("Old {i}"), "type": "sap-task-center", "systems": ids}));
            let l = Landscape::parse(
                json!({"systems": systems, "formations": candidate})
                    .to_string()
                    .as_bytes(),
                "w",
                &c,
            )
            .unwrap();
            if every_rule_holds(&l, &c).is_ok() {
                formations = candidate;
            }
        }
        json!({"systems": systems, "formations": formations})
    }

    fn file(&self) -> String {
        let mut out = file("");
        let mut seen = Vec::new();
        for (name, tcs, s4s) in &self.wanted {
            let name = if *name < 2 {
                format!("Old {name}")
            } else {
                format!("New {name}")
            };
            if seen.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            let mut systems: Vec<String> = tcs.iter().map(|t| format!("Task Center {t}")).collect();
            systems.extend(s4s.iter().map(|s| format!("S4 {s}")));
            let refs: Vec<&str> = systems.iter().map(String::as_str).collect();
            out.push_str(&formation(&name, &refs));
        }
        out
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn after_a_successful_apply_every_rule_holds_and_nothing_is_left_to_plan(w in world()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("landscape.json");
        std::fs::write(&path, w.landscape().to_string()).unwrap();
        let file = dir.path().join("formations.toml");
        std::fs::write(&file, w.file()).unwrap();
        let src = path.clone();
        let before = std::fs::read(&path).unwrap();
        let code = apply(&file, &src, true);
        if code == 0 {
            let l = Landscape::load(&path, &catalog()).unwrap();
            prop_assert!(every_rule_holds(&l, &catalog()).is_ok(), "{:?}", every_rule_holds(&l, &catalog()));
            prop_assert_eq!(detailed_plan(&file, &src, true), 0);
        } else {
            prop_assert_eq!(code, 1);
            prop_assert_eq!(std::fs::read(&path).unwrap(), before, "a refused plan changed the file");
        }
    }
}
