//! Step 2: the formation type. A type that cannot be completed in this landscape is
//! disabled, with the rule engine's reason (`rules::availability`).

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Outcome, list_move, window_start};
use crate::catalog::FormationType;
use crate::rules::Availability;
use crate::tui::app::Data;
use crate::tui::keys::{self, KeyHint, hint, more};

pub struct TypeStep {
    pub highlight: usize,
    /// Per catalog type, in catalog order.
    pub availability: Vec<Availability>,
}

impl TypeStep {
    pub fn new(data: &Data) -> TypeStep {
        // Worked out once per landscape (O(systems) per type), not per visit or draw.
        let availability = data.availability().to_vec();
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
        TypeStep {
            highlight,
            availability,
        }
    }

    pub fn key(&mut self, key: KeyEvent, data: &Data, page: usize) -> Outcome {
        let types = &data.catalog().formation_types;
        if let Some(at) = list_move(&key, self.highlight, types.len(), page) {
            self.highlight = at;
            return Outcome::Handled;
        }
        match key.code {
            KeyCode::Enter | KeyCode::Char(' ') => self.choose(data),
            KeyCode::Esc | KeyCode::BackTab => Outcome::Back,
            _ => Outcome::Handled,
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

    pub fn commands(&self) -> Vec<KeyHint> {
        let mut out = vec![hint("Enter", "choose"), hint("Esc", "back")];
        out.extend(keys::list_moves());
        out.push(more("Space", "choose"));
        out
    }

    pub fn render(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let [title, list, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(4),
            Constraint::Length(7),
        ])
        .areas(area);
        frame.render_widget(Line::styled("Choose the formation type", t.title()), title);
        let types = &data.catalog().formation_types;
        let rows = usize::from(list.height);
        let start = window_start(&vec![2; types.len()], self.highlight, rows);
        let mut lines = Vec::new();
        for (i, ft) in types.iter().enumerate().skip(start).take(rows / 2 + 1) {
            lines.extend(self.item(data, i, ft, usize::from(list.width)));
        }
        frame.render_widget(Paragraph::new(lines), list);
        self.render_detail(data, frame, detail);
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

    fn render_detail(&self, data: &Data, frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let Some(ft) = data.catalog().formation_types.get(self.highlight) else {
            return;
        };
        let mut lines = vec![Line::from(ft.description.clone())];
        let takes: Vec<String> = ft
            .system_types
            .iter()
            .map(|a| format!("{} {}", a.label(), super::systems::bounds(a.min, a.max)))
            .collect();
        lines.push(Line::from(format!("Takes: {}", takes.join(", "))));
        if !ft.former_names.is_empty() {
            lines.push(Line::styled(
                format!("Formerly: {}", ft.former_names.join(", ")),
                t.dim(),
            ));
        }
        if let Some(Availability::Unavailable(why)) = self.availability.get(self.highlight) {
            lines.push(Line::from(vec![
                Span::styled(format!("{} Unavailable: ", t.sym.bad), t.error()),
                Span::raw(crate::text::neutralise(why).into_owned()),
            ]));
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(t.sym.border)
            .border_style(t.border())
            .title(format!(
                " {} ",
                t.fit(&ft.name, usize::from(area.width).saturating_sub(4))
            ));
        frame.render_widget(
            Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
            area,
        );
    }
}
