//! `doctor`: the prerequisites of a formation type (`crate::doctor`), printed with their
//! fixes. Exit 0 when a formation of the type can be created (findings about other systems
//! are notes), 1 when a prerequisite blocks it.

use serde::Serialize;

use super::{load, print};
use crate::backend::Backend;
use crate::catalog::Catalog;
use crate::cli::{Format, SourceArgs};
use crate::doctor::{self, Check, Status};
use crate::error::{AppError, exit};
use crate::plan::PlanError;
use crate::rules;
use crate::text::neutralise;

#[derive(Debug, Serialize)]
struct Doctor<'a> {
    #[serde(rename = "type")]
    type_name: &'a str,
    type_id: &'a str,
    ready: bool,
    checks: Vec<Check>,
}

pub(super) async fn doctor(
    backend: &dyn Backend,
    type_key: Option<&str>,
    format: Format,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let key = type_key.unwrap_or(doctor::DEFAULT_TYPE);
    let ftype = catalog.find(key).ok_or_else(|| PlanError::UnknownType {
        given: key.to_owned(),
    })?;
    let landscape = load(backend, catalog).await?;
    let flags = source.source().flags();
    let checks = doctor::checks(&landscape, ftype, catalog, &backend.target(), &flags);
    let ready = doctor::ready(&checks);
    let report = Doctor {
        type_name: &ftype.name,
        type_id: &ftype.id,
        ready,
        checks,
    };
    print(format, &report, || {
        text(&report, &backend.describe(), &flags)
    });
    Ok(if ready {
        exit::OK
    } else {
        exit::RULES_NOT_SATISFIED
    })
}

fn text(d: &Doctor<'_>, target: &str, flags: &str) -> String {
    let mut out = format!(
        "Prerequisites for {} on {}:\n",
        d.type_name,
        neutralise(target)
    );
    for c in &d.checks {
        let mark = match c.status {
            Status::Ok => "[ok]  ",
            Status::Blocks => "[no]  ",
            Status::Note => "[note]",
        };
        out.push_str(&format!("  {mark} {}\n", neutralise(&c.title)));
        if !c.detail.is_empty() {
            out.push_str(&format!("         {}\n", neutralise(&c.detail)));
        }
        if let Some(fix) = &c.fix {
            out.push_str(&format!("         fix: {}\n", neutralise(fix)));
        }
    }
    if d.ready {
        let wizard = format!("formation-wizard {flags}");
        out.push_str(&format!(
            "Ready: a formation of this type can be created. `{}` opens the wizard.\n",
            wizard.trim_end()
        ));
    } else {
        let n = d
            .checks
            .iter()
            .filter(|c| c.status == Status::Blocks)
            .count();
        out.push_str(&format!(
            "Not ready: {n} finding{} above block{} it; each says its fix.\n",
            rules::plural(n),
            if n == 1 { "s" } else { "" }
        ));
    }
    out
}
