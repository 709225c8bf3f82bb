//! Filtering a list's rows as the user types: several words, each of which must begin a
//! word in some column of a row (name, id, type, status, groups, formations), ignoring
//! case and accents. `us` finds "Task Center US" and "us-east", not "status" (issue 20):
//! a word of the query matches where a word of the text starts (see `word_start`). A
//! plain match per word, not a fuzzy one: DESIGN.md §8 measured a fuzzy matcher at
//! 3–14 ms per query over 100,000 names, against a 4 ms budget per keystroke handled and
//! drawn (`benches/tui.rs` `filter/fuzzy_nucleo` measures nucleo-matcher over our six
//! columns), and "prod" should not find "P…r…o…d" scattered over a long name.
//!
//! The text is folded once per landscape (`fold`: lower case, Latin accents removed by
//! nucleo-matcher's `chars::normalize`, as helix does) into one string. A query whose
//! words only grew at their end narrows the previous matches in place; anything else
//! searches again from scratch. Both paths find exactly what `matches_naive` finds.

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

/// Scripts written without blanks between words (Han, kana, Thai): a word of the query may
/// start at any of their characters ("京" finds "東京").
fn unspaced(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0EFF}'        // Thai, Lao
        | '\u{3040}'..='\u{30FF}'      // Hiragana, Katakana
        | '\u{31F0}'..='\u{31FF}'      // Katakana extensions
        | '\u{3400}'..='\u{4DBF}'      // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'      // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'      // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}'      // halfwidth Katakana
        | '\u{20000}'..='\u{3134F}') // CJK extensions B–G
}

/// Whether a word of the query may match at byte `at` of the folded `text` (a character
/// boundary): at the start of the text or of a field, after a character that is neither
/// a letter nor a digit ("us" in "tc-us"), where letters and digits meet ("4" in "s4",
/// "hana" in "s/4hana"), where the word itself starts with neither ("-prod"), or in a
/// script without blanks. Not inside a run of letters: "us" is not in "status".
pub fn word_start(text: &str, at: usize) -> bool {
    let (Some(prev), Some(cur)) = (text[..at].chars().next_back(), text[at..].chars().next())
    else {
        return true;
    };
    !prev.is_alphanumeric()
        || !cur.is_alphanumeric()
        || prev.is_numeric() != cur.is_numeric()
        || unspaced(prev)
        || unspaced(cur)
}

/// Whether `needle` occurs in `hay` where a word starts (`word_start`).
fn holds(finder: &Finder<'_>, hay: &str) -> bool {
    first_word_hit(finder, hay, 0).is_some()
}

/// The first occurrence of the finder's needle in `hay` at or after `from` that starts a
/// word. A needle that is valid UTF-8 only matches at character boundaries.
fn first_word_hit(finder: &Finder<'_>, hay: &str, mut from: usize) -> Option<usize> {
    let bytes = hay.as_bytes();
    while from <= bytes.len() {
        let at = from + finder.find(&bytes[from..])?;
        if word_start(hay, at) {
            return Some(at);
        }
        from = at + 1;
    }
    None
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

    fn hay(&self, i: usize) -> &str {
        &self.text[self.starts[i]..self.starts[i + 1]]
    }

    /// Every item holding `needle` at a word's start, searching the whole text in one
    /// pass: after a hit, the search resumes at the next item. (Each item's text ends with
    /// `SEP`, so a word start found on the whole text is one within its item.)
    fn scan(&self, finder: &Finder<'_>, out: &mut Vec<usize>) {
        out.clear();
        let (mut i, mut from) = (0, 0);
        while let Some(at) = first_word_hit(finder, &self.text, from) {
            // The item whose text holds the hit: walk forward to it (the hits come in
            // order, so the walk is linear over the whole scan).
            while self.starts[i + 1] <= at {
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

    /// Applies a new query: narrows the previous matches when every previous word begins a
    /// new one (a row holding the new words at word starts holds the old ones there too),
    /// searches from scratch otherwise.
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
            let holds_all = |i: usize| finders.iter().all(|f| holds(f, index.hay(i)));
            let narrows = !self.words.is_empty()
                && self
                    .words
                    .iter()
                    .all(|old| words.iter().any(|new| new.starts_with(old.as_str())));
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

/// Whether the folded `field` holds the folded `word` where a word starts.
fn field_holds(field: &str, word: &str) -> bool {
    field
        .match_indices(word)
        .any(|(at, _)| word_start(field, at))
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
            .all(|w| !w.contains(SEP) && fields.iter().any(|f| field_holds(f, w)))
    };
    items
        .into_iter()
        .enumerate()
        .filter_map(|(i, fields)| hit(fields).then_some(i))
        .collect()
}

/// Which characters of `cell` (as shown) are part of an occurrence of one of `words`
/// (folded) at a word's start, as the filter matches: one flag per `char` of `cell`, for
/// highlighting what matched.
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
            if !word_start(&folded, at) {
                continue;
            }
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
        assert_eq!(filtered(&["c"]), [0]);
        assert_eq!(filtered(&["c", "ce"]), [0]);
        assert_eq!(filtered(&["c", "ce", "c"]), [0]);
        assert_eq!(filtered(&["s", "s4"]), [1]);
        assert_eq!(filtered(&["t", "ta", "t"]), [0]);
        assert_eq!(filtered(&["PROD"]), [1]);
        assert_eq!(filtered(&["ünï"]), [3]);
        assert_eq!(filtered(&["unicode"]), [3], "accents do not matter");
        assert_eq!(filtered(&["οδος"]), [2], "final sigma folds as any sigma");
        assert_eq!(filtered(&["eu\u{0}t"]), Vec::<usize>::new());
        assert_eq!(filtered(&["u", ""]), [0, 1, 2, 3]);
    }

    fn filtered_in(items: &[[&str; 3]], query: &str) -> Vec<usize> {
        let index = SearchIndex::new(items.iter());
        let mut f = Filter::new(&index);
        f.set(&index, query);
        assert_eq!(f.matches(), matches_naive(items.iter(), query), "{query}");
        f.matches().to_vec()
    }

    #[test]
    fn a_word_matches_where_a_word_of_the_text_starts() {
        let items = [
            ["Task Center US", "tc-us", "no status"],
            ["Task Center EU", "tc-eu", "no status"],
            ["S/4HANA Cloud", "s4hc", ""],
            ["東京 生産 システム 24071", "jp", ""],
        ];
        assert_eq!(filtered_in(&items, "us"), [0], "US, not status");
        assert_eq!(filtered_in(&items, "tatus"), Vec::<usize>::new());
        assert_eq!(filtered_in(&items, "status"), [0, 1]);
        assert_eq!(
            filtered_in(&items, "hana"),
            [2],
            "where a digit meets letters"
        );
        assert_eq!(filtered_in(&items, "4"), [2]);
        assert_eq!(filtered_in(&items, "hc"), [2]);
        assert_eq!(filtered_in(&items, "京"), [3], "Han has no blanks");
        assert_eq!(filtered_in(&items, "ステム"), [3], "nor has kana");
        assert_eq!(filtered_in(&items, "24071"), [3]);
        assert_eq!(
            filtered_in(&items, "071"),
            Vec::<usize>::new(),
            "inside a number"
        );
        assert_eq!(
            filtered_in(&items, "-eu"),
            [1],
            "a word starting with a dash"
        );
        let m = marks(&words("us"), "Task Center US status");
        let shown: String = "Task Center US status"
            .chars()
            .zip(&m)
            .map(|(c, &on)| if on { c } else { '.' })
            .collect();
        assert_eq!(
            shown, "............US.......",
            "only the match at a word start"
        );
    }

    #[test]
    fn every_word_must_occur_in_some_field_in_any_order() {
        assert_eq!(filtered(&["s/4 prod"]), [1]);
        assert_eq!(filtered(&["prod s/4"]), [1]);
        assert_eq!(filtered(&["center tc-"]), [0], "name and id");
        assert_eq!(filtered(&["center prod"]), Vec::<usize>::new());
        assert_eq!(filtered(&["s", "s ", "s p"]), [1], "a new word narrows");
        assert_eq!(filtered(&["e", "eu"]), [0], "a word that grew narrows");
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
