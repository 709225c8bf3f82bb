//! Properties of the rule engine over random landscapes and selections.

use std::collections::HashSet;

use formation_wizard::catalog::{ANY_OTHER_TYPE, Catalog};
use formation_wizard::landscape::{Formation, Landscape, System, User};
use formation_wizard::plan::FormationPlan;
use formation_wizard::rules::{self, Report, RuleKind};
use proptest::prelude::*;

const TYPES: &[&str] = &[
    "SAP Task Center",
    "SAP S/4HANA Cloud",
    "SAP Build Work Zone",
    "SAP SuccessFactors",
    "Joule",
    "SAP Integrated Business Planning",
    "SAP Cloud Application Event Hub",
    "Custom Thing",
];
const STATUSES: &[Option<&str>] = &[
    None,
    Some(""),
    Some("Registered"),
    Some("Registered"),
    Some("Error while Registering"),
    Some("Deregistering"),
];
const GROUPS: &[&str] = &[
    "All Communication Scenarios",
    "Integration with SAP Start",
    "Eventing Between SAP Cloud Systems",
];
/// Types that the generated system types can complete.
const PLAUSIBLE_TYPES: &[&str] = &[
    "sap-task-center",
    "sap-start",
    "joule",
    "eventing-between-sap-cloud-systems",
    "kyma-side-by-side-extensibility",
    "sap-integration-suite",
];
const NAMES: &[&str] = &["Alpha", "alpha", "Beta 2", "", "bad!", " x", "Gamma_3-z"];

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn arb_system(i: usize) -> impl Strategy<Value = System> {
    (
        0..TYPES.len(),
        0..STATUSES.len(),
        proptest::sample::subsequence(GROUPS.to_vec(), 0..=2),
    )
        .prop_map(move |(t, st, groups)| System {
            id: format!("s{i}"),
            name: format!("System {i}"),
            system_type: TYPES[t].into(),
            status: STATUSES[st].map(Into::into),
            scenario_groups: groups.into_iter().map(Into::into).collect(),
            ..System::default()
        })
}

fn arb_landscape() -> impl Strategy<Value = Landscape> {
    (1usize..12)
        .prop_flat_map(|n| {
            let systems: Vec<_> = (0..n).map(arb_system).collect();
            let ids: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
            let formations = proptest::collection::vec(
                (
                    0usize..15,
                    proptest::sample::subsequence(ids, 0..=n.min(4)),
                    0..NAMES.len(),
                    any::<bool>(),
                ),
                0..4,
            );
            (systems, formations, 0usize..4)
        })
        .prop_map(|(systems, formations, user)| {
            let catalog = catalog();
            let formations = formations
                .into_iter()
                .enumerate()
                .map(|(i, (t, members, name, former))| {
                    let ft = &catalog.formation_types[t];
                    let type_name = match ft.former_names.first() {
                        Some(old) if former => old.clone(),
                        _ => ft.name.clone(),
                    };
                    Formation {
                        id: format!("f{i}"),
                        name: NAMES[name].to_owned(),
                        type_name,
                        systems: members,
                        status: Some("Ready".into()),
                        type_id: String::new(),
                        ..Formation::default()
                    }
                })
                .collect();
            let user = match user {
                0 => None,
                1 => Some(User {
                    name: "admin".into(),
                    roles: vec!["Global Account Administrator".into()],
                }),
                2 => Some(User {
                    name: "viewer".into(),
                    roles: vec!["Global Account Viewer".into()],
                }),
                _ => Some(User {
                    name: "landscape admin".into(),
                    roles: vec!["System Landscape Administrator".into()],
                }),
            };
            Landscape::from_parts(None, user, systems, formations, &catalog).unwrap()
        })
}

fn arb_case() -> impl Strategy<Value = (Landscape, FormationPlan)> {
    arb_landscape().prop_flat_map(|l| {
        let ids: Vec<String> = l.systems.iter().map(|s| s.id.clone()).collect();
        let n = ids.len();
        (
            Just(l),
            0usize..15,
            0..NAMES.len(),
            proptest::sample::subsequence(ids, 0..=n),
            any::<bool>(),
        )
            .prop_map(|(l, t, name, systems, plausible)| {
                let catalog = catalog();
                let (name, type_id) = if plausible {
                    (
                        "Fresh Name".to_owned(),
                        PLAUSIBLE_TYPES[t % PLAUSIBLE_TYPES.len()].to_owned(),
                    )
                } else {
                    (
                        NAMES[name].to_owned(),
                        catalog.formation_types[t].id.clone(),
                    )
                };
                let mut plan = FormationPlan {
                    name,
                    type_id,
                    systems: Vec::new(),
                };
                for id in systems {
                    // Half of the cases pick only systems a careful user would pick, so that
                    // valid plans are common enough to test.
                    if plausible
                        && !rules::evaluate(&plan, &l, &catalog)
                            .candidate(&id)
                            .is_some_and(|c| c.selectable)
                    {
                        continue;
                    }
                    plan.add(&id);
                }
                (l, plan)
            })
    })
}

/// The rules re-stated as plainly as possible, independent of how `evaluate` is built.
fn oracle_violations(plan: &FormationPlan, l: &Landscape, catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    let name = &plan.name;
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " -_".contains(c));
    let ends_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if !chars_ok || !ends_ok {
        out.push("name syntax".into());
    }
    if name.chars().count() > 128 {
        out.push("name length".into());
    }
    if l.formations.iter().any(|f| &f.name == name) {
        out.push("name taken".into());
    }
    if let Some(u) = &l.user
        && !u
            .roles
            .iter()
            .any(|r| r == "Global Account Administrator" || r == "System Landscape Administrator")
    {
        out.push("role".into());
    }
    let ft = catalog.by_id(&plan.type_id).unwrap();
    let listed: HashSet<&str> = ft
        .system_types
        .iter()
        .map(|a| a.system_type.as_str())
        .collect();
    let bucket = |t: &str| -> Option<String> {
        if listed.contains(t) {
            Some(t.to_owned())
        } else if listed.contains(ANY_OTHER_TYPE) {
            Some(ANY_OTHER_TYPE.to_owned())
        } else {
            None
        }
    };
    for id in &plan.systems {
        let s = l.system(id).unwrap();
        if bucket(&s.system_type).is_none() {
            out.push(format!("{id} type"));
            continue;
        }
        if let Some(req) = ft.required_status(&s.system_type) {
            let st = s.status_str().to_owned();
            let st = if st.is_empty() && !catalog.needs_token(&s.system_type) {
                req.to_owned()
            } else {
                st
            };
            if st != req {
                out.push(format!("{id} status"));
            }
        }
        if let Some(groups) = ft.required_groups(&s.system_type)
            && !s
                .scenario_groups
                .iter()
                .any(|g| groups.iter().any(|r| r == g))
        {
            out.push(format!("{id} group"));
        }
        let elsewhere = l
            .formations
            .iter()
            .any(|f| f.type_id == ft.id && f.systems.contains(id));
        if elsewhere && ft.single_membership(&s.system_type) {
            out.push(format!("{id} elsewhere"));
        }
    }
    for a in &ft.system_types {
        let n = plan
            .systems
            .iter()
            .filter(|id| {
                bucket(&l.system(id).unwrap().system_type).as_deref() == Some(&a.system_type)
            })
            .count();
        if n < a.min || a.max.is_some_and(|m| n > m) {
            out.push(format!("count {}", a.system_type));
        }
    }
    if ft.system_types.iter().all(|a| a.min == 0) && plan.systems.is_empty() {
        out.push("empty".into());
    }
    out
}

/// The same landscape written out as a file and read back.
fn reloaded(l: &Landscape, catalog: &Catalog) -> Landscape {
    let doc =
        serde_json::json!({ "user": l.user, "systems": l.systems, "formations": l.formations });
    Landscape::parse(doc.to_string().as_bytes(), "reloaded", catalog).unwrap()
}

fn with(plan: &FormationPlan, id: &str) -> FormationPlan {
    let mut p = plan.clone();
    p.add(id);
    p
}

fn kinds_without_counts(r: &Report) -> Vec<(RuleKind, String)> {
    r.violations
        .iter()
        .filter(|v| {
            !matches!(
                v.rule,
                RuleKind::MinSystemsOfType | RuleKind::MaxSystemsOfType
            )
        })
        .map(|v| (v.rule, v.message.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn verdict_matches_the_plain_rules((l, plan) in arb_case()) {
        let catalog = catalog();
        let report = rules::evaluate(&plan, &l, &catalog);
        let oracle = oracle_violations(&plan, &l, &catalog);
        prop_assert_eq!(report.valid, oracle.is_empty(), "oracle: {:?}, engine: {:?}", oracle, report.violations);
        prop_assert_eq!(report.valid, report.violations.is_empty());
        // Checked again from scratch on the landscape read back from a file.
        let again = rules::evaluate(&plan, &reloaded(&l, &catalog), &catalog);
        prop_assert_eq!(&again, &report);
    }

    #[test]
    fn selectable_agrees_with_adding_the_system((l, plan) in arb_case()) {
        let catalog = catalog();
        let report = rules::evaluate(&plan, &l, &catalog);
        for c in &report.candidates {
            let after = rules::evaluate(&with(&plan, &c.id), &l, &catalog);
            let touched = after.violations.iter().any(|v| v.touches(&c.id));
            prop_assert_eq!(c.selectable, !touched, "{} ({:?}) in {:?}", c.id, c.reason, after.violations);
            prop_assert_eq!(c.selectable, c.reason.is_none());
        }
    }

    #[test]
    fn adding_a_system_keeps_the_violations_it_does_not_touch((l, plan) in arb_case()) {
        let catalog = catalog();
        let report = rules::evaluate(&plan, &l, &catalog);
        let before = kinds_without_counts(&report);
        let had_max = report.violations.iter().any(|v| v.rule == RuleKind::MaxSystemsOfType);
        for s in &l.systems {
            let after = rules::evaluate(&with(&plan, &s.id), &l, &catalog);
            let kept = kinds_without_counts(&after);
            for v in &before {
                prop_assert!(kept.contains(v), "adding {} removed {:?}", s.id, v);
            }
            if had_max {
                prop_assert!(after.violations.iter().any(|v| v.rule == RuleKind::MaxSystemsOfType));
            }
        }
    }
}

fn arb_toggles() -> impl Strategy<Value = (Landscape, usize, Vec<usize>)> {
    (
        arb_landscape(),
        0usize..15,
        proptest::collection::vec(0usize..64, 0..24),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The checker kept up to date toggle by toggle says exactly what a checker built from
    /// scratch on the final selection says.
    #[test]
    fn incremental_checking_equals_checking_from_scratch((l, t, toggles) in arb_toggles()) {
        let catalog = catalog();
        let type_id = catalog.formation_types[t].id.clone();
        let mut checker = rules::Checker::new(&type_id, &l, &catalog).unwrap();
        for n in toggles {
            let id = l.systems[n % l.systems.len()].id.clone();
            checker.toggle(&l, &catalog, &id);
            let plan = FormationPlan { name: "Fresh".into(), type_id: type_id.clone(), systems: checker.selected_ids(&l) };
            let scratch = rules::evaluate(&plan, &l, &catalog);
            prop_assert_eq!(&checker.report("Fresh", &l, &catalog), &scratch);
            for i in 0..checker.len() {
                prop_assert_eq!(checker.selectable(i), scratch.candidates[i].selectable);
            }
        }
    }
}
