//! Registration and scenario groups the Director's way (director-behaviour.md §5.3), one
//! row per case, on a landscape built in the test: `condition` + `latest_token` when the
//! landscape carries the Director's facts, the old `status` + `scenario_groups` otherwise.

use formation_wizard::catalog::Catalog;
use formation_wizard::landscape::{Landscape, System, TokenInfo};
use formation_wizard::plan::FormationPlan;
use formation_wizard::rules::{self, RuleKind};

const ALL: &str =
    "{\"key\":\"ALL_COMMUNICATION_SCENARIOS\",\"description\":\"All Communication Scenarios\"}";
const START: &str =
    "{\"key\":\"INTEGRATION_WITH_SAP_START\",\"description\":\"Integration with SAP Start\"}";

fn task_center() -> System {
    System {
        id: "tc".into(),
        name: "Task Center".into(),
        system_type: "SAP Task Center".into(),
        ..System::default()
    }
}

fn s4(tweak: impl FnOnce(&mut System)) -> System {
    let mut s = System {
        id: "s4".into(),
        name: "S/4HANA".into(),
        system_type: "SAP S/4HANA Cloud".into(),
        ..System::default()
    };
    tweak(&mut s);
    s
}

fn token(groups: &[&str]) -> Option<TokenInfo> {
    Some(TokenInfo {
        scenario_groups: groups.iter().map(|g| g.to_string()).collect(),
        requested_at: Some("2026-01-01T00:00:00Z".into()),
        used: true,
        tied: Vec::new(),
    })
}

struct Row {
    case: &'static str,
    system: System,
    violations: &'static [RuleKind],
    warnings: &'static [RuleKind],
}

fn rows() -> Vec<Row> {
    use RuleKind::*;
    let connected = |t: Option<TokenInfo>| {
        s4(move |s| {
            s.condition = Some("CONNECTED".into());
            s.latest_token = t;
        })
    };
    vec![
        Row {
            case: "not CONNECTED is refused",
            system: s4(|s| {
                s.condition = Some("INITIAL".into());
                s.latest_token = token(&[ALL]);
            }),
            violations: &[RegistrationStatus],
            warnings: &[],
        },
        Row {
            case: "CONNECTED without a token is refused",
            system: connected(None),
            violations: &[ScenarioGroup],
            warnings: &[],
        },
        Row {
            case: "a legacy token without groups is unrestricted",
            system: connected(token(&[])),
            violations: &[],
            warnings: &[],
        },
        Row {
            case: "a token with the right key is accepted",
            system: connected(token(&[START, ALL])),
            violations: &[],
            warnings: &[],
        },
        Row {
            case: "a key that is the group's display name is accepted",
            system: connected(token(&[
                "{\"key\":\"All Communication Scenarios\",\"description\":\"All\"}",
            ])),
            violations: &[],
            warnings: &[],
        },
        Row {
            case: "a token with only a wrong key is refused",
            system: connected(token(&[START])),
            violations: &[ScenarioGroup],
            warnings: &[],
        },
        Row {
            case: "raw (non-JSON) groups are compared as strings",
            system: connected(token(&["ALL_COMMUNICATION_SCENARIOS", "not json"])),
            violations: &[],
            warnings: &[],
        },
        Row {
            case: "an unreadable token is for the Director to decide: a warning",
            system: s4(|s| {
                s.condition = Some("CONNECTED".into());
                s.token_unreadable = true;
            }),
            violations: &[],
            warnings: &[ScenarioGroup],
        },
        Row {
            case: "the old fields still work: Registered with the group",
            system: s4(|s| {
                s.status = Some("Registered".into());
                s.scenario_groups = vec!["All Communication Scenarios".into()];
            }),
            violations: &[],
            warnings: &[],
        },
        Row {
            case: "the old fields still work: no status",
            system: s4(|s| s.scenario_groups = vec!["All Communication Scenarios".into()]),
            violations: &[RegistrationStatus],
            warnings: &[],
        },
        Row {
            case: "the old fields still work: the wrong group",
            system: s4(|s| {
                s.status = Some("Registered".into());
                s.scenario_groups = vec!["Integration with SAP Start".into()];
            }),
            violations: &[ScenarioGroup],
            warnings: &[],
        },
    ]
}

#[test]
fn registration_follows_the_directors_rules() {
    let catalog = Catalog::embedded().unwrap();
    for row in rows() {
        let landscape = Landscape::from_parts(
            None,
            None,
            vec![task_center(), row.system],
            Vec::new(),
            &catalog,
        )
        .unwrap();
        let plan = FormationPlan {
            name: "TC EU".into(),
            type_id: "sap-task-center".into(),
            systems: vec!["tc".into(), "s4".into()],
        };
        let report = rules::evaluate(&plan, &landscape, &catalog);
        let got: Vec<RuleKind> = report.violations.iter().map(|v| v.rule).collect();
        assert_eq!(got, row.violations, "{}: {:?}", row.case, report.violations);
        let warned: Vec<RuleKind> = report.warnings.iter().map(|w| w.rule).collect();
        assert_eq!(warned, row.warnings, "{}: {:?}", row.case, report.warnings);
        for v in &report.violations {
            assert!(
                v.touches("s4") && v.message.contains("S/4HANA"),
                "{}: {v:?}",
                row.case
            );
        }
        let candidate = report.candidate("s4").unwrap();
        assert_eq!(
            candidate.selectable,
            row.violations.is_empty(),
            "{}",
            row.case
        );
    }
}
