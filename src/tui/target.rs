//! Where a formation will be created, in words: the header names it on every step, Review
//! and the create confirmation spell it out. The backend says where it writes
//! (`Backend::target`); the landscape says which global account that is.

use crate::backend::Target;
use crate::text::neutralise;
use crate::tui::app::Data;

/// "global account ACME Global", when the landscape names one.
fn account(data: &Data) -> Option<String> {
    let g = data.landscape.global_account.as_ref()?;
    let shown = if g.name.is_empty() { &g.id } else { &g.name };
    (!shown.is_empty()).then(|| format!("global account {shown}"))
}

/// The short form for the header: "tenant t-1 · ACME Global · host" or "file: path".
pub fn short(data: &Data, bullet: &str) -> String {
    let name = data
        .landscape
        .global_account
        .as_ref()
        .map(|g| g.name.as_str())
        .filter(|n| !n.is_empty());
    let mut parts: Vec<String> = Vec::new();
    match data.ctx.backend.target() {
        Target::Director { host, tenant } => {
            parts.push(format!("tenant {tenant}"));
            parts.extend(name.map(str::to_owned));
            parts.push(host);
        }
        Target::File { path, .. } => {
            parts.extend(name.map(str::to_owned));
            parts.push(format!("file: {path}"));
        }
        Target::Other(what) => {
            parts.extend(name.map(str::to_owned));
            parts.push(what);
        }
    }
    neutralise(&parts.join(&format!(" {bullet} "))).into_owned()
}

/// The full sentence for Review and the confirmation: "in the file /x/y.json (the demo
/// landscape)", "in tenant t-1 (global account ACME Global) on the Director at host".
pub fn sentence(data: &Data) -> String {
    let account = account(data);
    let text = match data.ctx.backend.target() {
        Target::Director { host, tenant } => match account {
            Some(a) => format!("in tenant {tenant} ({a}) on the Director at {host}"),
            None => format!("in tenant {tenant} on the Director at {host}"),
        },
        Target::File { path, demo } => {
            let what = if demo { " (the demo landscape)" } else { "" };
            match account {
                Some(a) => format!("in the file {path}{what}, {a}"),
                None => format!("in the file {path}{what}"),
            }
        }
        Target::Other(what) => format!("in {what}"),
    };
    neutralise(&text).into_owned()
}
