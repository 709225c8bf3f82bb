//! While the landscape loads: what is read so far. The step the user asked for opens when
//! it is in; Esc goes back to the name meanwhile.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::component::{Component, Cx, Look, Outcome};
use crate::tui::data::Data;
use crate::tui::keys::{Binding, bind, hint};

/// What this step's keys do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ToName,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct LoadingStep;

impl Component for LoadingStep {
    type Action = Action;

    fn bindings(&self, _data: &Data) -> Vec<Binding<Action>> {
        vec![bind(
            hint("Esc", "back to the name"),
            &[KeyCode::Esc],
            Action::ToName,
        )]
    }

    fn update(&mut self, action: Action, _cx: &mut Cx<'_>) -> Outcome {
        match action {
            Action::ToName => Outcome::Goto(1),
        }
    }

    fn draw(&self, look: &Look<'_>, frame: &mut Frame, area: Rect) {
        let data = look.data;
        let t = data.theme();
        let spin = t.sym.spinner[look.spinner % t.sym.spinner.len()];
        let read = match look.loading {
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
}
