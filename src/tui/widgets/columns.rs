//! Columns measured by what the terminal shows: each character's display width
//! (`unicode-width`: two columns for CJK and most emoji, none for combining marks), text
//! cut with `…` at the end or in the middle without splitting a character from the marks
//! that follow it, padded to its column so that a wide character never pushes a
//! neighbouring column or a border. Shared by every list (`widgets::list`) and the
//! Systems step's table.

use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use unicode_width::UnicodeWidthChar;

use crate::text::{is_unsafe, neutralise};
use crate::tui::filter;

/// The columns one character takes once neutralised (an unsafe one shows as the
/// one-column placeholder).
pub fn char_width(c: char) -> usize {
    if is_unsafe(c) {
        1
    } else {
        c.width().unwrap_or(0)
    }
}

/// The columns `s` takes once neutralised.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` as clusters: a character with the zero-width characters (combining marks) that
/// follow it, and its width. A cut never falls inside one.
fn clusters(s: &str) -> impl DoubleEndedIterator<Item = (&str, usize)> {
    let mut bounds: Vec<usize> = Vec::new();
    for (at, c) in s.char_indices() {
        if bounds.is_empty() || char_width(c) > 0 {
            bounds.push(at);
        }
    }
    bounds.push(s.len());
    let spans: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
    spans
        .into_iter()
        .map(move |(a, b)| (&s[a..b], width(&s[a..b])))
}

/// Where text that does not fit is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// "Integration with Task Ce…": the start tells values apart.
    End,
    /// "Integration wi…enter 3": the end tells values apart too (names that share their
    /// start and differ by a number at the end).
    Middle,
}

/// `s` neutralised and cut to at most `max` columns, `ellipsis` marking the cut.
pub fn fit(s: &str, max: usize, cut: Cut, ellipsis: char) -> String {
    let clean = neutralise(s);
    if width(&clean) <= max {
        return clean.into_owned();
    }
    if max == 0 {
        return String::new();
    }
    let take_head = |room: usize| {
        let mut out = String::new();
        let mut used = 0;
        for (c, w) in clusters(&clean) {
            if used + w > room {
                break;
            }
            used += w;
            out.push_str(c);
        }
        (out, used)
    };
    if cut == Cut::End || max < 8 {
        let (mut out, _) = take_head(max - 1);
        out.push(ellipsis);
        return out;
    }
    let tail_room = (max - 1) / 2;
    let mut tail: Vec<&str> = Vec::new();
    let mut used = 0;
    for (c, w) in clusters(&clean).rev() {
        if used + w > tail_room {
            break;
        }
        used += w;
        tail.push(c);
    }
    let (mut out, _) = take_head(max - 1 - used);
    out.push(ellipsis);
    out.extend(tail.iter().rev().copied());
    out
}

/// One column of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub title: &'static str,
    /// The narrowest it is drawn; below that it is dropped (see `drop`).
    pub min: usize,
    /// The widest value (or title): the column never takes more, unless it `fill`s.
    pub natural: usize,
    pub cut: Cut,
    /// Gets its natural width before the others share the room left.
    pub whole: bool,
    /// Takes the room left when every column has its natural width.
    pub fill: bool,
    /// When the minimum widths do not fit, the column with the highest `drop` goes first;
    /// 0: never dropped.
    pub drop: u8,
}

impl Column {
    pub fn new(title: &'static str, min: usize, natural: usize) -> Column {
        Column {
            title,
            min,
            natural: natural.max(width(title)).max(min),
            cut: Cut::End,
            whole: false,
            fill: false,
            drop: 0,
        }
    }

    pub fn middle(mut self) -> Column {
        self.cut = Cut::Middle;
        self
    }

    pub fn whole(mut self) -> Column {
        self.whole = true;
        self
    }

    pub fn fill(mut self) -> Column {
        self.fill = true;
        self
    }

    pub fn drop_order(mut self, drop: u8) -> Column {
        self.drop = drop;
        self
    }
}

/// Each column's width in `avail` columns, one blank between shown columns; 0 for a
/// dropped column. The widths and gaps add up to `avail` exactly when anything shows.
pub fn widths(columns: &[Column], avail: usize) -> Vec<usize> {
    let mut shown: Vec<bool> = vec![true; columns.len()];
    loop {
        let k = shown.iter().filter(|&&s| s).count();
        let need: usize = columns
            .iter()
            .zip(&shown)
            .filter(|(_, s)| **s)
            .map(|(c, _)| c.min)
            .sum::<usize>()
            + k.saturating_sub(1);
        if need <= avail {
            break;
        }
        let victim = (0..columns.len())
            .filter(|&i| shown[i] && columns[i].drop > 0)
            .max_by_key(|&i| (columns[i].drop, i));
        match victim {
            Some(i) => shown[i] = false,
            None => break,
        }
    }
    let k = shown.iter().filter(|&&s| s).count();
    let room = avail.saturating_sub(k.saturating_sub(1));
    let mut w = vec![0; columns.len()];
    // The minimums, in order, as far as the room goes.
    let mut left = room;
    for i in (0..columns.len()).filter(|&i| shown[i]) {
        w[i] = columns[i].min.min(left);
        left -= w[i];
    }
    // The whole columns up to their natural width, the narrowest first (a status column
    // whole before a long name), then the others by what they lack.
    let mut whole: Vec<usize> = (0..columns.len())
        .filter(|&i| shown[i] && columns[i].whole)
        .collect();
    whole.sort_by_key(|&i| columns[i].natural);
    for i in whole {
        let more = columns[i].natural.saturating_sub(w[i]).min(left);
        w[i] += more;
        left -= more;
    }
    let lack: Vec<usize> = (0..columns.len())
        .map(|i| {
            if shown[i] {
                columns[i].natural.saturating_sub(w[i])
            } else {
                0
            }
        })
        .collect();
    let lack_sum: usize = lack.iter().sum();
    if lack_sum > 0 {
        let share = left.min(lack_sum);
        let mut given = 0;
        for i in 0..columns.len() {
            let more = share * lack[i] / lack_sum;
            w[i] += more;
            given += more;
        }
        left -= given;
        // What rounding left over, to the first columns that still lack room.
        for i in 0..columns.len() {
            if left == 0 {
                break;
            }
            let more = columns[i].natural.saturating_sub(w[i]).min(left);
            if shown[i] {
                w[i] += more;
                left -= more;
            }
        }
    }
    if left > 0 {
        let fill = (0..columns.len())
            .find(|&i| shown[i] && columns[i].fill)
            .or_else(|| (0..columns.len()).rev().find(|&i| shown[i]));
        if let Some(i) = fill {
            w[i] += left;
        }
    }
    w
}

/// `text` in `style`, with the characters that begin a typed word (`filter::marks`) in
/// `hit`.
pub fn marked(text: &str, words: &[String], style: Style, hit: Style) -> Vec<Span<'static>> {
    if words.is_empty() {
        return vec![Span::styled(text.to_owned(), style)];
    }
    let marks = filter::marks(words, text);
    let mut spans = Vec::new();
    let mut cur = String::new();
    let mut on = false;
    for (c, &m) in text.chars().zip(&marks) {
        if m != on && !cur.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut cur),
                if on { hit } else { style },
            ));
        }
        on = m;
        cur.push(c);
    }
    if !cur.is_empty() {
        spans.push(Span::styled(cur, if on { hit } else { style }));
    }
    spans
}

/// How a typed word's match is drawn: underlined and bold over the cell's style (not by
/// colour alone).
pub fn hit_style(style: Style) -> Style {
    style.add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
}

/// A row's cells cut to their columns' widths (dropped columns left out), padded by
/// display width, one blank between them, typed words highlighted: exactly the sum of
/// the widths and gaps wide.
pub fn cells_spans(
    columns: &[Column],
    widths: &[usize],
    cells: &[(String, Style)],
    words: &[String],
    ellipsis: char,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let shown: Vec<usize> = (0..widths.len()).filter(|&k| widths[k] > 0).collect();
    for (n, &k) in shown.iter().enumerate() {
        let (value, style) = cells
            .get(k)
            .map_or((String::new(), Style::default()), |(v, s)| (v.clone(), *s));
        let w = widths[k];
        let cut = columns.get(k).map_or(Cut::End, |c| c.cut);
        let cell = fit(&value, w, cut, ellipsis);
        let pad = w.saturating_sub(width(&cell));
        spans.extend(marked(&cell, words, style, hit_style(style)));
        let gap = usize::from(n + 1 < shown.len());
        if pad + gap > 0 {
            spans.push(Span::styled(" ".repeat(pad + gap), style));
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROCKET: &str = "S/4HANA Cloud 🚀 Launch Team 3";
    const TOKYO: &str = "東京 生産 システム 24071";

    #[test]
    fn widths_are_display_columns() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("東京"), 4, "CJK takes two columns each");
        assert_eq!(width("🚀"), 2, "an emoji takes two");
        assert_eq!(width("e\u{301}"), 1, "a combining mark takes none");
        assert_eq!(
            width("\u{200B}"),
            1,
            "a zero-width space shows as the placeholder"
        );
        assert_eq!(width(ROCKET), 30);
        assert_eq!(width(TOKYO), 24);
    }

    #[test]
    fn a_cut_never_exceeds_the_room_nor_splits_a_character_from_its_marks() {
        for max in 0..34 {
            for s in [
                ROCKET,
                TOKYO,
                "Cafe\u{301} Cre\u{300}me Bru\u{302}le\u{301}e",
            ] {
                for cut in [Cut::End, Cut::Middle] {
                    let out = fit(s, max, cut, '…');
                    assert!(width(&out) <= max, "{s:?} at {max}: {out:?}");
                    if width(s) > max && max > 0 {
                        assert!(out.contains('…'), "{s:?} at {max}: {out:?}");
                        assert!(width(&out) + 1 >= max, "at most one column lost: {out:?}");
                    }
                    let mut prev: Option<char> = None;
                    for c in out.chars() {
                        if char_width(c) == 0 {
                            assert!(
                                prev.is_some_and(|p| p != '…'),
                                "a mark lost its letter: {out:?}"
                            );
                        }
                        prev = Some(c);
                    }
                }
            }
        }
        assert_eq!(fit(TOKYO, 9, Cut::End, '…'), "東京 生…");
        assert_eq!(fit(ROCKET, 20, Cut::Middle, '…'), "S/4HANA Cl…ch Team 3");
        assert_eq!(fit(ROCKET, 17, Cut::End, '…'), "S/4HANA Cloud 🚀…");
        assert_eq!(
            fit(ROCKET, 16, Cut::End, '…'),
            "S/4HANA Cloud …",
            "🚀 does not fit"
        );
        assert_eq!(
            fit("a\x1b[2Jb", 10, Cut::End, '…'),
            "a\u{FFFD}[2Jb",
            "neutralised"
        );
    }

    #[test]
    fn widths_fill_the_room_and_drop_the_least_needed_first() {
        let cols = [
            Column::new("Name", 12, 40).middle().whole().fill(),
            Column::new("Type", 6, 20).drop_order(2),
            Column::new("Status", 6, 13),
            Column::new("Id", 5, 8).drop_order(1),
        ];
        for avail in [20, 30, 40, 60, 80, 120, 200] {
            let w = widths(&cols, avail);
            let shown = w.iter().filter(|&&x| x > 0).count();
            assert_eq!(w.iter().sum::<usize>() + shown - 1, avail, "{avail}: {w:?}");
        }
        assert_eq!(
            widths(&cols, 200),
            [156, 20, 13, 8],
            "spare room to the name"
        );
        assert_eq!(
            widths(&cols, 30),
            [17, 0, 6, 5],
            "type dropped first, the name whole first"
        );
        assert_eq!(widths(&cols, 20)[1], 0);
        assert_eq!(widths(&cols, 20)[3], 0, "then the id");
        assert_eq!(widths(&cols, 60)[0], 40, "the whole column first");
    }

    #[test]
    fn cells_keep_their_columns_whatever_their_characters() {
        let cols = [
            Column::new("Name", 8, 31).middle(),
            Column::new("State", 5, 5),
        ];
        for avail in 14..40 {
            let w = widths(&cols, avail);
            for name in [ROCKET, TOKYO, "plain"] {
                let cells = [
                    (name.to_owned(), Style::default()),
                    ("READY".to_owned(), Style::default()),
                ];
                let spans = cells_spans(&cols, &w, &cells, &[], '…');
                let line: String = spans.iter().map(|s| s.content.as_ref()).collect();
                assert_eq!(width(&line), avail, "{name} at {avail}: {line:?}");
                let at = line.find("READY").expect("the state shows");
                assert_eq!(width(&line[..at]), w[0] + 1, "{name} at {avail}: {line:?}");
            }
        }
    }
}
