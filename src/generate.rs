//! Realistic landscapes of any size, for benchmarks and rehearsals: every system type the
//! catalog names, a mix of statuses and scenario groups, formations of several types, and
//! names with Unicode, wide characters and great length. The same seed gives the same file.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::catalog::{ANY_OTHER_TYPE, Catalog};
use crate::landscape::{Formation, GlobalAccount, System, User};

/// System types that no formation type names but that real landscapes hold.
const EXTRA_TYPES: &[&str] = &[
    "SAP BTP Application",
    "SAP S/4HANA Cloud Private Edition",
    "customer.crm-legacy",
];

const NAME_STEMS: &[&str] = &[
    "Production",
    "Quality",
    "Development",
    "Sandbox",
    "Zürich Finanzen",
    "São Paulo Vendas",
    "東京 生産",
    "Москва Склад",
    "Ελλάδα",
    "🚀 Launch",
    "Emergency Procurement Back Office for the Northern European Distribution Centres and Their Subsidiaries",
];

#[derive(Debug, Serialize)]
pub struct GeneratedLandscape {
    pub global_account: GlobalAccount,
    pub user: User,
    pub systems: Vec<System>,
    pub formations: Vec<Formation>,
}

/// Builds a landscape of `systems` systems and about `formations` formations.
pub fn landscape(
    catalog: &Catalog,
    systems: usize,
    formations: usize,
    seed: u64,
) -> GeneratedLandscape {
    let mut rng = fastrand::Rng::with_seed(seed);
    let types = system_types(catalog);
    let systems: Vec<System> = (0..systems)
        .map(|i| system(&mut rng, catalog, &types, i))
        .collect();
    let formations = make_formations(&mut rng, catalog, &systems, formations);
    GeneratedLandscape {
        global_account: GlobalAccount {
            id: format!("ga-generated-{seed}"),
            name: "Generated Global Account".into(),
            region: Some("eu10".into()),
        },
        user: User {
            name: "admin@generated.example".into(),
            roles: vec!["Global Account Administrator".into()],
        },
        systems,
        formations,
    }
}

/// Every system type the catalog names, S/4HANA Cloud weighted as in real landscapes.
fn system_types(catalog: &Catalog) -> Vec<String> {
    let mut types: Vec<String> = catalog
        .formation_types
        .iter()
        .flat_map(|t| t.system_types.iter().map(|a| a.system_type.clone()))
        .filter(|t| t != ANY_OTHER_TYPE)
        .collect();
    types.extend(EXTRA_TYPES.iter().map(|t| t.to_string()));
    types.sort();
    types.dedup();
    for _ in 0..8 {
        types.push("SAP S/4HANA Cloud".into());
    }
    for _ in 0..3 {
        types.push("SAP Task Center".into());
    }
    types
}

fn system(rng: &mut fastrand::Rng, catalog: &Catalog, types: &[String], i: usize) -> System {
    let system_type = types[rng.usize(..types.len())].clone();
    let token = catalog.needs_token(&system_type);
    let status = if token {
        Some(
            pick(
                rng,
                &[
                    (70, "Registered"),
                    (12, ""),
                    (8, "Error while Registering"),
                    (5, "Deregistering"),
                    (5, "Error while Removing"),
                ],
            )
            .to_owned(),
        )
    } else {
        None
    };
    let scenario_groups = if token
        && matches!(
            system_type.as_str(),
            "SAP S/4HANA Cloud" | "SAP Integrated Business Planning"
        ) {
        let g = rng.usize(..10);
        match g {
            0..=5 => vec!["All Communication Scenarios".to_owned()],
            6 => Vec::new(),
            _ => vec![catalog.scenario_groups[rng.usize(1..catalog.scenario_groups.len())].clone()],
        }
    } else {
        Vec::new()
    };
    let stem = NAME_STEMS[rng.usize(..NAME_STEMS.len())];
    System {
        id: format!("sys-{i:06}"),
        name: format!("{} {stem} {i}", short(&system_type)),
        system_type: system_type.into(),
        status: status.map(Into::into),
        scenario_groups: scenario_groups.into_iter().map(Into::into).collect(),
        system_number: token.then(|| format!("{:07}", rng.u32(..10_000_000))),
        url: Some(format!("https://tenant-{i}.example")),
        discovery: Some(
            pick(
                rng,
                &[
                    (50, "Auto-discovered"),
                    (30, "Manually added"),
                    (20, "Subaccount/generated"),
                ],
            )
            .into(),
        ),
        ..System::default()
    }
}

fn short(system_type: &str) -> &str {
    system_type.strip_prefix("SAP ").unwrap_or(system_type)
}

fn pick<'a>(rng: &mut fastrand::Rng, weighted: &[(u32, &'a str)]) -> &'a str {
    let total: u32 = weighted.iter().map(|(w, _)| w).sum();
    let mut n = rng.u32(..total);
    for (w, v) in weighted {
        if n < *w {
            return v;
        }
        n -= w;
    }
    weighted[0].1
}

/// Formations whose members fit their type: the required count of each type, and systems
/// that may be in only one formation of a type are used once.
fn make_formations(
    rng: &mut fastrand::Rng,
    catalog: &Catalog,
    systems: &[System],
    count: usize,
) -> Vec<Formation> {
    let mut by_type: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in systems.iter().enumerate() {
        by_type.entry(s.system_type.as_str()).or_default().push(i);
    }
    let mut used: HashSet<(usize, usize)> = HashSet::new();
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let t = rng.usize(..catalog.formation_types.len());
        let ft = &catalog.formation_types[t];
        let mut members = Vec::new();
        for a in ft
            .system_types
            .iter()
            .filter(|a| a.system_type != ANY_OTHER_TYPE)
        {
            let Some(pool) = by_type.get(a.system_type.as_str()) else {
                continue;
            };
            let want = a.min.max(1) + rng.usize(..3);
            let want = a.max.map_or(want, |m| want.min(m));
            let once = ft.single_membership(&a.system_type);
            let mut picked = 0;
            // A bounded number of draws: a small pool may not have enough unused systems.
            for _ in 0..want * 4 {
                if picked >= want {
                    break;
                }
                let pos = pool[rng.usize(..pool.len())];
                if members.contains(&pos) || (once && !used.insert((t, pos))) {
                    continue;
                }
                members.push(pos);
                picked += 1;
            }
        }
        let former = rng.usize(..4) == 0;
        out.push(Formation {
            id: format!("f-{n:05}"),
            name: format!("{} {n}", short_formation(&ft.name)),
            type_name: match ft.former_names.first() {
                Some(old) if former => old.clone(),
                _ => ft.name.clone(),
            },
            systems: members.into_iter().map(|p| systems[p].id.clone()).collect(),
            status: Some(
                pick(
                    rng,
                    &[
                        (90, "Ready"),
                        (4, "Draft"),
                        (3, "Synchronizing"),
                        (3, "Error"),
                    ],
                )
                .to_owned(),
            ),
            type_id: ft.id.clone(),
            ..Formation::default()
        });
    }
    out
}

fn short_formation(name: &str) -> String {
    name.replace("Integration with ", "")
        .replace("Customer-Managed ", "")
}
