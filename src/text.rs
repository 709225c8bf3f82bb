//! Text that came from a landscape or a server, made safe to show: nothing in it may move
//! the cursor, change the terminal or reorder what surrounds it.

use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

/// Shown in place of a character that must not reach the terminal.
pub const PLACEHOLDER: char = '\u{FFFD}';

/// Whether `c` would act on the terminal or on the text around it rather than show itself:
/// C0/C1 controls, bidirectional marks, overrides and isolates, zero-width characters and
/// tag characters.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}' | '\u{2029}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
}

/// Replaces every unsafe character with a visible placeholder.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| if is_unsafe(c) { PLACEHOLDER } else { c })
            .collect(),
    )
}

/// The terminal columns `s` takes once neutralised.
pub fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if is_unsafe(c) {
                1
            } else {
                c.width().unwrap_or(0)
            }
        })
        .sum()
}

/// Neutralises `s` and cuts it to at most `max` columns, ending with an ellipsis when cut.
pub fn fit(s: &str, max: usize) -> Cow<'_, str> {
    let clean = neutralise(s);
    if width(&clean) <= max {
        return clean;
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in clean.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_bidi_and_zero_width_are_replaced() {
        let hostile = "a\x1b[2Jb\x07c\rd\u{202E}e\u{2066}f\u{200B}g\u{E0041}h\u{9b}i";
        let clean = neutralise(hostile);
        assert!(!clean.chars().any(is_unsafe));
        assert_eq!(clean.chars().filter(|&c| c == PLACEHOLDER).count(), 8);
        assert!(
            clean.contains("[2J"),
            "printable rest stays visible: {clean}"
        );
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(neutralise("S/4HANA Cloud"), Cow::Borrowed(_)));
    }

    #[test]
    fn fit_counts_wide_characters() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("日本語テキスト", 5), "日本…");
        assert_eq!(width(&fit("日本語テキスト", 5)), 5);
        assert_eq!(fit("short", 10), "short");
    }
}
