//! Drawing. `view` reads the model and draws; it changes nothing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::component::{Component, Look};
use super::keys::KeyHint;
use super::model::{MIN_HEIGHT, MIN_WIDTH, Model, Overlay, Screen, Step, with_screen, with_step};
use super::theme::Theme;
use super::wrap::wrap_words;

const STEPS: [&str; 4] = ["Name", "Type", "Systems", "Review"];

pub fn view(model: &Model, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(model, frame, area);
        return;
    }
    if let Some(screen) = model.top_screen() {
        screen_view(model, screen, frame, area);
        return;
    }
    let [header, steps, body, flash, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(flash_height(model, area)),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(header_line(model, usize::from(area.width)), header);
    match &model.data.adding {
        Some(adding) => frame.render_widget(
            adding_bar(model, &adding.name, usize::from(area.width)),
            steps,
        ),
        None => frame.render_widget(step_bar(model), steps),
    }
    let body = body.inner(ratatui::layout::Margin::new(1, 0));
    let look = look(model);
    with_step!(&model.step, c => c.draw(&look, frame, body));
    if let Some(panel) = &model.register {
        panel.draw(&look, frame, body);
    }
    footer(model, frame, flash, hints);
    overlay(model, frame, area);
}

/// A management screen: the header, the screen, the flash line, the hint bar (the screen's
/// keys and the global ones), and the help or quit overlay.
fn screen_view(model: &Model, screen: &Screen, frame: &mut Frame, area: Rect) {
    let [header, body, flash, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(flash_height(model, area)),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(header_line(model, usize::from(area.width)), header);
    let look = look(model);
    with_screen!(screen, c => c.draw(&look, frame, body), wizard => ());
    footer(model, frame, flash, hints);
    overlay(model, frame, area);
}

/// Lines the answer to the last key takes: it wraps rather than losing its end (a reason
/// comes last, and a rule's reason can take several lines at 80 columns), up to a third of
/// the window.
fn flash_height(model: &Model, area: Rect) -> u16 {
    let Some(text) = &model.flash else {
        return 1;
    };
    let most = (area.height / 3).max(1);
    u16::try_from(wrapped_lines(text, usize::from(area.width)))
        .unwrap_or(u16::MAX)
        .clamp(1, most)
}

/// How many lines `text` takes wrapped to `width` columns, each of its lines on its own.
fn wrapped_lines(text: &str, width: usize) -> usize {
    text.split('\n')
        .map(|line| wrap_words(line, width).len())
        .sum::<usize>()
        .max(1)
}

/// The answer to the last key under every screen, wrapped (its last line cut with … if it
/// is longer still), and the hint bar.
fn footer(model: &Model, frame: &mut Frame, flash: Rect, hints: Rect) {
    let t = model.data.theme();
    if let Some(text) = &model.flash {
        let width = usize::from(flash.width);
        // A server's line breaks are lines here too.
        let mut rows: Vec<String> = text
            .split('\n')
            .flat_map(|line| wrap_words(&crate::text::neutralise(line), width))
            .collect();
        let room = usize::from(flash.height).max(1);
        if rows.len() > room {
            // The last row that shows says that more was cut.
            let rest = rows.split_off(room - 1).join(" ");
            rows.push(t.fit(&rest, width));
        }
        let lines: Vec<Line> = rows
            .into_iter()
            .map(|r| Line::styled(t.fit(&r, width), t.warning()))
            .collect();
        frame.render_widget(Paragraph::new(lines), flash);
    }
    frame.render_widget(
        hint_bar(&model.commands(), t, usize::from(hints.width)),
        hints,
    );
}

/// The help, or a question that takes every key, over whatever screen is shown.
fn overlay(model: &Model, frame: &mut Frame, area: Rect) {
    match &model.overlay {
        Some(Overlay::Help) => help(model, frame, area),
        Some(Overlay::ConfirmQuit(q)) => confirm(q, model.data.theme(), frame, area),
        Some(Overlay::ConfirmCreate { .. }) => confirm_create(model, frame, area),
        None => {}
    }
}

/// What the components may read as they draw.
fn look(model: &Model) -> Look<'_> {
    Look {
        data: &model.data,
        spinner: model.spinner,
        notices: &model.notices,
        loading: model.load.progress,
    }
}

/// "Formation Wizard  DEMO  ACME Global · file: …/landscape.json", or for a Director
/// "tenant t-1 · ACME Global · director.example": where a formation would be created, on
/// every step. When it does not fit, the path (or host) is cut first, keeping its end (a
/// path's file name matters most), then the tenant; the account's name is cut last.
fn header_line(model: &Model, width: usize) -> Line<'static> {
    let t = model.data.theme();
    let mut spans = vec![Span::styled(" Formation Wizard ", t.title())];
    if model.data.ctx.backend.is_demo() {
        spans.push(Span::styled(" DEMO ", t.demo()));
    }
    if let Some((read, total)) = model.data.partial {
        let t = model.data.theme();
        spans.push(Span::styled(
            format!(
                " loading {} of {}… ",
                super::data::thousands(read),
                super::data::thousands(total)
            ),
            t.warning(),
        ));
    }
    if let Some(when) = &model.data.cached {
        // Before the target, so that a long path is cut and this never is.
        spans.push(Span::styled(
            format!(" as of {when}, refreshing… "),
            t.warning(),
        ));
    }
    let used: usize = spans.iter().map(Span::width).sum();
    let target = super::target::short(&model.data);
    let room = width.saturating_sub(used + 1);
    spans.push(Span::raw(format!(" {}", fit_target(&target, room, t))));
    Line::from(spans)
}

/// The header's target in `max` columns: whole when it fits; else the place cut to what is
/// left (its end kept), or left out when less than a few columns are; then the tenant the
/// same way; the account's name is cut (at its end) only when it alone is too long.
pub(crate) fn fit_target(target: &super::target::Short, max: usize, t: &Theme) -> String {
    const LEAST: usize = 8;
    let sep = format!(" {} ", t.sym.bullet);
    let join = |pieces: &[&str]| pieces.join(&sep);
    let whole = join(&target.pieces());
    if crate::text::width(&whole) <= max {
        return whole;
    }
    let account = target.account.as_deref();
    let tenant = target.tenant.as_deref();
    // The place cut to the room the others leave.
    let others: Vec<&str> = tenant.into_iter().chain(account).collect();
    let fixed = crate::text::width(&join(&others))
        + if others.is_empty() {
            0
        } else {
            crate::text::width(&sep)
        };
    let room = max.saturating_sub(fixed);
    if room >= LEAST {
        let place = fit_tail(&target.place, room, t);
        return join(
            &others
                .into_iter()
                .chain([place.as_str()])
                .collect::<Vec<_>>(),
        );
    }
    // Without the place: the tenant cut to what the account's name leaves.
    if let (Some(tenant), Some(account)) = (tenant, account) {
        let room = max.saturating_sub(crate::text::width(account) + crate::text::width(&sep));
        if room >= LEAST {
            return join(&[&t.fit(tenant, room), account]);
        }
    }
    match account.or(tenant) {
        Some(kept) => t.fit(kept, max),
        None => fit_tail(&target.place, max, t),
    }
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

/// In place of the step bar while adding to an existing formation: what is being changed.
fn adding_bar(model: &Model, name: &str, width: usize) -> Line<'static> {
    let t = model.data.theme();
    let type_name = model
        .data
        .catalog()
        .by_id(&model.data.plan.type_id)
        .map_or("", |ty| ty.name.as_str());
    let title = format!(" Add systems to \"{}\" ", crate::text::neutralise(name));
    let room = width.saturating_sub(crate::text::width(&title) + 3);
    Line::from(vec![
        Span::raw(" "),
        Span::styled(t.fit(&title, width.saturating_sub(1)), t.step_current()),
        Span::styled(
            format!(" {}", t.fit(&crate::text::neutralise(type_name), room)),
            t.dim(),
        ),
    ])
}

/// The bar's hints that fit; the global ones (help, quit) always stay.
fn hint_bar(hints: &[KeyHint], t: &Theme, width: usize) -> Line<'static> {
    let is_global = |h: &&KeyHint| matches!(h.keys, "?" | "q" | "Ctrl-C");
    let cost =
        |h: &&KeyHint| crate::text::width(&t.keys(h.keys)) + crate::text::width(h.action) + 3;
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
        spans.push(Span::styled(t.keys(h.keys), t.key()));
        spans.push(Span::raw(format!(" {}  ", h.action)));
    }
    Line::from(spans)
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

/// The help's width, borders included.
const HELP_WIDTH: usize = 64;

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
            Span::styled(format!("{:<18}", t.keys(h.keys)), t.key()),
            Span::raw(h.action),
        ]));
    }
    if let (Some(checklist), Some(Overlay::Help), Step::Name(_)) =
        (&model.help_checklist, &model.overlay, &model.step)
    {
        lines.push(Line::raw(""));
        let inner = usize::from(area.width).min(HELP_WIDTH).saturating_sub(2);
        lines.extend(checklist.help_lines(t, inner));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!(
            "Esc or ? closes this help; {}{}/PgUp/PgDn scroll it.",
            t.sym.up_key, t.sym.down_key
        ),
        t.dim(),
    ));
    let name = match (model.top_screen(), model.step.number()) {
        (Some(Screen::Formations(_)), _) => "Formations",
        (Some(Screen::Prerequisites(_)), _) => "Prerequisites",
        (Some(Screen::Formation(_)), _) => "Formation",
        _ if model.data.adding.is_some() => "Add systems",
        (_, n @ 1..=4) => STEPS[n - 1],
        (_, 5) => "Create",
        _ => "Loading",
    };
    let rect = popup(
        area,
        HELP_WIDTH as u16,
        u16::try_from(lines.len() + 2).unwrap_or(u16::MAX),
    );
    let rows = usize::from(rect.height.saturating_sub(2));
    let max = lines.len().saturating_sub(rows);
    let from = usize::from(model.help_scroll).min(max);
    let below = max - from;
    let mut shown: Vec<Line> = lines.into_iter().skip(from).collect();
    if below > 0 {
        shown.truncate(rows.saturating_sub(1));
        shown.push(Line::styled(
            format!(
                "{} {below} more line{} below",
                t.sym.more_below,
                crate::rules::plural(below)
            ),
            t.warning(),
        ));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(t.sym.border)
        .border_style(t.focused_border())
        .title(format!(" Keys: {name} "));
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(shown).block(block), rect);
}

/// "Create this formation?": what (name, type, systems) and where, and only `y` confirms.
fn confirm_create(model: &Model, frame: &mut Frame, area: Rect) {
    let data = &model.data;
    let t = data.theme();
    let width = area.width.saturating_sub(4).min(72);
    let text_width = usize::from(width.saturating_sub(2));
    let plan = &data.plan;
    let type_name = data
        .catalog()
        .by_id(&plan.type_id)
        .map_or(plan.type_id.as_str(), |f| f.name.as_str());
    let systems: Vec<String> = plan
        .systems
        .iter()
        .map(|id| match data.landscape.system(id) {
            Some(s) => format!("{} ({id})", s.name),
            None => id.clone(),
        })
        .collect();
    let what = format!(
        "Create the formation \"{}\" of type {type_name} with {} system{}: {}.",
        plan.name,
        systems.len(),
        crate::rules::plural(systems.len()),
        systems.join(", ")
    );
    let mut lines: Vec<Line> = Vec::new();
    let target = super::target::sentence(data);
    let place = format!("Where: {}.", target.trim_start_matches("in "));
    for text in [what, place] {
        let clean = crate::text::neutralise(&text).into_owned();
        lines.extend(wrap_words(&clean, text_width).into_iter().map(Line::raw));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled("y", t.key()),
        Span::raw(" creates it   "),
        Span::styled("any other key", t.key()),
        Span::raw(" cancels"),
    ]));
    let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let rect = popup(area, width, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(t.sym.border)
        .border_style(t.warning())
        .title(" Create this formation? ");
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
        Line::raw("Until then every key but Ctrl-C is ignored. Ctrl-C quits."),
    ];
    if let Some(Overlay::ConfirmQuit(q)) = &model.overlay {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("{q} Ctrl-C again quits."),
            t.warning(),
        ));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
