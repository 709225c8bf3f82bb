//! JSON text changed without being rewritten: a landscape file is the user's, with fields
//! this program does not know (numbers of any precision among them) and its own layout,
//! compact or indented. An edit replaces only the values that changed; every other byte
//! stays as written, and what is new is written in the file's own style. Also refuses a
//! document in which an object repeats a key, which a parser would otherwise collapse.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

/// Refuses a document in which any object has the same key twice; the error carries the
/// line and column where the repeat was found. Values nested deeper than [`CHECKED_DEPTH`]
/// are skipped unchecked, without recursion: a landscape has no such depth, and a hostile
/// nesting must neither overflow the stack nor hide the real problem of the file.
pub fn check_unique_keys(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Unique(0).deserialize(&mut de)?;
    de.end()
}

/// How deep keys are checked; within serde_json's own recursion limit of 128.
pub const CHECKED_DEPTH: u16 = 64;

/// Walks any JSON value at a depth, remembering the keys of each object: `Unique(0)` is
/// the whole document, `Unique(n + 1)` a value inside a container at depth `n`. The
/// one-pass landscape reader walks the values it does not know with it, at the depth the
/// whole-document check would have reached them.
#[derive(Clone, Copy)]
pub struct Unique(pub u16);

impl<'de> DeserializeSeed<'de> for Unique {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.0 >= CHECKED_DEPTH {
            d.deserialize_ignored_any(de::IgnoredAny).map(drop)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Unique {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Unique(self.0 + 1))?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: HashSet<Cow<'de, str>> = HashSet::new();
        while let Some(Key(key)) = map.next_key()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format!(
                    "the key \"{}\" appears twice in one object",
                    crate::text::fit(&key, 60)
                )));
            }
            seen.insert(key);
            map.next_value_seed(Unique(self.0 + 1))?;
        }
        Ok(())
    }
}

/// An object key, borrowed from the input when it has no escapes.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// How a document is laid out, for what is written new into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Style {
    /// One line.
    compact: bool,
    /// On one line, a space after each colon and comma (`{"a": 1, "b": 2}`).
    spaced: bool,
    /// One level of indentation, e.g. two spaces.
    unit: String,
}

impl Style {
    /// The style of `text`: compact when the value is on one line, else indented by the
    /// whitespace that starts its second line.
    pub fn of(text: &str) -> Style {
        let body = text.trim();
        match body.find('\n') {
            None => Style {
                compact: true,
                spaced: body.contains("\": "),
                unit: String::new(),
            },
            Some(nl) => {
                let rest = &body[nl + 1..];
                let unit: String = rest
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                Style {
                    compact: false,
                    spaced: true,
                    unit: if unit.is_empty() { "  ".into() } else { unit },
                }
            }
        }
    }

    /// `value` written new in this style, its later lines indented by `indent`.
    fn fresh(&self, value: &Value, indent: &str) -> Result<String, String> {
        if self.compact && !self.spaced {
            return serde_json::to_string(value).map_err(|e| e.to_string());
        }
        let mut out = Vec::new();
        if self.compact {
            let mut ser = serde_json::Serializer::with_formatter(&mut out, Spaced);
            serde::Serialize::serialize(value, &mut ser).map_err(|e| e.to_string())?;
            return String::from_utf8(out).map_err(|e| e.to_string());
        }
        let formatter = serde_json::ser::PrettyFormatter::with_indent(self.unit.as_bytes());
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        serde::Serialize::serialize(value, &mut ser).map_err(|e| e.to_string())?;
        let text = String::from_utf8(out).map_err(|e| e.to_string())?;
        Ok(text.replace('\n', &format!("\n{indent}")))
    }

    fn key_separator(&self) -> &'static str {
        if self.spaced { ": " } else { ":" }
    }

    /// Lead, separator and trail of a container whose own line is indented by `indent`.
    fn separators(&self, indent: &str) -> Separators {
        if self.compact {
            return Separators {
                lead: String::new(),
                sep: if self.spaced { ", " } else { "," }.into(),
                trail: String::new(),
            };
        }
        let lead = format!("\n{indent}{}", self.unit);
        Separators {
            sep: format!(",{lead}"),
            lead,
            trail: format!("\n{indent}"),
        }
    }
}

/// One line with a space after each colon and comma.
struct Spaced;

impl serde_json::ser::Formatter for Spaced {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
}

/// The whitespace between a container's brackets and its items, and between items.
struct Separators {
    lead: String,
    sep: String,
    trail: String,
}

impl Separators {
    /// Taken from an existing container's text and the spans of its items.
    fn of(text: &str, spans: &[(usize, usize)], style: &Style, indent: &str) -> Separators {
        match spans {
            [] => style.separators(indent),
            [(start, end)] => {
                let lead = text[1..*start].to_owned();
                Separators {
                    sep: if lead.contains('\n') {
                        format!(",{lead}")
                    } else if style.compact && !style.spaced {
                        ",".into()
                    } else {
                        ", ".into()
                    },
                    trail: text[*end..text.len() - 1].to_owned(),
                    lead,
                }
            }
            [(s0, e0), (s1, _), ..] => Separators {
                lead: text[1..*s0].to_owned(),
                sep: text[*e0..*s1].to_owned(),
                trail: text[spans[spans.len() - 1].1..text.len() - 1].to_owned(),
            },
        }
    }

    /// The indentation of the items' lines.
    fn item_indent(&self) -> &str {
        self.lead.rsplit('\n').next().unwrap_or("")
    }

    fn wrap(&self, open: char, items: &[String], close: char) -> String {
        if items.is_empty() {
            return format!("{open}{close}");
        }
        format!(
            "{open}{}{}{}{close}",
            self.lead,
            items.join(&self.sep),
            self.trail
        )
    }
}

fn offset(base: &str, part: &str) -> usize {
    part.as_ptr() as usize - base.as_ptr() as usize
}

fn bad(e: serde_json::Error) -> String {
    e.to_string()
}

/// `new` written in place of `old`, the original text of the same value whose line is
/// indented by `indent`: equal parts keep their bytes.
pub fn render(old: &str, new: &Value, style: &Style, indent: &str) -> Result<String, String> {
    let before: Value = serde_json::from_str(old).map_err(bad)?;
    if &before == new {
        return Ok(old.to_owned());
    }
    match new {
        Value::Array(items) if old.starts_with('[') => render_array(old, items, style, indent),
        Value::Object(map) if old.starts_with('{') => render_object(old, map, style, indent),
        _ => style.fresh(new, indent),
    }
}

fn id_of(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

/// Items are matched to the old ones by their `"id"` when they have one (a list of
/// formations), else by position (a list of system ids).
fn render_array(old: &str, items: &[Value], style: &Style, indent: &str) -> Result<String, String> {
    let parts: Vec<&RawValue> = serde_json::from_str(old).map_err(bad)?;
    let spans: Vec<(usize, usize)> = parts
        .iter()
        .map(|p| {
            let start = offset(old, p.get());
            (start, start + p.get().len())
        })
        .collect();
    let seps = Separators::of(old, &spans, style, indent);
    let item_indent = seps.item_indent().to_owned();
    let olds: Vec<Value> = parts
        .iter()
        .map(|p| serde_json::from_str(p.get()))
        .collect::<Result<_, _>>()
        .map_err(bad)?;
    let by_id: HashMap<&str, usize> = olds
        .iter()
        .enumerate()
        .filter_map(|(i, v)| id_of(v).map(|id| (id, i)))
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for (pos, item) in items.iter().enumerate() {
        let matched = match id_of(item) {
            Some(id) => by_id.get(id).copied(),
            None => (pos < parts.len() && id_of(&olds[pos]).is_none()).then_some(pos),
        };
        out.push(match matched {
            Some(i) if olds[i] == *item => parts[i].get().to_owned(),
            Some(i) => render(parts[i].get(), item, style, &item_indent)?,
            None => style.fresh(item, &item_indent)?,
        });
    }
    Ok(seps.wrap('[', &out, ']'))
}

/// One member of an object's text: where its key starts, and its value.
struct Member<'a> {
    key: String,
    key_start: usize,
    value: &'a RawValue,
}

fn members(old: &str) -> Result<Vec<Member<'_>>, String> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<(String, &'de RawValue)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(old);
    let pairs = de.deserialize_map(V).map_err(bad)?;
    pairs
        .into_iter()
        .map(|(key, value)| {
            let key_start = key_start(old, offset(old, value.get()))
                .ok_or_else(|| format!("cannot find the key \"{key}\" in the text"))?;
            Ok(Member {
                key,
                key_start,
                value,
            })
        })
        .collect()
}

/// Where the key whose value starts at `value_start` begins: back over the colon and the
/// whitespace to the closing quote, then to the first quote not escaped by a backslash.
fn key_start(text: &str, value_start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = value_start;
    let skip_ws = |mut i: usize| {
        while i > 0 && bytes[i - 1].is_ascii_whitespace() {
            i -= 1;
        }
        i
    };
    i = skip_ws(i);
    if i == 0 || bytes[i - 1] != b':' {
        return None;
    }
    i = skip_ws(i - 1);
    if i == 0 || bytes[i - 1] != b'"' {
        return None;
    }
    let mut quote = i - 1;
    loop {
        quote = memchr::memrchr(b'"', &bytes[..quote])?;
        let backslashes = bytes[..quote]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 0 {
            return Some(quote);
        }
    }
}

fn render_object(
    old: &str,
    map: &serde_json::Map<String, Value>,
    style: &Style,
    indent: &str,
) -> Result<String, String> {
    let members = members(old)?;
    let spans: Vec<(usize, usize)> = members
        .iter()
        .map(|m| {
            (
                m.key_start,
                offset(old, m.value.get()) + m.value.get().len(),
            )
        })
        .collect();
    let seps = Separators::of(old, &spans, style, indent);
    let item_indent = seps.item_indent().to_owned();
    // The separator between key and value, as the object writes it.
    let colon = members.first().map_or(style.key_separator(), |m| {
        let after_key = key_end(old, m);
        &old[after_key..offset(old, m.value.get())]
    });
    let mut out = Vec::with_capacity(map.len());
    for (key, value) in map {
        let text = match members.iter().find(|m| &m.key == key) {
            Some(m) => {
                let value_start = offset(old, m.value.get());
                format!(
                    "{}{}",
                    &old[m.key_start..value_start],
                    render(m.value.get(), value, style, &item_indent)?
                )
            }
            None => format!(
                "{}{colon}{}",
                serde_json::to_string(key).map_err(bad)?,
                style.fresh(value, &item_indent)?
            ),
        };
        out.push(text);
    }
    Ok(seps.wrap('{', &out, '}'))
}

/// Just past the closing quote of a member's key.
fn key_end(old: &str, m: &Member<'_>) -> usize {
    let value_start = offset(old, m.value.get());
    old[..value_start]
        .rfind(':')
        .map_or(value_start, |colon| old[..colon].trim_end().len())
}

/// Replaces the value of the top-level `key` of the object `text` by what `edit` makes of
/// it (or of `default` when the key is missing), keeping every other byte. Returns the new
/// text, or `None` when `edit` changed nothing.
pub fn edit_member(
    text: &str,
    key: &str,
    default: Value,
    edit: impl FnOnce(&mut Value) -> Result<(), String>,
) -> Result<Option<String>, String> {
    let style = Style::of(text);
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len();
    let body = &text[start..end];
    if !body.starts_with('{') {
        return Err("the top level is not an object".into());
    }
    let members = members(body)?;
    match members.iter().find(|m| m.key == key) {
        Some(m) => {
            let old = m.value.get();
            let mut value: Value = serde_json::from_str(old).map_err(bad)?;
            let before = value.clone();
            edit(&mut value)?;
            if value == before {
                return Ok(None);
            }
            let at = start + offset(body, old);
            let line_indent = indent_of_line(text, at);
            let new = render(old, &value, &style, line_indent)?;
            Ok(Some(format!(
                "{}{new}{}",
                &text[..at],
                &text[at + old.len()..]
            )))
        }
        None => {
            let mut value = default;
            let before = value.clone();
            edit(&mut value)?;
            if value == before {
                return Ok(None);
            }
            let mut doc: Value = serde_json::from_str(body).map_err(bad)?;
            if let Some(map) = doc.as_object_mut() {
                map.insert(key.to_owned(), value);
            }
            let new = render(body, &doc, &style, "")?;
            Ok(Some(format!("{}{new}{}", &text[..start], &text[end..])))
        }
    }
}

/// The whitespace that starts the line on which `at` lies.
fn indent_of_line(text: &str, at: usize) -> &str {
    let line_start = text[..at].rfind('\n').map_or(0, |nl| nl + 1);
    let line = &text[line_start..at];
    &line[..line.len() - line.trim_start().len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn push(text: &str, item: Value) -> String {
        edit_member(text, "formations", json!([]), |v| {
            v.as_array_mut().ok_or("not a list")?.push(item);
            Ok(())
        })
        .unwrap()
        .unwrap()
    }

    #[test]
    fn a_repeated_key_is_refused_with_its_line() {
        let e = check_unique_keys(b"{\"a\": 1,\n \"x\": {\"k\": 1,\n \"k\": 2}}").unwrap_err();
        assert!(e.to_string().contains("\"k\" appears twice"), "{e}");
        assert_eq!(e.line(), 3, "{e}");
        assert!(check_unique_keys(br#"{"a": {"k": 1}, "b": {"k": 2}}"#).is_ok());
    }

    #[test]
    fn compact_stays_compact_and_big_numbers_stay_as_written() {
        let text = r#"{"systems":[],"extra":123456789012345678901234567890,"formations":[{"id":"a","n":1.50}]}"#;
        let out = push(text, json!({"id": "b"}));
        assert_eq!(
            out,
            r#"{"systems":[],"extra":123456789012345678901234567890,"formations":[{"id":"a","n":1.50},{"id":"b"}]}"#
        );
    }

    #[test]
    fn indented_stays_indented_in_its_own_unit() {
        let text =
            "{\n    \"systems\": [],\n    \"formations\": [\n        {\"id\": \"a\"}\n    ]\n}\n";
        let out = push(text, json!({"id": "b", "systems": ["x"]}));
        assert_eq!(
            out,
            "{\n    \"systems\": [],\n    \"formations\": [\n        {\"id\": \"a\"},\n        {\n            \"id\": \"b\",\n            \"systems\": [\n                \"x\"\n            ]\n        }\n    ]\n}\n"
        );
    }

    #[test]
    fn a_missing_list_is_added_in_style() {
        let out = push("{\n  \"systems\": []\n}", json!({"id": "b"}));
        assert_eq!(
            out,
            "{\n  \"systems\": [],\n  \"formations\": [\n    {\n      \"id\": \"b\"\n    }\n  ]\n}"
        );
        let out = push(r#"{"systems":[]}"#, json!({"id": "b"}));
        assert_eq!(out, r#"{"systems":[],"formations":[{"id":"b"}]}"#);
    }

    #[test]
    fn a_changed_formation_keeps_its_unknown_fields_exactly() {
        let text = r#"{"formations": [{"id": "a", "systems": ["s1"], "n": 12345678901234567890123}, {"id":"b"}]}"#;
        let out = edit_member(text, "formations", json!([]), |v| {
            let list = v.as_array_mut().ok_or("not a list")?;
            list[0]["systems"]
                .as_array_mut()
                .ok_or("no systems")?
                .push("s2".into());
            list.retain(|f| f["id"] != "b");
            Ok(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(
            out,
            r#"{"formations": [{"id": "a", "systems": ["s1", "s2"], "n": 12345678901234567890123}]}"#
        );
    }

    #[test]
    fn keys_with_escaped_quotes_are_found() {
        let text = r#"{"a\"b": 1, "formations": []}"#;
        let out = push(text, json!({"id": "x"}));
        assert_eq!(out, r#"{"a\"b": 1, "formations": [{"id": "x"}]}"#);
        let out = push(r#"{"a\\": 1, "formations": []}"#, json!({"id": "x"}));
        assert_eq!(out, r#"{"a\\": 1, "formations": [{"id": "x"}]}"#);
    }
}
