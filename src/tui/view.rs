//! Drawing. `view` reads the model and draws; it changes nothing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{Model, Overlay, Step};
use super::keys::KeyHint;
use super::theme::Theme;

/// Below this the wizard shows only the "terminal too small" screen.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

const STEPS: [&str; 4] = ["Name", "Type", "Systems", "Review"];

pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    let t = model.data.theme();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(model, frame, area);
        return;
    }
    let [header, steps, body, flash, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(header_line(model, usize::from(area.width)), header);
    frame.render_widget(step_bar(model), steps);
    let body = body.inner(ratatui::layout::Margin::new(1, 0));
    render_step(model, frame, body);
    if let Some(text) = &model.flash {
        frame.render_widget(
            Line::styled(t.fit(text, usize::from(area.width)), t.warning()),
            flash,
        );
    }
    frame.render_widget(
        hint_bar(&model.commands(), t, usize::from(area.width)),
        hints,
    );
    match &model.overlay {
        Some(Overlay::Help) => help(model, frame, area),
        Some(Overlay::ConfirmQuit(q)) => confirm(q, t, frame, area),
        None => {}
    }
}

fn render_step(model: &Model, frame: &mut Frame, area: Rect) {
    let data = &model.data;
    match &model.step {
        Step::Loading => {
            let t = data.theme();
            let spin = t.sym.spinner[model.spinner % t.sym.spinner.len()];
            let read = match model.load.progress {
                Some((pages, systems)) => format!(
                    " {systems} system{} read ({pages} page{}).",
                    if systems == 1 { "" } else { "s" },
                    if pages == 1 { "" } else { "s" }
                ),
                None => String::new(),
            };
            frame.render_widget(
                Paragraph::new(format!(
                    "{spin} Loading the landscape from {}…{read}\nThis step opens when it is in; Esc goes back to the name.",
                    crate::text::neutralise(&data.ctx.source())
                ))
                .wrap(Wrap { trim: false }),
                area,
            );
        }
        Step::Name(s) => s.render(data, &model.notices, frame, area),
        Step::Type(s) => s.render(data, frame, area),
        Step::Systems(s) => s.render(data, frame, area),
        Step::Review(s) => s.render(data, frame, area),
        Step::Create(s) => s.render(data, model.spinner, frame, area),
    }
}

/// "formation-wizard  DEMO  ACME Global · /path/to/landscape.json"
fn header_line(model: &Model, width: usize) -> Line<'static> {
    let t = model.data.theme();
    let mut spans = vec![Span::styled(" Formation Wizard ", t.title())];
    if model.data.ctx.backend.is_demo() {
        spans.push(Span::styled(" DEMO ", t.demo()));
    }
    let account = model
        .data
        .landscape
        .global_account
        .as_ref()
        .map(|g| format!("{} {} ", g.name, t.sym.bullet))
        .unwrap_or_default();
    let used: usize = spans.iter().map(Span::width).sum();
    let head = format!(" {account}source: ");
    let room = width.saturating_sub(used + crate::text::width(&head));
    let source = fit_tail(&model.data.ctx.source(), room, t);
    let text = format!("{head}{source}");
    spans.push(Span::styled(
        t.fit(&text, width.saturating_sub(used)),
        t.dim(),
    ));
    Line::from(spans)
}

/// Keeps the end of `s` (a path's file name matters most), neutralised, in `max` columns.
fn fit_tail(s: &str, max: usize, t: &Theme) -> String {
    let clean = crate::text::neutralise(s);
    if crate::text::width(&clean) <= max {
        return clean.into_owned();
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 1;
    for c in clean.chars().rev() {
        let w = crate::text::width(&c.to_string());
        if used + w > max {
            break;
        }
        used += w;
        tail.push(c);
    }
    let mut out = t.sym.ellipsis.to_string();
    out.extend(tail.iter().rev());
    out
}

/// "1 Name › 2 Type › 3 Systems › 4 Review › Create", the current step highlighted.
fn step_bar(model: &Model) -> Line<'static> {
    let t = model.data.theme();
    let current = model.step.number();
    let mut spans = vec![Span::raw(" ")];
    for (i, name) in STEPS.iter().enumerate() {
        let style = if i + 1 == current {
            t.step_current()
        } else {
            t.step_other()
        };
        spans.push(Span::styled(format!(" {} {name} ", i + 1), style));
        spans.push(Span::styled(t.sym.step_sep, t.dim()));
    }
    let style = if current == 5 {
        t.step_current()
    } else {
        t.step_other()
    };
    spans.push(Span::styled(" Create ", style));
    Line::from(spans)
}

/// The bar's hints that fit; the global ones (help, quit) always stay.
fn hint_bar(hints: &[KeyHint], t: &Theme, width: usize) -> Line<'static> {
    let is_global = |h: &&KeyHint| matches!(h.keys, "?" | "q" | "Ctrl-C");
    let cost = |h: &&KeyHint| h.keys.chars().count() + h.action.chars().count() + 3;
    let shown: Vec<&KeyHint> = hints.iter().filter(|h| h.bar).collect();
    let global: Vec<&KeyHint> = shown.iter().copied().filter(is_global).collect();
    let mut budget = width
        .saturating_sub(1)
        .saturating_sub(global.iter().map(cost).sum());
    let mut keep: Vec<&KeyHint> = Vec::new();
    for h in shown.iter().filter(|h| !is_global(h)) {
        if cost(h) > budget {
            break;
        }
        budget -= cost(h);
        keep.push(h);
    }
    keep.extend(global);
    let mut spans = vec![Span::raw(" ")];
    for h in keep {
        spans.push(Span::styled(h.keys.to_owned(), t.key()));
        spans.push(Span::raw(format!(" {}  ", h.action)));
    }
    Line::from(spans)
}

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

fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

/// Every key of the current step, plus the global ones.
fn help(model: &Model, frame: &mut Frame, area: Rect) {
    let t = model.data.theme();
    // The help lists the step's keys, not the overlay's own.
    let overlay_free = model.step_commands();
    let mut lines: Vec<Line> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for h in &overlay_free {
        if !seen.insert((h.keys, h.action)) {
            continue;
        }
        lines.push(Line::from(vec![
            Span::styled(format!("{:<18}", h.keys), t.key()),
            Span::raw(h.action),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Esc or ? closes this help.", t.dim()));
    let name = match model.step.number() {
        1..=4 => STEPS[model.step.number() - 1],
        5 => "Create",
        _ => "Loading",
    };
    let rect = popup(area, 64, lines.len() as u16 + 2);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(t.sym.border)
        .border_style(t.focused_border())
        .title(format!(" Keys: {name} "));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn confirm(question: &str, t: &Theme, frame: &mut Frame, area: Rect) {
    let rect = popup(area, 56, 6);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(t.sym.border)
        .border_style(t.error())
        .title(" Quit? ");
    let lines = vec![
        Line::raw(question.to_owned()),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", t.key()),
            Span::raw(" quit   "),
            Span::styled("n", t.key()),
            Span::raw("/"),
            Span::styled("Esc", t.key()),
            Span::raw(" stay"),
        ]),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        rect,
    );
}

fn too_small(model: &Model, frame: &mut Frame, area: Rect) {
    let t = model.data.theme();
    let mut lines = vec![
        Line::styled("Terminal too small", t.error()),
        Line::raw(format!(
            "{}x{} now; the wizard needs at least {MIN_WIDTH}x{MIN_HEIGHT}.",
            area.width, area.height
        )),
        Line::raw("Enlarge the window; the wizard continues where you were."),
        Line::raw("Ctrl-C quits."),
    ];
    if let Some(Overlay::ConfirmQuit(q)) = &model.overlay {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("{q} (y/n)"), t.warning()));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
