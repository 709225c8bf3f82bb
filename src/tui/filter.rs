//! Filtering the Systems step's rows as the user types: several words, each of which
//! must occur in some column of a row (name, id, type, status, groups, formations),
//! ignoring case and accents. A plain substring match per word, not a fuzzy one: DESIGN.md
//! §8 measured a fuzzy matcher at 3–14 ms per query over 100,000 names, against a 4 ms
//! budget per keystroke handled and drawn (`benches/tui.rs` `filter/fuzzy_nucleo` measures
//! nucleo-matcher over our six columns), and "prod" should not find "P…r…o…d" scattered
//! over a long name.
//!
//! The text is folded once per landscape (`fold`: lower case, Latin accents removed by
//! nucleo-matcher's `chars::normalize`, as helix does) into one string. A query that only
//! made its words longer narrows the previous matches in place; anything else searches
//! again from scratch. Both paths find exactly what `matches_naive` finds.

use memchr::memmem::Finder;

/// Ends every field in the folded text, so that a match never spans two fields.
/// A query containing it matches nothing (it cannot be typed).
const SEP: char = '\0';

/// Appends `s` folded for matching: each character lower-cased and stripped of its
/// accent, and a final sigma written as any other sigma, so that "Ünïcødé", "UNICODE"
/// and "unicode" fold alike. Per character (not `str::to_lowercase`), so that folding a
/// cell character by character (for highlighting) gives the same text as folding it whole.
pub fn fold_into(s: &str, out: &mut String) {
    for c in s.chars() {
        for l in c.to_lowercase() {
            out.push(match nucleo_matcher::chars::normalize(l) {
                'ς' => 'σ',
                n => n,
            });
        }
    }
}

pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// The query's words, folded; blanks separate words and match nothing themselves.
pub fn words(query: &str) -> Vec<String> {
    query.split_whitespace().map(fold).collect()
}

/// The folded search text of every row, built once: one string for all of them (no
/// allocation per row or per keystroke), fields ended by `SEP`.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    text: String,
    /// Per row, where its text starts; one more entry for the end.
    starts: Vec<usize>,
}

impl SearchIndex {
    /// One item per row, each given by its searchable fields.
    pub fn new<I, F, S>(items: I) -> SearchIndex
    where
        I: IntoIterator<Item = F>,
        F: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut text = String::new();
        let mut starts = vec![0];
        for fields in items {
            for f in fields {
                fold_into(f.as_ref(), &mut text);
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

    /// Every item holding `needle`, searching the whole text in one pass: after a hit,
    /// the search resumes at the next item.
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

/// The current query's words and the rows (indices into the `SearchIndex`) that hold
/// every one of them, in index order.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    words: Vec<String>,
    matches: Vec<usize>,
}

impl Filter {
    /// No query: every item matches.
    pub fn new(index: &SearchIndex) -> Filter {
        Filter {
            words: Vec::new(),
            matches: (0..index.len()).collect(),
        }
    }

    pub fn matches(&self) -> &[usize] {
        &self.matches
    }

    /// The folded words of the query in force, for highlighting.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// Applies a new query: narrows the previous matches when every previous word lives
    /// on inside a new one (so a row holding the new words holds the old ones), searches
    /// from scratch otherwise.
    pub fn set(&mut self, index: &SearchIndex, query: &str) {
        let words = words(query);
        if words == self.words {
            return;
        }
        if words.iter().any(|w| w.contains(SEP)) {
            self.matches.clear();
        } else if words.is_empty() {
            self.matches.clear();
            self.matches.extend(0..index.len());
        } else {
            let finders: Vec<Finder<'_>> =
                words.iter().map(|w| Finder::new(w.as_bytes())).collect();
            let holds_all = |i: usize| finders.iter().all(|f| f.find(index.hay(i)).is_some());
            let narrows = !self.words.is_empty()
                && self
                    .words
                    .iter()
                    .all(|old| words.iter().any(|new| new.contains(old.as_str())));
            if !narrows {
                // One pass over the text for the longest word (the rarest, as a rule),
                // then the other words on its hits only.
                let longest = (0..words.len())
                    .max_by_key(|&k| words[k].len())
                    .unwrap_or(0);
                index.scan(&finders[longest], &mut self.matches);
            }
            self.matches.retain(|&i| holds_all(i));
        }
        self.words = words;
    }
}

/// The reference: every field folded and searched again for every word, for each item.
/// For the property test and the benchmark's naive side.
pub fn matches_naive<I, F, S>(items: I, query: &str) -> Vec<usize>
where
    I: IntoIterator<Item = F>,
    F: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let words = words(query);
    let hit = |fields: F| {
        let fields: Vec<String> = fields.into_iter().map(|f| fold(f.as_ref())).collect();
        words
            .iter()
            .all(|w| !w.contains(SEP) && fields.iter().any(|f| f.contains(w.as_str())))
    };
    items
        .into_iter()
        .enumerate()
        .filter_map(|(i, fields)| hit(fields).then_some(i))
        .collect()
}

/// Which characters of `cell` (as shown) are part of an occurrence of one of `words`
/// (folded): one flag per `char` of `cell`, for highlighting what matched.
pub fn marks(words: &[String], cell: &str) -> Vec<bool> {
    let chars: Vec<char> = cell.chars().collect();
    let mut marks = vec![false; chars.len()];
    if words.is_empty() {
        return marks;
    }
    // The folded cell, and for each of its bytes the character of `cell` it came from.
    let mut folded = String::new();
    let mut origin = Vec::new();
    let mut one = [0u8; 4];
    for (k, c) in chars.iter().enumerate() {
        let before = folded.len();
        fold_into(c.encode_utf8(&mut one), &mut folded);
        origin.resize(origin.len() + folded.len() - before, k);
    }
    for w in words.iter().filter(|w| !w.is_empty()) {
        for (at, _) in folded.match_indices(w.as_str()) {
            for &k in &origin[at..at + w.len()] {
                marks[k] = true;
            }
        }
    }
    marks
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
        assert_eq!(filtered(&["unicode"]), [3], "accents do not matter");
        assert_eq!(filtered(&["οδος"]), [2], "final sigma folds as any sigma");
        assert_eq!(filtered(&["eu\u{0}t"]), Vec::<usize>::new());
        assert_eq!(filtered(&["u", ""]), [0, 1, 2, 3]);
    }

    #[test]
    fn every_word_must_occur_in_some_field_in_any_order() {
        assert_eq!(filtered(&["s/4 prod"]), [1]);
        assert_eq!(filtered(&["prod s/4"]), [1]);
        assert_eq!(filtered(&["center tc-"]), [0], "name and id");
        assert_eq!(filtered(&["center prod"]), Vec::<usize>::new());
        assert_eq!(filtered(&["s", "s ", "s p"]), [1], "a new word narrows");
        assert_eq!(filtered(&["  "]), [0, 1, 2, 3], "blanks alone match all");
    }

    #[test]
    fn a_match_never_spans_two_fields() {
        // "eutc-" would be found across "…eu" + "tc-…" without the separator.
        assert_eq!(filtered(&["eutc-"]), Vec::<usize>::new());
        assert_eq!(filtered(&["eu"]), [0]);
    }

    #[test]
    fn marks_follow_the_shown_characters() {
        let m = marks(&words("uni EU"), "Ünïcødé EU");
        let shown: String = "Ünïcødé EU"
            .chars()
            .zip(&m)
            .map(|(c, &on)| if on { c } else { '.' })
            .collect();
        assert_eq!(shown, "Ünï.....EU");
        assert!(marks(&[], "abc").iter().all(|&on| !on));
    }
}
