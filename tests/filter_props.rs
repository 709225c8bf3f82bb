//! Incremental filtering equals filtering from scratch: over random candidate texts and
//! random edit sequences (typing, Backspace, replacing the query), the Systems step's
//! `Filter` finds exactly what lower-casing and searching every field again finds.

use formation_wizard::tui::filter::{Filter, SearchIndex, matches_naive};
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
