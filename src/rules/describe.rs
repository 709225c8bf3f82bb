//! A formation type's rules in words, from the catalog data alone, for whoever teaches them
//! (the wizard's Type step): what it takes, what each constraint demands, what creating it
//! enables, and how many systems of the landscape qualify.

use super::{join_or, kind, plural, problems, with_article};
use crate::catalog::{ANY_OTHER_TYPE, AllowedType, Catalog, Constraint, FormationType};
use crate::landscape::Landscape;

/// "exactly 1 SAP Task Center system", "at least 1 SAP S/4HANA Cloud system", …
fn count_words(a: &AllowedType) -> String {
    let noun = if a.system_type == ANY_OTHER_TYPE {
        "system of another type".to_owned()
    } else {
        format!("{} system", kind(&a.system_type))
    };
    let many = |n: usize| {
        if n == 1 {
            noun.clone()
        } else {
            format!("{noun}s")
        }
    };
    match (a.min, a.max) {
        (min, Some(max)) if min == max => format!("exactly {min} {}", many(min)),
        (0, Some(max)) => format!("at most {max} {}", many(max)),
        (0, None) => format!("any number of {}", many(2)),
        (min, Some(max)) => format!("{min} to {max} {}", many(max)),
        (min, None) => format!("at least {min} {}", many(min)),
    }
}

/// Each rule of `ftype`, one sentence each: the systems it takes, then its constraints.
pub fn rules_in_words(ftype: &FormationType) -> Vec<String> {
    let takes: Vec<String> = ftype.system_types.iter().map(count_words).collect();
    let mut out = vec![format!("Takes {}.", join_or(&takes, "and"))];
    for c in &ftype.constraints {
        out.push(match c {
            Constraint::IsNotAssignedToAnyFormationOfType {
                system_types,
                except_system_types,
            } => {
                let who = if system_types.iter().any(|t| t == "ANY") {
                    "A system".to_owned()
                } else {
                    let names: Vec<&str> = system_types.iter().map(|t| kind(t)).collect();
                    let phrase = with_article(&join_or(&names, "or"));
                    let mut cap = phrase.chars();
                    let first = cap.next().map(|c| c.to_ascii_uppercase());
                    format!("{}{} system", first.unwrap_or('A'), cap.as_str())
                };
                let except = if except_system_types.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} systems excepted)",
                        join_or(except_system_types, "and")
                    )
                };
                format!("{who} may be in only one formation of this type{except}.")
            }
            Constraint::ContainsScenarioGroups {
                system_type,
                required_scenario_groups,
            } => format!(
                "{} systems must be registered with the scenario group{} {}.",
                if system_type == crate::catalog::ANY_TYPE {
                    "All"
                } else {
                    kind(system_type)
                },
                plural(required_scenario_groups.len()),
                join_or(required_scenario_groups, "or")
            ),
            Constraint::RequiresRegistrationStatus {
                system_type,
                status,
            } => format!(
                "{} systems must have the status {status}.",
                kind(system_type)
            ),
        });
    }
    out
}

/// What creating a formation of `ftype` turns on: "SAP_COM_0501 on the SAP S/4HANA Cloud
/// systems".
pub fn enables_in_words(ftype: &FormationType) -> Vec<String> {
    ftype
        .auto_enabled
        .iter()
        .map(|a| {
            let only = a
                .only_with_scenario_groups
                .as_ref()
                .map(|g| format!(" registered with {}", join_or(g, "or")))
                .unwrap_or_default();
            format!(
                "{} on the {} systems{only}",
                a.communication_scenarios.join(", "),
                kind(&a.system_type)
            )
        })
        .collect()
}

/// Per system type the formation type takes: how many systems of the landscape no rule
/// stops, out of how many of that type there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligible {
    pub label: String,
    pub eligible: usize,
    pub total: usize,
    pub min: usize,
}

/// The eligible counts for each system type `ftype` takes: O(systems of those types).
pub fn eligible_counts(
    ftype: &FormationType,
    landscape: &Landscape,
    catalog: &Catalog,
) -> Vec<Eligible> {
    ftype
        .system_types
        .iter()
        .map(|a| {
            let positions: Vec<usize> = if a.system_type == ANY_OTHER_TYPE {
                (0..landscape.systems.len())
                    .filter(|&p| {
                        ftype
                            .allowed(&landscape.systems[p].system_type)
                            .is_some_and(|x| x.system_type == ANY_OTHER_TYPE)
                    })
                    .collect()
            } else {
                landscape.systems_of_type(&a.system_type).to_vec()
            };
            let eligible = positions
                .iter()
                .filter(|&&p| problems(ftype, landscape, catalog, p).is_empty())
                .count();
            Eligible {
                label: a.label().to_owned(),
                eligible,
                total: positions.len(),
                min: a.min,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::embedded().unwrap()
    }

    #[test]
    fn task_center_rules_read_from_the_catalog() {
        let c = catalog();
        let tc = c.by_id("sap-task-center").unwrap();
        let words = rules_in_words(tc);
        assert_eq!(
            words,
            [
                "Takes exactly 1 SAP Task Center system and at least 1 SAP S/4HANA Cloud system.",
                "An SAP Task Center system may be in only one formation of this type.",
                "SAP S/4HANA Cloud systems must have the status Registered.",
                "SAP S/4HANA Cloud systems must be registered with the scenario group All Communication Scenarios.",
            ]
        );
        assert_eq!(
            enables_in_words(tc),
            ["SAP_COM_0501 on the SAP S/4HANA Cloud systems"]
        );
    }

    #[test]
    fn every_catalog_type_has_words_for_every_constraint() {
        let c = catalog();
        for t in &c.formation_types {
            let words = rules_in_words(t);
            assert_eq!(words.len(), 1 + t.constraints.len(), "{}", t.id);
            assert!(
                words.iter().all(|w| !w.contains("system system")),
                "{words:?}"
            );
        }
    }

    #[test]
    fn eligible_counts_agree_with_availability() {
        let c = catalog();
        let l = Landscape::parse(crate::demo::EMBEDDED.as_bytes(), "demo", &c).unwrap();
        for t in &c.formation_types {
            let counts = eligible_counts(t, &l, &c);
            let enough = counts.iter().all(|e| e.eligible >= e.min);
            let available =
                super::super::availability(t, &l, &c) == super::super::Availability::Available;
            assert_eq!(enough, available, "{}: {counts:?}", t.id);
            assert!(counts.iter().all(|e| e.eligible <= e.total));
        }
    }
}
