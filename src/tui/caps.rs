//! What the terminal named by `$TERM` can do. A `dumb` terminal cannot position the cursor,
//! so the wizard refuses it and points at the commands; the DEC VT family (vt100, vt220, …)
//! has no alternate screen and no colour, so the wizard draws in the normal screen without
//! colour there. Everything else is assumed to be ANSI with the 16 basic colours (the
//! wizard never uses the 256-colour palette).

/// The terminal capabilities the wizard adapts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    pub alternate_screen: bool,
    pub color: bool,
}

/// Why the wizard cannot run on this terminal.
pub const DUMB: &str = "this terminal (TERM=dumb) cannot show the wizard; use `formation-wizard check` or `formation-wizard create` with --name, --type and --system (and `formation-wizard types` / `systems` to see the choices), or run the wizard in a terminal such as xterm";

/// Why `manage` cannot run on this terminal: the day-two commands do the same in a script.
pub const DUMB_MANAGE: &str = "this terminal (TERM=dumb) cannot show the management screens; use `formation-wizard formations` and `formation-wizard show FORMATION` (then `assign`, `unassign`, `resync`, `finalize`, `delete`), or run `manage` in a terminal such as xterm";

/// Capabilities for the value of `$TERM`; `Err` with the message to show when the wizard
/// cannot run there.
pub fn from_term(term: Option<&str>) -> Result<Caps, &'static str> {
    let term = term.unwrap_or("").trim().to_ascii_lowercase();
    if term == "dumb" {
        return Err(DUMB);
    }
    let vt = term.starts_with("vt") && term[2..].chars().next().is_some_and(|c| c.is_ascii_digit());
    Ok(Caps {
        alternate_screen: !vt,
        color: !vt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminals_by_name() {
        let full = Caps {
            alternate_screen: true,
            color: true,
        };
        let vt = Caps {
            alternate_screen: false,
            color: false,
        };
        let table = [
            (Some("dumb"), Err(DUMB)),
            (Some("DUMB"), Err(DUMB)),
            (Some("vt100"), Ok(vt)),
            (Some("vt220"), Ok(vt)),
            (Some("xterm-256color"), Ok(full)),
            (Some("screen"), Ok(full)),
            (Some("vte"), Ok(full)),
            (None, Ok(full)),
        ];
        for (term, want) in table {
            assert_eq!(from_term(term), want, "TERM={term:?}");
        }
    }
}
