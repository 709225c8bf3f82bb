//! Where a formation will be created, in words: the header names it on every step, Review
//! and the create confirmation spell it out. The backend says where it writes
//! (`Backend::target`); the landscape says which global account that is.

use crate::backend::Target;
use crate::text::neutralise;
use crate::tui::app::Data;

/// The global account's name (or id), when the landscape names one.
fn account(data: &Data) -> Option<String> {
    let g = data.landscape.global_account.as_ref()?;
    let shown = if g.name.is_empty() { &g.id } else { &g.name };
    (!shown.is_empty()).then(|| shown.clone())
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

/// The full sentence for Review and the confirmation (`Target::sentence`): "in the file
/// /x/y.json (the demo landscape)", "in tenant t-1 (global account ACME Global) on the
/// Director at host".
pub fn sentence(data: &Data) -> String {
    data.ctx.backend.target().sentence(account(data).as_deref())
}
