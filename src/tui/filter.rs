//! Filtering the Systems step's candidates as the user types: a plain case-insensitive
//! substring match (DESIGN.md §8: a fuzzy matcher over 100,000 names costs 3–14 ms per
//! query), over text lower-cased once per landscape, narrowed incrementally.
//!
//! A typed character narrows the previous matches in place (a match of "abc" contains
//! "ab"); anything else (Backspace, an edit in the middle, a paste) searches again from
//! scratch. Both paths find exactly what `matches_naive` finds.

use memchr::memmem::Finder;

/// Ends every field in the lower-cased text, so that a match never spans two fields.
/// A query containing it matches nothing (it cannot be typed).
const SEP: char = '\0';

/// The lower-cased search text of every candidate, built once: one string for all of
/// them (no allocation per candidate or per keystroke), fields ended by `SEP`.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    text: String,
    /// Per candidate, where its text starts; one more entry for the end.
    starts: Vec<usize>,
}

impl SearchIndex {
    /// One item per candidate, each given by its searchable fields.
    pub fn new<'a, I, F>(items: I) -> SearchIndex
    where
        I: IntoIterator<Item = F>,
        F: IntoIterator<Item = &'a str>,
    {
        let mut text = String::new();
        let mut starts = vec![0];
        for fields in items {
            for f in fields {
                // `str::to_lowercase` (not per char): the same folding as the query's.
                text.push_str(&f.to_lowercase());
                text.push(SEP);
            }
            starts.push(text.len());
        }
        SearchIndex { text, starts }
    }

    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn hay(&self, i: usize) -> &[u8] {
        &self.text.as_bytes()[self.starts[i]..self.starts[i + 1]]
    }

    /// Every item matching `needle` (lower-cased), searching the whole text in one pass:
    /// after a hit, the search resumes at the next item.
    fn scan(&self, finder: &Finder<'_>, out: &mut Vec<usize>) {
        out.clear();
        let bytes = self.text.as_bytes();
        let (mut i, mut from) = (0, 0);
        while let Some(at) = finder.find(&bytes[from..]) {
            // The item whose text holds the hit: walk forward to it (the hits come in
            // order, so the walk is linear over the whole scan).
            while self.starts[i + 1] <= from + at {
                i += 1;
            }
            out.push(i);
            i += 1;
            from = self.starts[i];
        }
    }
}

/// The current query and the candidates (indices into the `SearchIndex`) that match it,
/// in landscape order.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The query, lower-cased.
    needle: String,
    matches: Vec<usize>,
}

impl Filter {
    /// No query: every item matches.
    pub fn new(index: &SearchIndex) -> Filter {
        Filter {
            needle: String::new(),
            matches: (0..index.len()).collect(),
        }
    }

    pub fn matches(&self) -> &[usize] {
        &self.matches
    }

    /// Applies a new query: narrows the previous matches when it contains the previous
    /// query, searches from scratch otherwise.
    pub fn set(&mut self, index: &SearchIndex, query: &str) {
        let needle = query.to_lowercase();
        if needle == self.needle {
            return;
        }
        if needle.contains(SEP) {
            self.matches.clear();
        } else if needle.is_empty() {
            self.matches.clear();
            self.matches.extend(0..index.len());
        } else {
            let finder = Finder::new(needle.as_bytes());
            if !self.needle.is_empty() && needle.contains(self.needle.as_str()) {
                // Anything holding the new query holds the old one: only the previous
                // matches can still match.
                self.matches
                    .retain(|&i| finder.find(index.hay(i)).is_some());
            } else {
                index.scan(&finder, &mut self.matches);
            }
        }
        self.needle = needle;
    }
}

/// The reference: every field lower-cased and searched again, for each item. What the
/// Systems step did before, kept for the property test and the benchmark's naive side.
pub fn matches_naive<'a, I, F>(items: I, query: &str) -> Vec<usize>
where
    I: IntoIterator<Item = F>,
    F: IntoIterator<Item = &'a str>,
{
    let needle = query.to_lowercase();
    let hit = |fields: F| {
        needle.is_empty()
            || (!needle.contains(SEP)
                && fields
                    .into_iter()
                    .any(|f| f.to_lowercase().contains(&needle)))
    };
    items
        .into_iter()
        .enumerate()
        .filter_map(|(i, fields)| hit(fields).then_some(i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<[&'static str; 2]> {
        vec![
            ["Task Center EU", "tc-eu"],
            ["S/4HANA Prod", "s4-prod"],
            ["ΟΔΟΣ Σύστημα", "greek"],
            ["Ünïcødé", "u"],
        ]
    }

    fn filtered(queries: &[&str]) -> Vec<usize> {
        let index = SearchIndex::new(items());
        let mut f = Filter::new(&index);
        for q in queries {
            f.set(&index, q);
        }
        f.matches().to_vec()
    }

    #[test]
    fn typing_narrows_and_backspace_widens() {
        assert_eq!(filtered(&["a"]), [0, 1]);
        assert_eq!(filtered(&["a", "ta"]), [0]);
        assert_eq!(filtered(&["a", "ta", "a"]), [0, 1]);
        assert_eq!(filtered(&["PROD"]), [1]);
        assert_eq!(filtered(&["ünï"]), [3]);
        assert_eq!(filtered(&["οδος"]), [2], "final sigma folds as in the data");
        assert_eq!(filtered(&["eu\u{0}t"]), Vec::<usize>::new());
        assert_eq!(filtered(&["u", ""]), [0, 1, 2, 3]);
    }

    #[test]
    fn a_match_never_spans_two_fields() {
        // "eutc-" would be found across "…eu" + "tc-…" without the separator.
        assert_eq!(filtered(&["eutc-"]), Vec::<usize>::new());
        assert_eq!(filtered(&["eu"]), [0]);
    }
}
