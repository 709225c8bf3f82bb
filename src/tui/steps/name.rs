//! Step 1: the formation's name, validated live by the rule engine's name rules.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use crate::rules;
use crate::tui::component::{Component, Cx, Look, Outcome};
use crate::tui::data::{Data, Notice};
use crate::tui::input::TextInput;
use crate::tui::keys::{Binding, bind, hint, more, note};
use crate::tui::wrap::wrap_words;

/// What this step's keys do; every other key edits the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Next,
    Back,
}

pub struct NameStep {
    pub input: TextInput,
}

impl NameStep {
    pub fn new(data: &Data) -> NameStep {
        NameStep {
            input: TextInput::new(&data.plan.name),
        }
    }

    fn sync(&self, data: &mut Data) {
        data.plan.name = self.input.value().to_owned();
        data.reevaluate();
    }

    fn render(&self, data: &Data, notices: &[Notice], frame: &mut Frame, area: Rect) {
        let t = data.theme();
        let notice_lines = notices_text(notices, data, usize::from(area.width).saturating_sub(2));
        let notice_height = if notices.is_empty() {
            0
        } else {
            (notice_lines.len() as u16 + 2).min(area.height / 2)
        };
        let [notice_area, intro, field, feedback] = Layout::vertical([
            Constraint::Length(notice_height),
            Constraint::Length(3),
            Constraint::Length(3),
            Constraint::Min(0),
        ])
        .areas(area);
        if notice_height > 0 {
            let block = Block::default()
                .borders(Borders::ALL)
                .border_set(t.sym.border)
                .border_style(t.error())
                .title(Span::styled(" Before you start ", t.error()));
            frame.render_widget(
                Paragraph::new(notice_lines)
                    .block(block)
                    .wrap(Wrap { trim: false }),
                notice_area,
            );
        }
        let text = vec![
            Line::styled("Name the formation", t.title()),
            Line::from("The name is shown in the SAP BTP cockpit. Use Latin letters, digits,"),
            Line::from("spaces, '-' and '_'; start and end with a letter or digit."),
        ];
        frame.render_widget(Paragraph::new(text), intro);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(t.sym.border)
            .border_style(t.focused_border())
            .title(" Name ");
        let inner = block.inner(field);
        let (shown, col) = self.input.window(usize::from(inner.width));
        frame.render_widget(Paragraph::new(shown).block(block), field);
        frame.set_cursor_position(Position::new(inner.x + col as u16, inner.y));
        frame.render_widget(
            Paragraph::new(feedback_lines(data)).wrap(Wrap { trim: false }),
            feedback,
        );
    }
}

impl Component for NameStep {
    type Action = Action;

    fn bindings(&self, _data: &Data) -> Vec<Binding<Action>> {
        vec![
            bind(
                hint("Enter", "next"),
                &[KeyCode::Enter, KeyCode::Tab],
                Action::Next,
            ),
            note(hint("←→ Home End", "move")),
            note(hint("Ctrl-U/W", "delete")),
            note(more("Backspace/Delete", "delete a character")),
            note(more("Ctrl-A / Ctrl-E", "start / end of the name")),
            note(more("Ctrl-U", "delete up to the cursor")),
            note(more("Ctrl-W", "delete the word before the cursor")),
            bind(
                more("Esc", "back (this is the first step)"),
                &[KeyCode::Esc],
                Action::Back,
            ),
        ]
    }

    fn update(&mut self, action: Action, cx: &mut Cx<'_>) -> Outcome {
        let data = &mut *cx.data;
        match action {
            Action::Next => {
                let (violations, _) =
                    rules::check_name(&data.plan.name, &data.landscape, data.catalog());
                match violations.first() {
                    None => Outcome::Next,
                    Some(v) => Outcome::Flash(format!("Fix the name first: {}", v.message)),
                }
            }
            Action::Back => {
                Outcome::Flash("This is the first step; Ctrl-C quits the wizard.".into())
            }
        }
    }

    fn input(&mut self, key: KeyEvent, cx: &mut Cx<'_>) -> Outcome {
        if self.input.handle(key) {
            self.sync(cx.data);
        }
        Outcome::Handled
    }

    fn paste(&mut self, text: &str, cx: &mut Cx<'_>) {
        self.input.insert_str(text);
        self.sync(cx.data);
    }

    fn typing(&self) -> bool {
        true
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect) {
        self.render(look.data, look.notices, frame, area);
    }
}

/// The notices, wrapped to `width` so that the box can be sized to them.
fn notices_text(notices: &[Notice], data: &Data, width: usize) -> Vec<Line<'static>> {
    let t = data.theme();
    let mut lines = Vec::new();
    for n in notices {
        let message = format!("{} {}", t.sym.bad, crate::text::neutralise(&n.message));
        for row in wrap_words(&message, width) {
            lines.push(Line::styled(row, t.error()));
        }
        if let Some(fix) = &n.fix {
            let fix = format!("  What to do: {}", crate::text::neutralise(fix));
            lines.extend(wrap_words(&fix, width).into_iter().map(Line::raw));
        }
    }
    lines
}

/// The name rules' verdict, as the user types.
fn feedback_lines(data: &Data) -> Vec<Line<'static>> {
    let t = data.theme();
    if data.plan.name.is_empty() {
        return vec![Line::styled(
            "Type a name, for example: Task Center EU",
            t.dim(),
        )];
    }
    let (violations, warnings) =
        rules::check_name(&data.plan.name, &data.landscape, data.catalog());
    let mut lines = Vec::new();
    for v in &violations {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", t.sym.bad), t.error()),
            Span::styled(crate::text::neutralise(&v.message).into_owned(), t.error()),
        ]));
        if let Some(fix) = &v.fix {
            lines.push(Line::from(format!("  {}", crate::text::neutralise(fix))));
        }
    }
    for w in &warnings {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", t.sym.warn), t.warning()),
            Span::styled(
                crate::text::neutralise(&w.message).into_owned(),
                t.warning(),
            ),
        ]));
    }
    if violations.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", t.sym.ok), t.ok()),
            Span::raw("The name can be used. Enter continues."),
        ]));
    }
    lines
}
