//! Text that came from a landscape or a server, made safe to show: nothing in it may move
//! the cursor, change the terminal or reorder what surrounds it.

use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

/// Shown in place of a character that must not reach the terminal.
pub const PLACEHOLDER: char = '\u{FFFD}';

/// Whether `c` would act on the terminal or on the text around it, or would show as
/// nothing and so hide what it stands in: C0 and C1 controls (U+0080–U+009F, CSI U+009B,
/// ST U+009C and OSC U+009D among them), bidirectional marks, overrides and isolates,
/// line and paragraph separators, every other format character, and Unicode's
/// default-ignorable code points — zero-width characters, the soft hyphen, the combining
/// grapheme joiner, variation selectors, the Hangul and Mongolian fillers, tag characters.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            // Soft hyphen, combining grapheme joiner, Arabic letter mark.
            '\u{00AD}' | '\u{034F}' | '\u{061C}'
            // Arabic number signs and end of ayah, Syriac and Arabic format marks.
            | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}' | '\u{0890}'..='\u{0891}' | '\u{08E2}'
            // Hangul choseong and jungseong fillers, Khmer invisible vowels.
            | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            // Mongolian free variation selectors and vowel separator.
            | '\u{180B}'..='\u{180F}'
            // Zero-width space, joiners, LRM/RLM; line and paragraph separators;
            // embeddings and overrides; word joiner, invisible operators, isolates.
            | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}'
            // Hangul filler, variation selectors, zero-width no-break space.
            | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            // Halfwidth Hangul filler, specials before the replacement character.
            | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}'
            // Kaithi and Egyptian format marks, shorthand format controls, musical
            // formatting, tag characters and variation selectors supplement.
            | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
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

/// As [`neutralise`], but a line break (LF, CRLF or CR) stays a line break (LF): for a
/// server's message shown over several lines, where a placeholder would stand for each.
pub fn neutralise_lines(s: &str) -> String {
    s.replace("\r\n", "\n")
        .split(['\n', '\r'])
        .map(|line| neutralise(line).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The most characters of a message from a server (or a file) shown; the rest is cut.
pub const MESSAGE_LIMIT: usize = 2_000;

/// A message that quotes a server or a file, ready for a terminal: neutralised, and cut
/// after [`MESSAGE_LIMIT`] characters with a note saying how many more there were.
pub fn message(s: &str) -> Cow<'_, str> {
    let clean = neutralise(s);
    let Some((cut_at, _)) = clean.char_indices().nth(MESSAGE_LIMIT) else {
        return clean;
    };
    let rest = clean[cut_at..].chars().count();
    Cow::Owned(format!(
        "{}… ({rest} more characters cut)",
        &clean[..cut_at]
    ))
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
    fn c1_controls_and_invisible_fillers_are_replaced() {
        let hidden = [
            '\u{9b}',
            '\u{9c}',
            '\u{9d}',
            '\u{85}',
            '\u{3164}',
            '\u{115F}',
            '\u{1160}',
            '\u{AD}',
            '\u{34F}',
            '\u{180E}',
            '\u{FE0F}',
            '\u{FE00}',
            '\u{FFA0}',
            '\u{2067}',
            '\u{E0100}',
            '\u{1D173}',
        ];
        for c in hidden {
            let s = format!("a{c}b");
            assert_eq!(neutralise(&s), "a\u{FFFD}b", "U+{:04X}", c as u32);
        }
        for visible in ["Grüße", "日本語", "S/4HANA – Cloud", "naïve café", "❤"] {
            assert!(matches!(neutralise(visible), Cow::Borrowed(_)), "{visible}");
        }
    }

    #[test]
    fn long_messages_are_cut_with_a_note() {
        let long = "x".repeat(MESSAGE_LIMIT + 1234);
        let shown = message(&long);
        assert!(shown.ends_with("… (1234 more characters cut)"), "{shown}");
        assert_eq!(shown.chars().filter(|&c| c == 'x').count(), MESSAGE_LIMIT);
        assert_eq!(message("short \u{9b}"), "short \u{FFFD}");
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
