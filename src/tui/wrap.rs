//! Text laid out to a width: words to lines, spans to lines.

use ratatui::text::{Line, Span};

/// Splits `text` into lines of at most `width` columns at spaces (a longer word gets a
/// line of its own and is cut by the widget).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        if !cur.is_empty() && crate::text::width(&cur) + 1 + crate::text::width(word) > width {
            rows.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    rows.push(cur);
    rows
}

/// Lays spans out left to right, starting a new line when the next one would not fit
/// (a span is never split).
pub fn wrap_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut cur: Vec<Span> = Vec::new();
    let mut used = 0;
    for span in spans {
        let w = span.width();
        if used + w > width && !cur.is_empty() {
            lines.push(Line::from(std::mem::take(&mut cur)));
            used = 0;
        }
        if used == 0 && span.content.trim().is_empty() {
            continue;
        }
        used += w;
        cur.push(span);
    }
    if !cur.is_empty() {
        lines.push(Line::from(cur));
    }
    lines
}
