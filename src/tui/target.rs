//! Where a formation will be created, in words: the header names it on every step, Review
//! and the create confirmation spell it out. The backend says where it writes
//! (`Backend::target`); the landscape says which global account that is.

use crate::backend::Target;
use crate::text::neutralise;
use crate::tui::data::Data;

/// The global account's name (or id), when the landscape names one.
fn account(data: &Data) -> Option<String> {
    let g = data.landscape.global_account.as_ref()?;
    let shown = if g.name.is_empty() { &g.id } else { &g.name };
    (!shown.is_empty()).then(|| shown.clone())
}

/// The header's short form in pieces, each neutralised: "tenant t-1", "ACME Global",
/// "host"; or "ACME Global", "file: path".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Short {
    /// The tenant, on a Director.
    pub tenant: Option<String>,
    /// The global account's name: what the header keeps longest.
    pub account: Option<String>,
    /// Where it is written: the Director's host, or the file ("file: path").
    pub place: String,
}

impl Short {
    /// The pieces in the order shown.
    pub fn pieces(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.tenant.iter().map(String::as_str).collect();
        out.extend(self.account.as_deref());
        if !self.place.is_empty() {
            out.push(&self.place);
        }
        out
    }
}

/// The short form for the header: "tenant t-1 · ACME Global · host" or "ACME Global ·
/// file: path".
pub fn short(data: &Data) -> Short {
    let clean = |s: &str| neutralise(s).into_owned();
    let account = data
        .landscape
        .global_account
        .as_ref()
        .map(|g| g.name.as_str())
        .filter(|n| !n.is_empty())
        .map(clean);
    match data.ctx.backend.target() {
        Target::Director { host, tenant } => Short {
            tenant: Some(clean(&format!("tenant {tenant}"))),
            account,
            place: clean(&host),
        },
        Target::File { path, .. } => Short {
            tenant: None,
            account,
            place: clean(&format!("file: {path}")),
        },
        Target::Other(what) => Short {
            tenant: None,
            account,
            place: clean(&what),
        },
    }
}

/// The full sentence for Review and the confirmation (`Target::sentence`): "in the file
/// /x/y.json (the demo landscape)", "in tenant t-1 (global account ACME Global) on the
/// Director at host".
pub fn sentence(data: &Data) -> String {
    data.ctx.backend.target().sentence(account(data).as_deref())
}
