//! Step 2: the formation type. A type that cannot be completed in this landscape is
//! disabled, with the rule engine's reason (`rules::availability`).

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use std::cell::OnceCell;

use crate::catalog::FormationType;
use crate::rules::{self, Availability, Eligible};
use crate::text::neutralise;
use crate::tui::component::{Component, Cx, Look, Outcome};
use crate::tui::data::Data;
use crate::tui::keys::{Binding, bind, hint, more, note};
use crate::tui::widgets::list::{Move, apply_move, browse, window_start};
use crate::tui::wrap::wrap_words;

/// What this step's keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Move(Move),
    Choose,
    Back,
    Prerequisites,
}

pub struct TypeStep {
    pub highlight: usize,
    /// Per catalog type, in catalog order.
    pub availability: Vec<Availability>,
    /// Per catalog type, its eligible-system counts: worked out (O(systems of its types))
    /// the first time the type is highlighted, not on every draw.
    eligible: Vec<OnceCell<Vec<Eligible>>>,
}

impl TypeStep {
    pub fn new(data: &Data) -> TypeStep {
        // Worked out once per landscape (O(systems) per type), not per visit or draw. While
        // pages still arrive, a system a type needs may be on one of them: none is refused.
        let availability = if data.partial.is_some() {
            vec![Availability::Available; data.catalog().formation_types.len()]
        } else {
            data.availability().to_vec()
        };
        let types = &data.catalog().formation_types;
        let highlight = types
            .iter()
            .position(|t| t.id == data.plan.type_id)
            .or_else(|| {
                availability
                    .iter()
                    .position(|a| *a == Availability::Available)
            })
            .unwrap_or(0);
        let eligible = types.iter().map(|_| OnceCell::new()).collect();
        TypeStep {
            highlight,
            availability,
            eligible,
        }
    }

    fn choose(&self, data: &Data) -> Outcome {
        let Some(t) = data.catalog().formation_types.get(self.highlight) else {
            return Outcome::Handled;
        };
        match self.availability.get(self.highlight) {
            Some(Availability::Unavailable(why)) => Outcome::Flash(format!(
                "{} cannot be chosen: {}",
                t.name,
                crate::text::neutralise(why)
            )),
            _ => Outcome::ChooseType(t.id.clone()),
        }
    }

    fn render(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let types = &data.catalog().formation_types;
        let detail_lines = self.detail_lines(data, usize::from(area.width).saturating_sub(2));
        // The pane grows with what it has to say; the list keeps at least three types
        // (or half the body on a short window).
        let want = u16::try_from(detail_lines.len() + 2).unwrap_or(u16::MAX);
        let list_min = 7;
        let pane = want.min(
            area.height
                .saturating_sub(1 + list_min)
                .max(area.height / 2),
        );
        let [title, list, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(2),
            Constraint::Length(pane),
        ])
        .areas(area);
        let ready = self
            .availability
            .iter()
            .filter(|a| **a == Availability::Available)
            .count();
        frame.render_widget(
            Line::from(vec![
                Span::styled("Choose the formation type", t.title()),
                Span::raw(if data.partial.is_some() {
                    // Not known before every system is in.
                    "  which types can be completed: once every page is in".to_owned()
                } else {
                    format!("  {ready} of {} types can be completed here", types.len())
                }),
            ]),
            title,
        );
        let rows = usize::from(list.height);
        let start = window_start(&vec![2; types.len()], self.highlight, rows);
        let mut lines = Vec::new();
        for (i, ft) in types.iter().enumerate().skip(start).take(rows / 2 + 1) {
            lines.extend(self.item(data, i, ft, usize::from(list.width)));
        }
        frame.render_widget(Paragraph::new(lines), list);
        self.render_detail(data, detail_lines, frame, detail);
    }

    /// Two lines: the marker and name, then the description or, when disabled, the reason.
    fn item(&self, data: &Data, i: usize, ft: &FormationType, width: usize) -> [Line<'static>; 2] {
        let t = data.theme();
        let here = i == self.highlight;
        let chosen = ft.id == data.plan.type_id;
        let why = match self.availability.get(i) {
            Some(Availability::Unavailable(why)) => Some(why),
            _ => None,
        };
        let marker = match (why, chosen) {
            (Some(_), _) => t.sym.disabled,
            (None, true) => "(*)",
            (None, false) => "( )",
        };
        let pointer = if here { t.sym.pointer } else { " " };
        let mut style = if why.is_some() {
            t.disabled()
        } else {
            t.base()
        };
        if here {
            style = style.patch(t.highlight());
        }
        let suffix = if why.is_some() { " (unavailable)" } else { "" };
        let head = format!("{pointer} {marker} {}{suffix}", ft.name);
        let second = match why {
            Some(why) => Line::from(vec![
                Span::raw("      "),
                Span::styled(
                    t.fit(&format!("{} {why}", t.sym.bad), width.saturating_sub(6)),
                    t.reason(),
                ),
            ]),
            None => Line::from(vec![
                Span::raw("      "),
                Span::styled(t.fit(&ft.description, width.saturating_sub(6)), t.dim()),
            ]),
        };
        [Line::styled(t.fit(&head, width), style), second]
    }

    /// The highlighted type taught: its rules, what it enables, what it needs of the user
    /// and of the landscape, all in words from the catalog and the rule engine.
    fn detail_lines(&self, data: &Data, width: usize) -> Vec<Line<'static>> {
        let t = data.theme();
        let Some(ft) = data.catalog().formation_types.get(self.highlight) else {
            return Vec::new();
        };
        let mut lines = Vec::new();
        let para = |lines: &mut Vec<Line<'static>>, head: &str, text: &str| {
            let rows = wrap_words(
                &neutralise(&format!("{head}{text}")),
                width.saturating_sub(2),
            );
            for (i, row) in rows.into_iter().enumerate() {
                let lead = if i == 0 { "" } else { "  " };
                lines.push(Line::raw(format!("{lead}{row}")));
            }
        };
        for rule in rules::rules_in_words(ft) {
            para(&mut lines, &format!("{} ", t.sym.bullet), &rule);
        }
        for e in rules::enables_in_words(ft) {
            para(&mut lines, "Enables: ", &e);
        }
        let eligible = self.eligible[self.highlight]
            .get_or_init(|| rules::eligible_counts(ft, &data.landscape, data.catalog()));
        let counts: Vec<String> = eligible
            .iter()
            .map(|e| {
                let short = if e.eligible < e.min {
                    format!(" {} needs {}", t.sym.bad, e.min)
                } else {
                    String::new()
                };
                format!("{} {} of {}{short}", e.label, e.eligible, e.total)
            })
            .collect();
        para(
            &mut lines,
            "Eligible here: ",
            &counts.join(&format!(" {} ", t.sym.bullet)),
        );
        let roles = rules::join_or(&data.catalog().admin_roles, "or");
        match rules::check_role(&data.landscape, data.catalog()) {
            Some(f) => lines.push(Line::styled(
                format!("{} Role: {}", t.sym.bad, neutralise(&f.message)),
                t.error(),
            )),
            None => para(&mut lines, "Role: ", &roles),
        }
        para(&mut lines, "", &ft.description);
        if !ft.former_names.is_empty() {
            para(&mut lines, "Formerly: ", &ft.former_names.join(", "));
        }
        if let Some(Availability::Unavailable(why)) = self.availability.get(self.highlight) {
            lines.push(Line::from(vec![
                Span::styled(format!("{} Unavailable: ", t.sym.bad), t.error()),
                Span::raw(neutralise(why).into_owned()),
            ]));
        }
        lines
    }

    fn render_detail(&self, data: &Data, lines: Vec<Line<'static>>, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let Some(ft) = data.catalog().formation_types.get(self.highlight) else {
            return;
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(t.sym.border)
            .border_style(t.border())
            .title(format!(
                " {} ",
                t.fit(&ft.name, usize::from(area.width).saturating_sub(4))
            ));
        // Already wrapped by `detail_lines`, keeping the hanging indent.
        frame.render_widget(Paragraph::new(lines).block(block), area);
    }
}

impl Component for TypeStep {
    type Action = Action;

    fn bindings(&self, data: &Data) -> Vec<Binding<Action>> {
        let mut out = vec![
            bind(
                hint("Enter", "choose"),
                &[KeyCode::Enter, KeyCode::Char(' ')],
                Action::Choose,
            ),
            bind(
                hint("Esc", "back"),
                &[KeyCode::Esc, KeyCode::BackTab],
                Action::Back,
            ),
        ];
        out.extend(browse(Action::Move));
        out.push(note(more("Space", "choose")));
        out.extend(super::prerequisites_key(data, Action::Prerequisites));
        out
    }

    fn update(&mut self, action: Action, cx: &mut Cx<'_>) -> Outcome {
        match action {
            Action::Move(m) => {
                let len = cx.data.catalog().formation_types.len();
                self.highlight = apply_move(m, self.highlight, len, cx.page);
                Outcome::Handled
            }
            Action::Choose => self.choose(cx.data),
            Action::Back => Outcome::Back,
            Action::Prerequisites => Outcome::Prerequisites,
        }
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect) {
        self.render(look.data, frame, area);
    }
}
