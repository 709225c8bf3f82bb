//! The rule engine's fixes in the command line's words: "add --system ID …" where the
//! wizard says "Select …". The engine gives the action (`rules::FixAction`); this says it.

use crate::rules::{Finding, FixAction, join_or};

/// The fix of `f` for the commands: worded from its action when it has one, else the
/// engine's own text (which names no keys or screens).
pub fn fix(f: &Finding) -> Option<String> {
    match &f.action {
        Some(FixAction::AddSystemOf(types)) => Some(format!(
            "add --system ID for a system of type {} (`formation-wizard systems --type TYPE` lists the candidates).",
            join_or(types, "or")
        )),
        Some(FixAction::KeepAtMost { max, systems }) => Some(format!(
            "keep at most {max} of --system {}: drop the other --system options.",
            join_or(systems, "/")
        )),
        Some(FixAction::Replace { drop, add }) => Some(format!(
            "drop --system {} to use --system {add} instead.",
            join_or(drop, "and --system")
        )),
        None => f.fix.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleKind;

    #[test]
    fn cli_fixes_name_flags_not_screens() {
        let f = Finding::new(
            RuleKind::MinSystemsOfType,
            Vec::new(),
            "needs one".into(),
            Some("Select an SAP S/4HANA Cloud system.".into()),
        );
        assert_eq!(
            fix(&f).as_deref(),
            Some("Select an SAP S/4HANA Cloud system.")
        );
        let f = f.with_action(FixAction::AddSystemOf(vec!["SAP S/4HANA Cloud".into()]));
        let words = fix(&f).unwrap_or_default();
        assert!(words.contains("--system ID"), "{words}");
        assert!(!words.contains("Select"), "{words}");
        let f = Finding::new(
            RuleKind::MaxSystemsOfType,
            vec!["tc-eu".into(), "tc-apj".into()],
            "at most one".into(),
            Some("Deselect Task Center EU first to choose Task Center APJ instead.".into()),
        )
        .with_action(FixAction::Replace {
            drop: vec!["tc-eu".into()],
            add: "tc-apj".into(),
        });
        assert_eq!(
            fix(&f).as_deref(),
            Some("drop --system tc-eu to use --system tc-apj instead.")
        );
    }
}
