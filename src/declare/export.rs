//! Today's formations written as a formations file: selectors by name (with the system
//! number where there is one), so the file fits another global account with other ids.

use std::fmt::Write as _;

use super::file::Selector;
use crate::catalog::Catalog;
use crate::landscape::{Formation, Landscape, System};

/// The formations named in `only` (all when empty) as formations-file TOML; `source` goes
/// into the header comment. Fails naming a formation of `only` that does not exist.
pub fn export(
    landscape: &Landscape,
    catalog: &Catalog,
    only: &[String],
    source: &str,
) -> Result<String, String> {
    for name in only {
        if landscape.formation_named(name).is_none() {
            return Err(format!(
                "no formation is named {name:?}; `formation-wizard export` without --formation lists them all"
            ));
        }
    }
    let chosen: Vec<&Formation> = landscape
        .formations
        .iter()
        .filter(|f| only.is_empty() || only.contains(&f.name))
        .collect();
    let type_name = |f: &Formation| {
        catalog
            .by_id(&f.type_id)
            .map_or(f.type_name.clone(), |t| t.name.clone())
    };
    let shared_type = chosen
        .first()
        .map(|f| type_name(f))
        .filter(|t| chosen.iter().all(|f| type_name(f) == *t));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Formations exported by formation-wizard from {}.\n# `formation-wizard plan FILE` shows what differs; `apply FILE` makes it so.",
        crate::text::neutralise(source)
    );
    if let Some(t) = &shared_type {
        let _ = write!(out, "\n[defaults]\ntype = {}\n", quote(t));
    }
    for f in chosen {
        let _ = write!(out, "\n[[formation]]\nname = {}\n", quote(&f.name));
        if shared_type.is_none() {
            let _ = writeln!(out, "type = {}", quote(&type_name(f)));
        }
        if f.systems.is_empty() {
            out.push_str("systems = []\n");
            continue;
        }
        out.push_str("systems = [\n");
        for id in &f.systems {
            if let Some(s) = landscape.system(id) {
                let _ = writeln!(out, "  {},", inline(&selector_for(s, landscape)));
            }
        }
        out.push_str("]\n");
    }
    Ok(out)
}

/// By name, with the system number where there is one; a name that is not unique gets
/// the system number, then the type, then the id, whichever first makes it unique.
pub fn selector_for(s: &System, landscape: &Landscape) -> Selector {
    let count = |f: &dyn Fn(&System) -> bool| landscape.systems.iter().filter(|o| f(o)).count();
    let by_name = Selector {
        name: Some(s.name.clone()),
        system_number: s.system_number.clone(),
        ..Selector::default()
    };
    let same = |o: &System| o.name == s.name && o.system_number == s.system_number;
    if count(&same) == 1 {
        return by_name;
    }
    if count(&|o| same(o) && o.system_type == s.system_type) == 1 {
        return Selector {
            system_type: Some(s.system_type.as_str().to_owned()),
            ..by_name
        };
    }
    Selector {
        id: Some(s.id.clone()),
        ..by_name
    }
}

fn inline(s: &Selector) -> String {
    let fields = [
        ("id", &s.id),
        ("name", &s.name),
        ("system_number", &s.system_number),
        ("type", &s.system_type),
        ("name_pattern", &s.name_pattern),
    ];
    let parts: Vec<String> = fields
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} = {}", quote(v))))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

/// A TOML basic string. Every character that could act on a terminal is written as a
/// `\u` escape: the file stays exact (the names round-trip) and safe to print.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if crate::text::is_unsafe(c) => {
                let code = u32::from(c);
                let _ = if code <= 0xFFFF {
                    write!(out, "\\u{code:04X}")
                } else {
                    write!(out, "\\U{code:08X}")
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
