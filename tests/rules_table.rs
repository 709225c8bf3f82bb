//! Table-driven tests: one row per rule kind and boundary case, on `tests/fixtures/rules.json`.

use formation_wizard::catalog::Catalog;
use formation_wizard::landscape::Landscape;
use formation_wizard::plan::FormationPlan;
use formation_wizard::rules::{self, Report, RuleKind};

fn fixture(name: &str) -> (Landscape, Catalog) {
    let catalog = Catalog::embedded().unwrap();
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let landscape = Landscape::load(std::path::Path::new(&path), &catalog).unwrap();
    (landscape, catalog)
}

fn check(file: &str, name: &str, type_key: &str, systems: &[&str]) -> Report {
    let (landscape, catalog) = fixture(file);
    let systems: Vec<String> = systems.iter().map(|s| s.to_string()).collect();
    let plan = FormationPlan::resolve(name, type_key, &systems, &landscape, &catalog).unwrap();
    rules::evaluate(&plan, &landscape, &catalog)
}

const TC: &str = "Integration with Customer-Managed SAP Task Center";

struct Row {
    case: &'static str,
    file: &'static str,
    name: String,
    type_key: &'static str,
    systems: &'static [&'static str],
    /// The violation kinds expected, in any order; empty means valid.
    violations: &'static [RuleKind],
    warnings: &'static [RuleKind],
    /// A word each violation's message must contain (names the thing at fault).
    mentions: &'static [&'static str],
}

fn row(
    case: &'static str,
    name: &str,
    systems: &'static [&'static str],
    violations: &'static [RuleKind],
) -> Row {
    Row {
        case,
        file: "rules.json",
        name: name.to_owned(),
        type_key: TC,
        systems,
        violations,
        warnings: &[],
        mentions: &[],
    }
}

fn rows() -> Vec<Row> {
    use RuleKind::*;
    let ok: &[&str] = &["tc-free", "s4-ok"];
    vec![
        row("a valid Task Center formation", "TC EU", ok, &[]),
        row("empty name", "", ok, &[NameSyntax]),
        row(
            "name with a forbidden character",
            "TC!EU",
            ok,
            &[NameSyntax],
        ),
        row(
            "name with a non-Latin letter",
            "TC Zürich",
            ok,
            &[NameSyntax],
        ),
        row("name starting with a space", " TC", ok, &[NameSyntax]),
        row("name ending with a hyphen", "TC-", ok, &[NameSyntax]),
        row(
            "hyphen, underscore, space inside are fine",
            "TC_EU-1 a",
            ok,
            &[],
        ),
        row("128 characters is the limit", &"a".repeat(128), ok, &[]),
        row(
            "129 characters is too long",
            &"a".repeat(129),
            ok,
            &[NameLength],
        ),
        Row {
            mentions: &["Legacy TC"],
            ..row(
                "a formation with exactly this name exists",
                "Legacy TC",
                ok,
                &[NameUnique],
            )
        },
        Row {
            warnings: &[NameSimilar],
            ..row(
                "a name that differs only in case warns",
                "legacy tc",
                ok,
                &[],
            )
        },
        Row {
            file: "viewer.json",
            mentions: &["viewer@test.example"],
            ..row("a viewer-only user may not create", "TC EU", ok, &[Role])
        },
        Row {
            mentions: &["SF HR", "SAP SuccessFactors"],
            ..row(
                "a system type the formation type does not take",
                "TC EU",
                &["tc-free", "s4-ok", "sf"],
                &[SystemTypeNotAllowed],
            )
        },
        row(
            "no Task Center system",
            "TC EU",
            &["s4-ok"],
            &[MinSystemsOfType],
        ),
        row(
            "no S/4HANA Cloud system",
            "TC EU",
            &["tc-free"],
            &[MinSystemsOfType],
        ),
        row(
            "nothing selected",
            "TC EU",
            &[],
            &[MinSystemsOfType, MinSystemsOfType],
        ),
        Row {
            mentions: &["TC Free", "TC Free Two"],
            ..row(
                "two Task Center systems",
                "TC EU",
                &["tc-free", "tc-free2", "s4-ok"],
                &[MaxSystemsOfType],
            )
        },
        Row {
            mentions: &["Legacy TC"],
            ..row(
                "Task Center already in a formation of the former type name",
                "TC EU",
                &["tc-used", "s4-ok"],
                &[SystemInOtherFormationOfType],
            )
        },
        row(
            "S/4HANA Cloud is exempt from the one-formation rule",
            "TC EU",
            &["tc-free", "s4-member"],
            &[],
        ),
        row(
            "several S/4HANA Cloud systems are fine",
            "TC EU",
            &["tc-free", "s4-ok", "s4-ok2", "s4-member"],
            &[],
        ),
        Row {
            mentions: &["Integration with SAP Start", "All Communication Scenarios"],
            ..row(
                "S/4HANA Cloud with a narrower group",
                "TC EU",
                &["tc-free", "s4-start"],
                &[ScenarioGroup],
            )
        },
        row(
            "S/4HANA Cloud with no group",
            "TC EU",
            &["tc-free", "s4-nogroup"],
            &[ScenarioGroup],
        ),
        row(
            "S/4HANA Cloud without status",
            "TC EU",
            &["tc-free", "s4-nostatus"],
            &[RegistrationStatus],
        ),
        Row {
            mentions: &["Error while Registering"],
            ..row(
                "S/4HANA Cloud in error",
                "TC EU",
                &["tc-free", "s4-error"],
                &[RegistrationStatus],
            )
        },
        Row {
            type_key: "Integration with SAP Task Center",
            ..row("the former type name is accepted", "TC EU", ok, &[])
        },
        Row {
            type_key: "sap-start",
            ..row(
                "SAP Start accepts its own group",
                "Start",
                &["wz", "s4-start"],
                &[],
            )
        },
        Row {
            type_key: "sap-start",
            ..row(
                "SAP Start: Work Zone without status needs no registration",
                "Start",
                &["wz", "s4-ok"],
                &[],
            )
        },
    ]
}

#[test]
fn every_rule_kind_and_boundary() {
    let mut failures = Vec::new();
    for r in rows() {
        let report = check(r.file, &r.name, r.type_key, r.systems);
        let mut got: Vec<RuleKind> = report.violations.iter().map(|v| v.rule).collect();
        let mut want = r.violations.to_vec();
        got.sort();
        want.sort();
        let warnings: Vec<RuleKind> = report.warnings.iter().map(|w| w.rule).collect();
        if got != want || warnings != r.warnings || report.valid != want.is_empty() {
            failures.push(format!(
                "{}: violations {got:?} (want {want:?}), warnings {warnings:?} (want {:?})",
                r.case, r.warnings
            ));
        }
        for word in r.mentions {
            if !report.violations.iter().any(|v| v.message.contains(word)) {
                failures.push(format!(
                    "{}: no message mentions {word:?}: {:?}",
                    r.case, report.violations
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_second_task_center_is_unselectable_once_one_is_selected() {
    let report = check("rules.json", "TC", TC, &["tc-free"]);
    let second = report.candidate("tc-free2").unwrap();
    assert!(!second.selectable);
    assert!(
        second
            .reason
            .as_deref()
            .unwrap()
            .contains("TC Free is already selected")
    );
    let report = check("rules.json", "TC", TC, &[]);
    assert!(report.candidate("tc-free2").unwrap().selectable);
}

#[test]
fn candidates_name_the_formation_and_give_a_fix() {
    let report = check("rules.json", "TC", TC, &[]);
    let used = report.candidate("tc-used").unwrap();
    assert!(!used.selectable);
    assert!(used.reason.as_deref().unwrap().contains("\"Legacy TC\""));
    assert!(used.fix.as_deref().unwrap().contains("Legacy TC"));
    let start = report.candidate("s4-start").unwrap();
    assert!(
        start
            .fix
            .as_deref()
            .unwrap()
            .contains("All Communication Scenarios")
    );
    assert!(
        report.candidate("sf").is_none(),
        "types the formation type excludes are no candidates"
    );
}

#[test]
fn sap_com_0501_is_enabled_on_each_s4hana_system() {
    let report = check("rules.json", "TC", TC, &["tc-free", "s4-ok", "s4-ok2"]);
    let enabled: Vec<(&str, &[String])> = report
        .auto_enabled
        .iter()
        .map(|a| (a.system.as_str(), a.communication_scenarios.as_slice()))
        .collect();
    assert_eq!(enabled.len(), 2);
    for (system, scenarios) in enabled {
        assert!(system.starts_with("s4-"));
        assert_eq!(scenarios, ["SAP_COM_0501".to_string()]);
    }
}

#[test]
fn availability_says_why_a_type_cannot_be_completed() {
    let (landscape, catalog) = fixture("rules.json");
    let tc = catalog.by_id("sap-task-center").unwrap();
    assert_eq!(
        rules::availability(tc, &landscape, &catalog),
        rules::Availability::Available
    );
    let joule = catalog.by_id("joule").unwrap();
    match rules::availability(joule, &landscape, &catalog) {
        rules::Availability::Unavailable(why) => assert!(why.contains("Joule"), "{why}"),
        other => panic!("expected unavailable, got {other:?}"),
    }
}
