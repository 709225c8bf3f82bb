//! The prerequisites SAP's procedure names for a formation type, each checked on a
//! landscape with its fix: the role, the region, a system of every type the formation type
//! needs and enough of them that may join. Pure: `doctor` prints them, the TUI shows them
//! as its first screen when one blocks.

use serde::Serialize;

use crate::backend::Target;
use crate::catalog::{ANY_OTHER_TYPE, Catalog, FormationType};
use crate::landscape::Landscape;
use crate::ops::{command_line, shell_word};
use crate::plan::FormationPlan;
use crate::rules::{self, Candidate, RuleKind};

/// The type checked when none is named: the integration this tool was made for.
pub const DEFAULT_TYPE: &str = "sap-task-center";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    /// A formation of the type cannot be created until this is fixed.
    Blocks,
    /// Worth knowing; does not block.
    Note,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    pub title: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

fn check(id: &str, status: Status, title: &str, detail: String, fix: Option<String>) -> Check {
    Check {
        id: id.to_owned(),
        status,
        title: title.to_owned(),
        detail,
        fix,
    }
}

/// Creating a formation needs one of the administrator roles (the rule engine's `role`).
fn role(landscape: &Landscape, target: &Target, catalog: &Catalog) -> Check {
    let title = "You are a global account or system landscape administrator";
    let roles = catalog.admin_roles.join(" or ");
    let Some(user) = &landscape.user else {
        let detail = match target {
            Target::Director { .. } => format!(
                "The Director checks it when the formation is created: it needs the role {roles}."
            ),
            _ => "The landscape file names no user: the local operator is trusted.".into(),
        };
        return check("role", Status::Note, title, detail, None);
    };
    let held: Vec<&String> = user
        .roles
        .iter()
        .filter(|r| catalog.admin_roles.contains(r))
        .collect();
    match held.first() {
        Some(r) => check(
            "role",
            Status::Ok,
            title,
            format!("{} is a {r}.", user.name),
            None,
        ),
        None => check(
            "role",
            Status::Blocks,
            title,
            format!(
                "{} has {}, neither {}.",
                user.name,
                if user.roles.is_empty() {
                    "no role".to_owned()
                } else {
                    format!("the role {}", user.roles.join(", "))
                },
                catalog.admin_roles.join(" nor ")
            ),
            Some(format!(
                "Ask an administrator of the global account to assign you the role collection {roles} (Security › Users in the cockpit)."
            )),
        ),
    }
}

/// SAP's procedures for formations do not apply in some regions: said from the global
/// account's region, or else the Director's host.
fn region(landscape: &Landscape, target: &Target, catalog: &Catalog) -> Check {
    let title = "The global account is in a region where formations apply";
    let region = landscape
        .global_account
        .as_ref()
        .and_then(|g| g.region.clone());
    let host = match target {
        Target::Director { host, .. } => Some(host.clone()),
        _ => None,
    };
    let names: Vec<&str> = catalog
        .excluded_regions
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    let seen = region.iter().chain(host.iter()).find_map(|where_| {
        catalog
            .excluded_regions
            .iter()
            .find(|r| r.contains(where_))
            .map(|r| (r, where_))
    });
    match (seen, &region) {
        (Some((r, where_)), _) => check(
            "region",
            Status::Blocks,
            title,
            format!(
                "{where_} is in {}: SAP's procedure for formations does not apply there.",
                r.name
            ),
            Some("Use a global account in another region.".into()),
        ),
        (None, Some(region)) => check(
            "region",
            Status::Ok,
            title,
            format!(
                "Region {region}; formations do not apply in {}.",
                names.join(" or ")
            ),
            None,
        ),
        (None, None) => check(
            "region",
            Status::Note,
            title,
            format!(
                "The region is not known here; formations do not apply in {}.",
                names.join(" or ")
            ),
            None,
        ),
    }
}

/// For each system type the formation type needs: one is in the Systems list, and enough
/// of them may join a new formation now (the rule engine decides, with its fixes).
fn systems(
    landscape: &Landscape,
    ftype: &FormationType,
    catalog: &Catalog,
    flags: &str,
) -> Vec<Check> {
    let plan = FormationPlan {
        type_id: ftype.id.clone(),
        ..FormationPlan::default()
    };
    let report = rules::evaluate(&plan, landscape, catalog);
    let mut out = Vec::new();
    for needed in ftype
        .system_types
        .iter()
        .filter(|a| a.min > 0 && a.system_type != ANY_OTHER_TYPE)
    {
        let ty = needed.system_type.as_str();
        let of_type: Vec<&Candidate> = report
            .candidates
            .iter()
            .filter(|c| c.system_type == ty)
            .collect();
        if of_type.is_empty() {
            out.push(check(
                &format!("present:{ty}"),
                Status::Blocks,
                &format!("An {ty} system is in the Systems list"),
                format!("The landscape has no {ty} system."),
                Some(
                    needed
                        .how_to_get
                        .clone()
                        .unwrap_or_else(|| format!("Add an {ty} system to the Systems list.")),
                ),
            ));
            continue;
        }
        let (can, cannot): (Vec<&Candidate>, Vec<&Candidate>) =
            of_type.into_iter().partition(|c| c.selectable);
        let title = format!(
            "{} {ty} system{} can join a new formation",
            if needed.min == 1 {
                "An".to_owned()
            } else {
                format!("At least {}", needed.min)
            },
            if needed.min == 1 { "" } else { "s" }
        );
        let id = format!("eligible:{ty}");
        if can.len() >= needed.min {
            let names: Vec<String> = can
                .iter()
                .map(|c| format!("{} ({})", c.name, c.id))
                .collect();
            out.push(check(&id, Status::Ok, &title, names.join(", "), None));
            for c in cannot {
                out.push(refused(
                    &format!("system:{}", c.id),
                    Status::Note,
                    c,
                    catalog,
                    flags,
                ));
            }
        } else {
            out.push(check(
                &id,
                Status::Blocks,
                &title,
                format!(
                    "{} of {} can; each that cannot is listed with its fix.",
                    can.len(),
                    can.len() + cannot.len()
                ),
                None,
            ));
            for c in cannot {
                out.push(refused(
                    &format!("system:{}", c.id),
                    Status::Blocks,
                    c,
                    catalog,
                    flags,
                ));
            }
        }
    }
    out
}

/// A system that cannot join, with the engine's reason and its fix; a system registered
/// with the wrong scenario group is mended with a new token, so that fix is the command.
fn refused(id: &str, status: Status, c: &Candidate, catalog: &Catalog, flags: &str) -> Check {
    let wrong_group = c.blockers.iter().any(|b| b.rule == RuleKind::ScenarioGroup)
        && catalog.token_registered_types.contains(&c.system_type);
    let fix = if wrong_group {
        Some(format!(
            "`{}` requests a registration token with the scenario group this type needs; enter it in the system",
            command_line(&format!("token {}", shell_word(&c.name)), flags)
        ))
    } else {
        c.fix.clone()
    };
    check(
        id,
        status,
        &format!("{} ({}) cannot join", c.name, c.id),
        c.reason.clone().unwrap_or_default(),
        fix,
    )
}

/// Every prerequisite of `ftype` on `landscape`, in the order SAP's procedure names them.
/// `target` is where the landscape lives (a Director's host tells its region when the
/// landscape does not); `flags` name it on the command line, for fixes that are commands.
pub fn checks(
    landscape: &Landscape,
    ftype: &FormationType,
    catalog: &Catalog,
    target: &Target,
    flags: &str,
) -> Vec<Check> {
    let mut out = vec![
        role(landscape, target, catalog),
        region(landscape, target, catalog),
    ];
    out.extend(systems(landscape, ftype, catalog, flags));
    out
}

/// Whether a formation of the type can be created: nothing blocks.
pub fn ready(checks: &[Check]) -> bool {
    !checks.iter().any(|c| c.status == Status::Blocks)
}
