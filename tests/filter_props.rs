//! Incremental filtering equals filtering from scratch: over random candidate texts and
//! random edit sequences (typing, Backspace, replacing the query), the Systems step's
//! `Filter` finds exactly what lower-casing and searching every field again finds.

use formation_wizard::tui::filter::{Filter, SearchIndex, fold, matches_naive};
use proptest::prelude::*;

/// Letters that fold in interesting ways: case pairs, a final sigma, a dotted capital I,
/// a wide character, an emoji, and the separators of the real fields.
const ALPHABET: &[char] = &[
    'a', 'A', 'b', 'B', 'ß', 'Σ', 'σ', 'ς', 'İ', 'i', '東', '🚀', ' ', '-', '/', 'Ü', 'ü',
];

fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..max)
        .prop_map(|cs| cs.into_iter().collect())
}

#[derive(Debug, Clone)]
enum Edit {
    Type(char),
    Backspace,
    Replace(String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => prop::sample::select(ALPHABET).prop_map(Edit::Type),
        2 => Just(Edit::Backspace),
        1 => text(4).prop_map(Edit::Replace),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn incremental_filtering_equals_filtering_from_scratch(
        items in prop::collection::vec(prop::collection::vec(text(8), 1..4), 0..40),
        edits in prop::collection::vec(edit(), 1..12),
    ) {
        let fields = || items.iter().map(|f| f.iter().map(String::as_str));
        let index = SearchIndex::new(fields());
        let mut filter = Filter::new(&index);
        let mut query = String::new();
        for e in edits {
            match e {
                Edit::Type(c) => query.push(c),
                Edit::Backspace => {
                    query.pop();
                }
                Edit::Replace(q) => query = q,
            }
            filter.set(&index, &query);
            prop_assert_eq!(filter.matches(), &matches_naive(fields(), &query)[..], "query {:?}", query);
        }
    }
}

/// A query of words drawn from the same alphabet, with blanks between and around them.
fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(text(3), 0..4).prop_map(|ws| format!(" {} ", ws.join("  ")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The specification, stated without the filter's code: a row is shown exactly when
    /// every word of the query (split at blanks) begins a word in at least one of its
    /// fields once both are folded (`fold`: lower case, accents removed): it occurs at the
    /// field's start, or after a character that is not a letter or digit, or it starts
    /// with such a character itself, or a Han character is on either side (Han is written
    /// without blanks). Not inside a run of letters, and not a subsequence: the filter is
    /// not fuzzy.
    #[test]
    fn shown_rows_are_exactly_those_holding_every_word_in_some_field(
        items in prop::collection::vec(prop::collection::vec(text(8), 1..6), 0..40),
        q in query(),
    ) {
        let index = SearchIndex::new(items.iter().map(|f| f.iter()));
        let mut filter = Filter::new(&index);
        filter.set(&index, &q);
        let words: Vec<String> = q.split_whitespace().map(fold).collect();
        let han = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
        let begins_word = |f: &str, at: usize| {
            let prev = f[..at].chars().next_back();
            let cur = f[at..].chars().next();
            match (prev, cur) {
                (Some(p), Some(c)) => {
                    !p.is_alphanumeric() || !c.is_alphanumeric() || han(p) || han(c)
                }
                _ => true,
            }
        };
        let holds = |fields: &Vec<String>| {
            words.iter().all(|w| {
                fields.iter().any(|f| {
                    let f = fold(f);
                    f.char_indices()
                        .any(|(at, _)| f[at..].starts_with(w.as_str()) && begins_word(&f, at))
                })
            })
        };
        let shown = filter.matches();
        for (i, fields) in items.iter().enumerate() {
            prop_assert_eq!(
                shown.contains(&i),
                holds(fields),
                "row {} {:?}, query {:?}", i, fields, q
            );
        }
    }
}

#[test]
fn folding_ignores_case_and_accents() {
    assert_eq!(fold("ÜNÏCØDÉ Σ"), fold("unicode σ"));
    assert_eq!(fold("Ñandú"), "nandu");
}
