//! [`Name`]: a short text that many values share — a system's type, status or condition —
//! held once and shared by every value that has it.
//!
//! A landscape of 100,000 systems names a few dozen types and statuses; a `String` in each
//! system is 100,000 allocations of the same few words to make, keep and free. A reader that
//! interns them ([`Names`]) makes each word once and hands out clones of it, which cost a
//! reference count. To everything else a `Name` is its text: it derefs to `str`, compares
//! with `str` and `String`, orders and hashes as its text does (so a `HashMap<Name, _>` is
//! looked up with a `&str`), and is written and read by serde as a plain string, so files,
//! JSON output and the GraphQL client and server see no difference.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// A shared, immutable text: cloning it copies a pointer, not the text.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(Arc<str>);

impl Name {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `self` and `other` share one allocation (an interned pair does).
    pub fn shares_with(&self, other: &Name) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

// `Hash`, `Eq` and `Ord` are derived from `Arc<str>`, which hashes, compares and orders as
// its `str` does: the contract `Borrow` asks for.
impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

/// As a `String` shows: `"text"`, so that a `Debug` of a system reads as before.
impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(Arc::from(s))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(Arc::from(s))
    }
}

impl From<&String> for Name {
    fn from(s: &String) -> Name {
        Name(Arc::from(s.as_str()))
    }
}

impl From<Name> for String {
    fn from(n: Name) -> String {
        n.0.as_ref().to_owned()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == &*other.0
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == &*other.0
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Name {
    /// A name on its own, not shared with any other (a [`Names`] table shares them).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Name;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Name, E> {
                Ok(Name::from(s))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Name, E> {
                Ok(Name::from(s))
            }
        }
        d.deserialize_str(V)
    }
}

/// The names one read has made: equal texts come out as one shared [`Name`]. The text is
/// looked up as the parser hands it over (borrowed from the input, or from its scratch
/// buffer when the string had escapes), so a name already made costs no allocation.
#[derive(Default)]
pub struct Names {
    made: HashSet<Name>,
}

impl Names {
    pub fn new() -> Names {
        Names::default()
    }

    /// The shared name for `text`, made the first time it is asked for.
    pub fn get(&mut self, text: &str) -> Name {
        if let Some(name) = self.made.get(text) {
            return name.clone();
        }
        let name = Name::from(text);
        self.made.insert(name.clone());
        name
    }

    /// How many distinct names were made.
    pub fn len(&self) -> usize {
        self.made.len()
    }

    pub fn is_empty(&self) -> bool {
        self.made.is_empty()
    }

    /// A serde seed that reads one string as a shared name.
    pub fn seed(&mut self) -> Interned<'_> {
        Interned(self)
    }

    /// A serde seed that reads `null` as `None` and a string as a shared name, as an
    /// `Option<String>` is read.
    pub fn optional(&mut self) -> Optional<'_> {
        Optional(self)
    }

    /// A serde seed that reads a list of strings as shared names.
    pub fn list(&mut self) -> List<'_> {
        List(self)
    }
}

/// Reads a string through a [`Names`] table.
pub struct Interned<'a>(&'a mut Names);

impl<'de> DeserializeSeed<'de> for Interned<'_> {
    type Value = Name;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Name, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Interned<'_> {
    type Value = Name;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Name, E> {
        Ok(self.0.get(s))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Name, E> {
        Ok(self.0.get(s))
    }
}

/// Reads `null` or a string through a [`Names`] table.
pub struct Optional<'a>(&'a mut Names);

impl<'de> DeserializeSeed<'de> for Optional<'_> {
    type Value = Option<Name>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Name>, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for Optional<'_> {
    type Value = Option<Name>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<Name>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Name>, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<Name>, D::Error> {
        Interned(self.0).deserialize(d).map(Some)
    }
}

/// Reads a list of strings through a [`Names`] table.
pub struct List<'a>(&'a mut Names);

impl<'de> DeserializeSeed<'de> for List<'_> {
    type Value = Vec<Name>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Name>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for List<'_> {
    type Value = Vec<Name>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of strings")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Name>, A::Error> {
        let mut out = Vec::new();
        while let Some(name) = seq.next_element_seed(Interned(&mut *self.0))? {
            out.push(name);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_shares_equal_names_and_keeps_different_ones_apart() {
        let mut names = Names::new();
        let a = names.get("SAP S/4HANA Cloud");
        let b = names.get(&String::from("SAP S/4HANA Cloud"));
        let c = names.get("SAP Ariba");
        assert!(a.shares_with(&b));
        assert!(!a.shares_with(&c));
        assert_eq!(names.len(), 2);
        // Made on their own, equal names are equal but not shared.
        assert_eq!(Name::from("x"), Name::from("x"));
        assert!(!Name::from("x").shares_with(&Name::from("x")));
    }

    #[test]
    fn a_name_is_its_text_to_serde_and_to_the_comparisons() {
        let n = Name::from("Registered");
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"Registered\"");
        assert_eq!(format!("{n} {n:?}"), "Registered \"Registered\"");
        let back: Name = serde_json::from_str("\"Re\\u0067istered\"").unwrap();
        assert_eq!(back, n);
        let text = String::from("Registered");
        assert!(n == "Registered");
        assert!("Registered" == n);
        assert!(n == *"Registered");
        assert!(n == text);
        assert!(text == n);
        assert!(n != "registered");
        let mut by_name = std::collections::HashMap::new();
        by_name.insert(n.clone(), 1);
        assert_eq!(by_name.get("Registered"), Some(&1));
        let (a, b) = (Name::from("a"), Name::from("b"));
        assert!(a < b);
    }

    #[test]
    fn the_seeds_read_strings_escaped_or_not_and_null() {
        let mut names = Names::new();
        let mut de = serde_json::Deserializer::from_str(r#"["CONNECTED", "CONN\u0045CTED"]"#);
        let list = names.list().deserialize(&mut de).unwrap();
        assert_eq!(list, ["CONNECTED", "CONNECTED"]);
        assert!(list[0].shares_with(&list[1]));
        let mut de = serde_json::Deserializer::from_str(r#""CONNECTED""#);
        let one = names.optional().deserialize(&mut de).unwrap();
        assert!(one.is_some_and(|n| n.shares_with(&list[0])));
        let mut de = serde_json::Deserializer::from_str("null");
        assert_eq!(names.optional().deserialize(&mut de).unwrap(), None);
        for not_a_name in ["42", "null", "[1]", "{}"] {
            let mut de = serde_json::Deserializer::from_str(not_a_name);
            assert!(names.seed().deserialize(&mut de).is_err(), "{not_a_name}");
        }
        let mut de = serde_json::Deserializer::from_str("null");
        assert!(names.list().deserialize(&mut de).is_err());
    }
}
