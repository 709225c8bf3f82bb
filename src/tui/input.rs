//! A one-line text input with cursor editing: the keys of a shell prompt (left/right,
//! Home/End, Backspace/Delete, Ctrl-A/E/U/W) and paste. The cursor counts characters.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    value: String,
    /// Position in characters, 0..=len.
    cursor: usize,
}

impl TextInput {
    pub fn new(value: &str) -> TextInput {
        TextInput {
            value: value.to_owned(),
            cursor: value.chars().count(),
        }
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn len(&self) -> usize {
        self.value.chars().count()
    }

    fn byte_at(&self, char_pos: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_pos)
            .map_or(self.value.len(), |(i, _)| i)
    }

    pub fn insert_str(&mut self, s: &str) {
        // A pasted line break would end up inside the name; a name is one line.
        let clean: String = s.chars().filter(|c| *c != '\n' && *c != '\r').collect();
        let at = self.byte_at(self.cursor);
        self.value.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.value.insert(at, c);
        self.cursor += 1;
    }

    fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.value.remove(at);
        }
    }

    fn delete(&mut self) {
        if self.cursor < self.len() {
            let at = self.byte_at(self.cursor);
            self.value.remove(at);
        }
    }

    /// Ctrl-U: deletes from the start to the cursor.
    fn kill_to_start(&mut self) {
        let at = self.byte_at(self.cursor);
        self.value.replace_range(..at, "");
        self.cursor = 0;
    }

    /// Ctrl-W: deletes the word before the cursor and the spaces after it.
    fn delete_word_back(&mut self) {
        let chars: Vec<char> = self.value.chars().collect();
        let mut start = self.cursor;
        while start > 0 && chars[start - 1].is_whitespace() {
            start -= 1;
        }
        while start > 0 && !chars[start - 1].is_whitespace() {
            start -= 1;
        }
        let (from, to) = (self.byte_at(start), self.byte_at(self.cursor));
        self.value.replace_range(from..to, "");
        self.cursor = start;
    }

    /// Applies an editing key; returns false when the key is not an editing key.
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('a') if ctrl => self.cursor = 0,
            KeyCode::Char('e') if ctrl => self.cursor = self.len(),
            KeyCode::Char('u') if ctrl => self.kill_to_start(),
            KeyCode::Char('w') if ctrl => self.delete_word_back(),
            KeyCode::Char('b') if ctrl => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Char('f') if ctrl => self.cursor = (self.cursor + 1).min(self.len()),
            KeyCode::Char(_) if ctrl || key.modifiers.contains(KeyModifiers::ALT) => return false,
            KeyCode::Char(c) => self.insert(c),
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(self.len()),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = self.len(),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => self.delete(),
            _ => return false,
        }
        true
    }

    /// The part of the value to show in `width` columns so that the cursor is visible, and
    /// the cursor's column within it. Control characters are neutralised for display.
    pub fn window(&self, width: usize) -> (String, usize) {
        let shown = crate::text::neutralise(&self.value);
        let chars: Vec<char> = shown.chars().collect();
        let col = |range: &[char]| crate::text::width(&range.iter().collect::<String>());
        let width = width.max(1);
        let mut start = 0;
        // Leave one column for the cursor after the last character.
        while col(&chars[start..self.cursor.min(chars.len())]) >= width {
            start += 1;
        }
        let mut end = start;
        while end < chars.len() && col(&chars[start..=end]) <= width {
            end += 1;
        }
        let visible: String = chars[start..end].iter().collect();
        (visible, col(&chars[start..self.cursor.min(chars.len())]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn typed(s: &str) -> TextInput {
        let mut i = TextInput::default();
        for c in s.chars() {
            i.handle(key(KeyCode::Char(c)));
        }
        i
    }

    #[test]
    fn edits_in_the_middle() {
        let mut i = typed("Task EU");
        for _ in 0..2 {
            i.handle(key(KeyCode::Left));
        }
        i.insert_str("Center ");
        assert_eq!(i.value(), "Task Center EU");
        i.handle(key(KeyCode::Home));
        i.handle(key(KeyCode::Delete));
        assert_eq!(i.value(), "ask Center EU");
        i.handle(key(KeyCode::End));
        i.handle(key(KeyCode::Backspace));
        assert_eq!(i.value(), "ask Center E");
        assert_eq!(i.cursor(), 12);
    }

    #[test]
    fn readline_keys() {
        let mut i = typed("one two  three");
        i.handle(ctrl('w'));
        assert_eq!(i.value(), "one two  ");
        i.handle(ctrl('w'));
        assert_eq!(i.value(), "one ");
        i.handle(ctrl('a'));
        assert_eq!(i.cursor(), 0);
        i.handle(ctrl('e'));
        i.handle(ctrl('u'));
        assert_eq!(i.value(), "");
        assert!(!i.handle(ctrl('c')), "Ctrl-C is not an editing key");
    }

    #[test]
    fn multibyte_and_paste_newlines() {
        let mut i = typed("äö");
        i.handle(key(KeyCode::Left));
        i.insert_str("x\ny");
        assert_eq!(i.value(), "äxyö");
        i.handle(key(KeyCode::Backspace));
        assert_eq!(i.value(), "äxö");
    }

    #[test]
    fn window_keeps_cursor_visible() {
        let i = typed("abcdefghij");
        let (shown, col) = i.window(5);
        assert_eq!((shown.as_str(), col), ("ghij", 4));
        let mut i = i;
        i.handle(key(KeyCode::Home));
        let (shown, col) = i.window(5);
        assert_eq!((shown.as_str(), col), ("abcde", 0));
    }
}
