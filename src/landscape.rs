//! The landscape: the global account's systems and formations, as read from a landscape
//! file (DESIGN.md §2) or a Director. Loading validates every reference and builds the
//! indexes the rule engine needs; saving is atomic and keeps the rest of the file.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::files;
pub use crate::intern::Name;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct GlobalAccount {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct User {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct System {
    pub id: String,
    pub name: String,
    /// Shared with every other system of the type when read from a file or a Director.
    #[serde(rename = "type")]
    pub system_type: Name,
    /// `None` or empty: no status (not yet registered for token-based types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Name>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scenario_groups: Vec<Name>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Name>,
    /// The Director's `status.condition` (`CONNECTED`, `INITIAL`, …), when known. The
    /// Director's `ContainsScenarioGroups` operator needs `CONNECTED`; absent, `status`
    /// (the cockpit's word, e.g. `Registered`) is what the file says about registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Name>,
    /// The system's latest one-time (registration) token, when known. The Director takes
    /// the scenario groups from it, not from a label; absent, `scenario_groups` stands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_token: Option<TokenInfo>,
    /// The credentials could not read the system's tokens (the Director hides `auth`
    /// without `application.auths:read`): whether its scenario groups satisfy a rule is
    /// then for the Director to decide.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub token_unreadable: bool,
    /// A rehearsal in a landscape file: this system's assignments end in `CREATE_ERROR`
    /// with this message, as a receiver that refuses the notification makes them on a
    /// Director (the sandbox's `--fail-assignment`). Remove it and `resync` mends them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignment_error: Option<String>,
}

/// What is known of a system's latest one-time token. Never the token itself: a token is
/// a credential and is not stored in a landscape.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TokenInfo {
    /// The scenario groups the token was requested with; empty means a legacy token
    /// without groups, which the Director treats as unrestricted.
    #[serde(default)]
    pub scenario_groups: Vec<String>,
    /// When it was requested (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_at: Option<String>,
    /// Whether the system has used it (paired).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub used: bool,
    /// The scenario groups of other tokens requested in the same second: `createdAt` has
    /// whole seconds while the Director orders them exactly (director-behaviour.md §5.3),
    /// so any of them may be the one it takes as the latest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tied: Vec<Vec<String>>,
}

/// The Director's application status conditions (`status.condition`).
pub const CONDITIONS: &[&str] = &[
    "INITIAL",
    "CONNECTED",
    "FAILED",
    "CREATING",
    "CREATE_FAILED",
    "CREATE_SUCCEEDED",
    "UPDATING",
    "UPDATE_FAILED",
    "UPDATE_SUCCEEDED",
    "DELETING",
    "DELETE_FAILED",
    "DELETE_SUCCEEDED",
    "UNPAIRING",
    "UNPAIR_FAILED",
];

/// The Director's formation states (`Formation.state`).
pub const FORMATION_STATES: &[&str] = &[
    "INITIAL",
    "READY",
    "CREATE_ERROR",
    "DELETE_ERROR",
    "DELETING",
    "DRAFT",
];

/// The Director's formation assignment states.
pub const ASSIGNMENT_STATES: &[&str] = &[
    "INITIAL",
    "READY",
    "CONFIG_PENDING",
    "CREATE_ERROR",
    "DELETING",
    "DELETE_ERROR",
    "CREATE_READY",
    "DELETE_READY",
];

/// One system's assignment to a formation, as the Director keeps it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Assignment {
    /// One of [`ASSIGNMENT_STATES`].
    pub state: String,
    /// The server's message when the state is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Assignment {
    pub fn is_error(&self) -> bool {
        self.state.ends_with("_ERROR")
    }

    /// `INITIAL`, `CONFIG_PENDING` and the deleting states: the Director still works on it.
    pub fn in_progress(&self) -> bool {
        matches!(
            self.state.as_str(),
            "INITIAL" | "CONFIG_PENDING" | "DELETING" | "CREATE_READY" | "DELETE_READY"
        )
    }
}

impl System {
    /// The status as shown, with "no status" as the empty string.
    pub fn status_str(&self) -> &str {
        self.status.as_deref().unwrap_or("")
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Formation {
    pub id: String,
    pub name: String,
    /// As written in the file: a display name, a former display name or a catalog id.
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default)]
    pub systems: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The Director's own formation state (one of [`FORMATION_STATES`]), when known: a
    /// `DRAFT` formation, or one the server still works on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Each member's assignment state, by system id. A member without an entry is `READY`;
    /// a file written before assignments were recorded has none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub assignments: BTreeMap<String, Assignment>,
    /// The catalog id that `type_name` resolves to; filled in by validation.
    #[serde(skip)]
    pub type_id: String,
}

impl Formation {
    /// Every member with its assignment; one without a recorded assignment is READY.
    pub fn members(&self) -> BTreeMap<String, Assignment> {
        self.systems
            .iter()
            .map(|id| {
                let a = self.assignments.get(id).cloned().unwrap_or(Assignment {
                    state: "READY".into(),
                    error: None,
                });
                (id.clone(), a)
            })
            .collect()
    }

    /// The status word shown for it: Draft, Error when it or a member failed,
    /// Synchronizing while a member is in progress, else its recorded status (Ready).
    pub fn display_status(&self) -> String {
        let members = self.members();
        if self.state.as_deref() == Some("DRAFT") {
            "Draft".into()
        } else if members.values().any(Assignment::is_error)
            || self.state.as_deref().is_some_and(|s| s.ends_with("_ERROR"))
        {
            "Error".into()
        } else if members.values().any(Assignment::in_progress) {
            "Synchronizing".into()
        } else {
            self.status.clone().unwrap_or_else(|| "Ready".into())
        }
    }
}

#[derive(Debug, Deserialize)]
struct LandscapeFile {
    #[serde(default)]
    global_account: Option<GlobalAccount>,
    #[serde(default)]
    user: Option<User>,
    systems: Vec<System>,
    #[serde(default)]
    formations: Vec<Formation>,
}

/// A validated landscape with its lookup indexes.
#[derive(Debug, Clone, Default)]
pub struct Landscape {
    pub global_account: Option<GlobalAccount>,
    pub user: Option<User>,
    pub systems: Vec<System>,
    pub formations: Vec<Formation>,
    system_index: IdIndex,
    /// For each system (by position), the positions of the formations it is in.
    memberships: Vec<Vec<usize>>,
    /// Formation positions by lower-case name, for the name rules on every keystroke.
    names: HashMap<String, Vec<usize>>,
    /// System positions by system type.
    by_type: HashMap<Name, Vec<usize>>,
}

#[derive(Debug, thiserror::Error)]
pub enum LandscapeError {
    #[error("cannot read the landscape file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the landscape {origin} is not valid: {problem}")]
    Invalid { origin: String, problem: String },
    #[error("cannot write the landscape file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file exists but may not be replaced (read-only, another user's): an input
    /// problem the user fixes, not a failing backend.
    #[error("will not change the landscape file {path}: {source}")]
    NotWritable {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Landscape {
    /// Reads and validates a landscape file.
    pub fn load(path: &Path, catalog: &Catalog) -> Result<Landscape, LandscapeError> {
        let bytes = read(path)?;
        Landscape::parse(&bytes, &format!("file {}", path.display()), catalog)
    }

    /// Parses and validates landscape JSON; `origin` names it in errors.
    ///
    /// One pass over the bytes reads the file, refuses a repeated key in any object and
    /// builds the parts (see `one_pass`). When that pass finds a problem, the file is read
    /// again by [`Landscape::parse_two_pass`], which says what the problem is and where,
    /// exactly as before: a file is refused or accepted alike by both, and a refusal costs
    /// a second read that a valid file never pays.
    pub fn parse(
        bytes: &[u8],
        origin: &str,
        catalog: &Catalog,
    ) -> Result<Landscape, LandscapeError> {
        match one_pass::read(bytes) {
            Some(file) => Landscape::from_parts(
                file.global_account,
                file.user,
                file.systems,
                file.formations,
                catalog,
            )
            .map_err(|problem| LandscapeError::Invalid {
                origin: origin.to_owned(),
                problem,
            }),
            None => Landscape::parse_two_pass(bytes, origin, catalog),
        }
    }

    /// The reader the one-pass one replaced: a typed parse that tracks the path of every
    /// value (for the error), then a second parse of the whole document for repeated keys.
    /// Kept for the errors it words, and to compare against (`tests/one_pass.rs`, the
    /// `landscape` fuzz target).
    #[doc(hidden)]
    pub fn parse_two_pass(
        bytes: &[u8],
        origin: &str,
        catalog: &Catalog,
    ) -> Result<Landscape, LandscapeError> {
        let invalid = |problem: String| LandscapeError::Invalid {
            origin: origin.to_owned(),
            problem,
        };
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        let file: LandscapeFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                invalid(e.inner().to_string())
            } else {
                invalid(format!("{path}: {}", e.inner()))
            }
        })?;
        // Unknown fields are ignored by the typed parse, so a repeated one is caught here.
        crate::json_text::check_unique_keys(bytes).map_err(|e| invalid(e.to_string()))?;
        Landscape::from_parts(
            file.global_account,
            file.user,
            file.systems,
            file.formations,
            catalog,
        )
        .map_err(invalid)
    }

    /// Whether the one-pass reader takes `bytes` (its parts, before validation): what the
    /// tests and the fuzz target compare with [`Landscape::parse_two_pass`].
    #[doc(hidden)]
    pub fn one_pass_reads(bytes: &[u8]) -> bool {
        one_pass::read(bytes).is_some()
    }

    /// Validates parts that came from anywhere (a file, a Director) and indexes them.
    pub fn from_parts(
        global_account: Option<GlobalAccount>,
        user: Option<User>,
        systems: Vec<System>,
        mut formations: Vec<Formation>,
        catalog: &Catalog,
    ) -> Result<Landscape, String> {
        let mut system_index = IdIndex::with_capacity(systems.len());
        for (i, s) in systems.iter().enumerate() {
            if s.id.trim().is_empty() {
                return Err(format!("systems[{i}] has an empty \"id\""));
            }
            if let Err(prev) = system_index.insert(&systems, i) {
                return Err(format!(
                    "systems[{i}] repeats the id \"{}\" of systems[{prev}]",
                    s.id
                ));
            }
            if let Some(status) = s.status.as_deref().filter(|s| !s.is_empty())
                && catalog.status(status).is_none()
            {
                return Err(format!(
                    "systems[{i}] (\"{}\") has the unknown status \"{status}\"",
                    s.id
                ));
            }
            if let Some(condition) = s.condition.as_deref()
                && !CONDITIONS.contains(&condition)
            {
                return Err(format!(
                    "systems[{i}] (\"{}\") has the unknown condition \"{condition}\" (one of {})",
                    s.id,
                    CONDITIONS.join(", ")
                ));
            }
        }
        let mut memberships = vec![Vec::new(); systems.len()];
        let mut formation_ids = HashMap::with_capacity(formations.len());
        for (f_pos, f) in formations.iter_mut().enumerate() {
            let at = format!("formations[{f_pos}] (\"{}\")", f.id);
            if f.id.trim().is_empty() {
                return Err(format!("formations[{f_pos}] has an empty \"id\""));
            }
            if let Some(prev) = formation_ids.insert(f.id.clone(), f_pos) {
                return Err(format!("{at} repeats the id of formations[{prev}]"));
            }
            f.type_id = catalog
                .find(&f.type_name)
                .ok_or_else(|| format!("{at} has the unknown formation type \"{}\"", f.type_name))?
                .id
                .clone();
            for member in &f.systems {
                let Some(s_pos) = system_index.get(&systems, member) else {
                    return Err(format!(
                        "{at} lists the system \"{member}\", which does not exist"
                    ));
                };
                if memberships[s_pos].last() == Some(&f_pos) {
                    return Err(format!("{at} lists the system \"{member}\" twice"));
                }
                memberships[s_pos].push(f_pos);
            }
            if let Some(state) = f.state.as_deref()
                && !FORMATION_STATES.contains(&state)
            {
                return Err(format!(
                    "{at} has the unknown state \"{state}\" (one of {})",
                    FORMATION_STATES.join(", ")
                ));
            }
            for (member, a) in &f.assignments {
                if !f.systems.contains(member) {
                    return Err(format!(
                        "{at} has an assignment for \"{member}\", which is not in its systems"
                    ));
                }
                if !ASSIGNMENT_STATES.contains(&a.state.as_str()) {
                    return Err(format!(
                        "{at} has the unknown assignment state \"{}\" for \"{member}\" (one of {})",
                        a.state,
                        ASSIGNMENT_STATES.join(", ")
                    ));
                }
            }
        }
        let names = names_of(&formations);
        // A handful of types among many systems: each type's name is cloned once.
        let mut by_type: HashMap<Name, Vec<usize>> = HashMap::new();
        for (pos, s) in systems.iter().enumerate() {
            match by_type.get_mut(s.system_type.as_str()) {
                Some(positions) => positions.push(pos),
                None => {
                    by_type.insert(s.system_type.clone(), vec![pos]);
                }
            }
        }
        Ok(Landscape {
            global_account,
            user,
            systems,
            formations,
            system_index,
            memberships,
            names,
            by_type,
        })
    }

    pub fn system(&self, id: &str) -> Option<&System> {
        self.position(id).map(|i| &self.systems[i])
    }

    /// A system named on the command line: by id, else by exact name.
    pub fn find_system(&self, id_or_name: &str) -> Option<&System> {
        self.system(id_or_name)
            .or_else(|| self.systems.iter().find(|s| s.name == id_or_name))
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.system_index.get(&self.systems, id)
    }

    /// The formations the system at `pos` is in.
    pub fn formations_of(&self, pos: usize) -> impl Iterator<Item = &Formation> {
        self.formation_positions_of(pos)
            .map(|f| &self.formations[f])
    }

    /// The positions of the formations the system at `pos` is in.
    pub fn formation_positions_of(&self, pos: usize) -> impl Iterator<Item = usize> + '_ {
        self.memberships.get(pos).into_iter().flatten().copied()
    }

    pub fn formation_named(&self, name: &str) -> Option<&Formation> {
        self.formations_named_ignoring_case(name)
            .find(|f| f.name == name)
    }

    /// The positions of the systems of one type.
    pub fn systems_of_type(&self, system_type: &str) -> &[usize] {
        self.by_type.get(system_type).map_or(&[], Vec::as_slice)
    }

    /// The formations whose name equals `name` in any letter case.
    pub fn formations_named_ignoring_case(&self, name: &str) -> impl Iterator<Item = &Formation> {
        self.names
            .get(&name.to_lowercase())
            .into_iter()
            .flatten()
            .map(|&pos| &self.formations[pos])
    }

    /// Takes the formation `id` out with its position, the indexes kept right: what a
    /// formation being changed is checked against, without copying the systems (at
    /// 100,000 systems a copy costs more than the check). `put_back` undoes it.
    pub fn take_formation(&mut self, id: &str) -> Option<(usize, Formation)> {
        let at = self.formations.iter().position(|f| f.id == id)?;
        let formation = self.formations.remove(at);
        for positions in &mut self.memberships {
            positions.retain(|&p| p != at);
            for p in positions.iter_mut().filter(|p| **p > at) {
                *p -= 1;
            }
        }
        self.index_names();
        Some((at, formation))
    }

    /// Puts a formation taken out with `take_formation` back at its position.
    pub fn put_back(&mut self, at: usize, formation: Formation) {
        let at = at.min(self.formations.len());
        for positions in &mut self.memberships {
            for p in positions.iter_mut().filter(|p| **p >= at) {
                *p += 1;
            }
        }
        for member in &formation.systems {
            if let Some(s) = self.system_index.get(&self.systems, member) {
                let positions = &mut self.memberships[s];
                let i = positions.partition_point(|&p| p < at);
                positions.insert(i, at);
            }
        }
        self.formations.insert(at, formation);
        self.index_names();
    }

    /// `f` on this landscape with the formation `id` taken out, then put back: a check of
    /// a change to that formation without a copy. `None` when there is no such formation.
    pub fn with_formation_out<T>(
        &mut self,
        id: &str,
        f: impl FnOnce(&Landscape, &Formation) -> T,
    ) -> Option<T> {
        let (at, formation) = self.take_formation(id)?;
        let out = f(self, &formation);
        self.put_back(at, formation);
        Some(out)
    }

    fn index_names(&mut self) {
        self.names = names_of(&self.formations);
    }
}

/// The landscape file read in one pass: each object's keys are matched as they come
/// (borrowed from the input unless escaped), a repeated key — known or not — ends the read,
/// and every value the program does not know is walked by [`crate::json_text::Unique`] at
/// the depth the whole-document check reaches it, so the same repeats are refused below it.
/// A system's type, status, condition, scenario groups and discovery word are looked up, as
/// borrowed, in a table of the names this read has made ([`crate::intern::Names`]), so equal
/// words share one allocation and a word seen before costs none.
/// Nothing is worded here: any problem returns `None`, and [`Landscape::parse`] reads the
/// file again with the two-pass reader for the sentence. The pass must therefore never take
/// what the two-pass reader refuses, nor read a value differently (`tests/one_pass.rs`).
mod one_pass {
    use std::borrow::Cow;
    use std::collections::{BTreeMap, HashSet};
    use std::fmt;

    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    use super::{Assignment, Formation, GlobalAccount, LandscapeFile, System, TokenInfo, User};
    use crate::intern::Names;
    use crate::json_text::{Key, Unique};

    pub(super) fn read(bytes: &[u8]) -> Option<LandscapeFile> {
        // The whole file checked as UTF-8 at once (far faster than string by string); a
        // file that is not is worded by the two-pass reader, which also knows whether the
        // bad bytes lie where it looks.
        let text = std::str::from_utf8(bytes).ok()?;
        let mut de = serde_json::Deserializer::from_str(text);
        let Read(file) = de.deserialize_map(Top { room: room(bytes) }).ok()?;
        de.end().ok()?;
        Some(file)
    }

    /// A part of the landscape as the one pass reads it.
    struct Read<T>(T);

    /// How many systems to make room for at once, so that the list is not copied (and its
    /// pages touched twice) while it grows: the `"id":` keys in the file, at most a million.
    /// A formation's id counts too, so there is room to spare.
    fn room(bytes: &[u8]) -> usize {
        memchr::memmem::find_iter(bytes, b"\"id\":")
            .take(1 << 20)
            .count()
    }

    /// No sentence is needed: the two-pass reader words the problem.
    fn refused<E: de::Error>() -> E {
        E::custom("refused")
    }

    /// The keys one object has had: a bit for each known one, a list (a set when long) of
    /// the others, which a landscape rarely has.
    #[derive(Default)]
    struct Seen<'de> {
        known: u32,
        unknown: Vec<Cow<'de, str>>,
        many: Option<HashSet<Cow<'de, str>>>,
    }

    /// Past this many unknown keys in one object, they are looked up in a set.
    const LISTED: usize = 16;

    impl<'de> Seen<'de> {
        fn known<E: de::Error>(&mut self, bit: u32) -> Result<(), E> {
            if self.known & (1 << bit) != 0 {
                return Err(refused());
            }
            self.known |= 1 << bit;
            Ok(())
        }

        /// Records an unknown key and walks its value, a child of an object at `depth`.
        fn unknown<A: MapAccess<'de>>(
            &mut self,
            map: &mut A,
            key: Cow<'de, str>,
            depth: u16,
        ) -> Result<(), A::Error> {
            if let Some(set) = &mut self.many {
                if !set.insert(key) {
                    return Err(refused());
                }
            } else if self.unknown.contains(&key) {
                return Err(refused());
            } else {
                self.unknown.push(key);
                if self.unknown.len() > LISTED {
                    self.many = Some(self.unknown.drain(..).collect());
                }
            }
            map.next_value_seed(Unique(depth + 1))
        }
    }

    /// The visitor of one kind of object: `read` takes its members.
    macro_rules! object {
        ($t:ty, $what:literal, |$map:ident| $body:block) => {
            impl<'de> Deserialize<'de> for Read<$t> {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    struct V;
                    impl<'de> Visitor<'de> for V {
                        type Value = Read<$t>;
                        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                            f.write_str($what)
                        }
                        fn visit_map<A: MapAccess<'de>>(
                            self,
                            mut $map: A,
                        ) -> Result<Read<$t>, A::Error> {
                            $body
                        }
                    }
                    d.deserialize_map(V)
                }
            }
        };
    }

    /// Reads the next value into `slot` unless the key was seen in this object.
    macro_rules! member {
        ($seen:ident, $map:ident, $bit:literal, $slot:expr) => {{
            $seen.known($bit)?;
            $slot = $map.next_value()?;
        }};
    }

    fn required<T, E: de::Error>(value: Option<T>) -> Result<T, E> {
        value.ok_or_else(refused)
    }

    // The document is at depth 0; `systems` and the other top-level values at 1, a system
    // at 2, its values at 3 — as `json_text::check_unique_keys` counts.
    /// The document, with the room to make for its systems.
    struct Top {
        room: usize,
    }

    impl<'de> Visitor<'de> for Top {
        type Value = Read<LandscapeFile>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a landscape")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            // Local to this read: the names are shared within one landscape, not kept.
            let mut names = Names::new();
            let mut seen = Seen::default();
            let (mut global_account, mut user, mut systems, mut formations) =
                (None, None, None, None);
            while let Some(Key(key)) = map.next_key()? {
                match &*key {
                    "global_account" => {
                        seen.known(0)?;
                        global_account = map.next_value::<Option<Read<_>>>()?.map(|r| r.0);
                    }
                    "user" => {
                        seen.known(1)?;
                        user = map.next_value::<Option<Read<_>>>()?.map(|r| r.0);
                    }
                    "systems" => {
                        seen.known(2)?;
                        systems = Some(map.next_value_seed(Systems {
                            room: self.room,
                            names: &mut names,
                        })?);
                    }
                    "formations" => {
                        seen.known(3)?;
                        formations = Some(map.next_value::<Read<Vec<Formation>>>()?.0);
                    }
                    _ => seen.unknown(&mut map, key, 0)?,
                }
            }
            Ok(Read(LandscapeFile {
                global_account,
                user,
                systems: required(systems)?,
                formations: formations.unwrap_or_default(),
            }))
        }
    }

    /// The list of systems, made with room for them; equal types, statuses, conditions,
    /// scenario groups and discovery words share one [`Name`](super::Name) through `names`.
    struct Systems<'n> {
        room: usize,
        names: &'n mut Names,
    }

    impl<'de> de::DeserializeSeed<'de> for Systems<'_> {
        type Value = Vec<System>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<System>, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for Systems<'_> {
        type Value = Vec<System>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of systems")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<System>, A::Error> {
            let mut out = Vec::with_capacity(self.room);
            while let Some(item) = seq.next_element_seed(OneSystem(&mut *self.names))? {
                out.push(item);
            }
            Ok(out)
        }
    }

    object!(GlobalAccount, "a global account", |map| {
        let mut seen = Seen::default();
        let mut out = GlobalAccount::default();
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "id" => member!(seen, map, 0, out.id),
                "name" => member!(seen, map, 1, out.name),
                "region" => member!(seen, map, 2, out.region),
                _ => seen.unknown(&mut map, key, 1)?,
            }
        }
        Ok(Read(out))
    });

    object!(User, "a user", |map| {
        let mut seen = Seen::default();
        let mut out = User::default();
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "name" => member!(seen, map, 0, out.name),
                "roles" => member!(seen, map, 1, out.roles),
                _ => seen.unknown(&mut map, key, 1)?,
            }
        }
        Ok(Read(out))
    });

    /// One system, its type, status, condition, scenario groups and discovery shared
    /// through the read's names.
    struct OneSystem<'n>(&'n mut Names);

    impl<'de> de::DeserializeSeed<'de> for OneSystem<'_> {
        type Value = System;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<System, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for OneSystem<'_> {
        type Value = System;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a system")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<System, A::Error> {
            let names = self.0;
            let mut seen = Seen::default();
            let mut out = System::default();
            let (mut id, mut name, mut system_type) = (None, None, None);
            while let Some(Key(key)) = map.next_key()? {
                match &*key {
                    "id" => member!(seen, map, 0, id),
                    "name" => member!(seen, map, 1, name),
                    "type" => {
                        seen.known(2)?;
                        system_type = Some(map.next_value_seed(names.seed())?);
                    }
                    "status" => {
                        seen.known(3)?;
                        out.status = map.next_value_seed(names.optional())?;
                    }
                    "scenario_groups" => {
                        seen.known(4)?;
                        out.scenario_groups = map.next_value_seed(names.list())?;
                    }
                    "system_number" => member!(seen, map, 5, out.system_number),
                    "url" => member!(seen, map, 6, out.url),
                    "discovery" => {
                        seen.known(7)?;
                        out.discovery = map.next_value_seed(names.optional())?;
                    }
                    "condition" => {
                        seen.known(8)?;
                        out.condition = map.next_value_seed(names.optional())?;
                    }
                    "latest_token" => {
                        seen.known(9)?;
                        out.latest_token = map.next_value::<Option<Read<_>>>()?.map(|r| r.0);
                    }
                    "token_unreadable" => member!(seen, map, 10, out.token_unreadable),
                    "assignment_error" => member!(seen, map, 11, out.assignment_error),
                    _ => seen.unknown(&mut map, key, 2)?,
                }
            }
            out.id = required(id)?;
            out.name = required(name)?;
            out.system_type = required(system_type)?;
            Ok(out)
        }
    }

    object!(TokenInfo, "a token", |map| {
        let mut seen = Seen::default();
        let mut out = TokenInfo::default();
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "scenario_groups" => member!(seen, map, 0, out.scenario_groups),
                "requested_at" => member!(seen, map, 1, out.requested_at),
                "used" => member!(seen, map, 2, out.used),
                _ => seen.unknown(&mut map, key, 3)?,
            }
        }
        Ok(Read(out))
    });

    object!(Formation, "a formation", |map| {
        let mut seen = Seen::default();
        let mut out = Formation::default();
        let (mut id, mut name, mut type_name) = (None, None, None);
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "id" => member!(seen, map, 0, id),
                "name" => member!(seen, map, 1, name),
                "type" => member!(seen, map, 2, type_name),
                "systems" => member!(seen, map, 3, out.systems),
                "status" => member!(seen, map, 4, out.status),
                "state" => member!(seen, map, 5, out.state),
                "assignments" => {
                    seen.known(6)?;
                    out.assignments = map.next_value::<Read<BTreeMap<_, _>>>()?.0;
                }
                _ => seen.unknown(&mut map, key, 2)?,
            }
        }
        out.id = required(id)?;
        out.name = required(name)?;
        out.type_name = required(type_name)?;
        Ok(Read(out))
    });

    // A formation's assignments are an object at depth 3: its keys are system ids, each
    // value an assignment at depth 4.
    object!(BTreeMap<String, Assignment>, "assignments", |map| {
        let mut out = BTreeMap::new();
        while let Some(Key(key)) = map.next_key()? {
            if out.contains_key(&*key) {
                return Err(refused());
            }
            let Read(assignment) = map.next_value()?;
            out.insert(key.into_owned(), assignment);
        }
        Ok(Read(out))
    });

    object!(Assignment, "an assignment", |map| {
        let mut seen = Seen::default();
        let mut out = Assignment::default();
        let mut state = None;
        while let Some(Key(key)) = map.next_key()? {
            match &*key {
                "state" => member!(seen, map, 0, state),
                "error" => member!(seen, map, 1, out.error),
                _ => seen.unknown(&mut map, key, 4)?,
            }
        }
        out.state = required(state)?;
        Ok(Read(out))
    });

    /// A list of systems or formations.
    macro_rules! list {
        ($t:ty, $what:literal) => {
            impl<'de> Deserialize<'de> for Read<Vec<$t>> {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    struct V;
                    impl<'de> Visitor<'de> for V {
                        type Value = Read<Vec<$t>>;
                        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                            f.write_str($what)
                        }
                        fn visit_seq<A: SeqAccess<'de>>(
                            self,
                            mut seq: A,
                        ) -> Result<Read<Vec<$t>>, A::Error> {
                            let mut out = Vec::new();
                            while let Some(Read(item)) = seq.next_element()? {
                                out.push(item);
                            }
                            Ok(Read(out))
                        }
                    }
                    d.deserialize_seq(V)
                }
            }
        };
    }

    list!(Formation, "a list of formations");
}

/// System positions by id. The table holds positions only: the ids stay in `systems`,
/// not copied into the index (100,000 strings fewer to make and free). Hashed with the
/// standard library's keyed SipHash, as a `HashMap` is, so ids chosen to collide do not
/// slow the lookups down.
#[derive(Clone, Default)]
struct IdIndex {
    table: hashbrown::HashTable<usize>,
    hasher: std::hash::RandomState,
}

impl std::fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdIndex({} systems)", self.table.len())
    }
}

impl IdIndex {
    fn with_capacity(n: usize) -> IdIndex {
        IdIndex {
            table: hashbrown::HashTable::with_capacity(n),
            hasher: std::hash::RandomState::new(),
        }
    }

    fn hash(hasher: &std::hash::RandomState, id: &str) -> u64 {
        std::hash::BuildHasher::hash_one(hasher, id)
    }

    /// The position of the system `id` in `systems`, the list the index was built over.
    fn get(&self, systems: &[System], id: &str) -> Option<usize> {
        self.table
            .find(Self::hash(&self.hasher, id), |&p| {
                systems.get(p).is_some_and(|s| s.id == id)
            })
            .copied()
    }

    /// Indexes `systems[pos]`, or returns the position that already has its id.
    fn insert(&mut self, systems: &[System], pos: usize) -> Result<(), usize> {
        let IdIndex { table, hasher } = self;
        let id = systems[pos].id.as_str();
        let entry = table.entry(
            Self::hash(hasher, id),
            |&p| systems[p].id == id,
            |&p| Self::hash(hasher, &systems[p].id),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(held) => Err(*held.get()),
            hashbrown::hash_table::Entry::Vacant(free) => {
                free.insert(pos);
                Ok(())
            }
        }
    }
}

/// Formation positions by lower-case name.
fn names_of(formations: &[Formation]) -> HashMap<String, Vec<usize>> {
    let mut names: HashMap<String, Vec<usize>> = HashMap::with_capacity(formations.len());
    for (pos, f) in formations.iter().enumerate() {
        names.entry(f.name.to_lowercase()).or_default().push(pos);
    }
    names
}

/// Reads a landscape file: a regular file (never a pipe or a device) of at most
/// [`files::MAX_LANDSCAPE_BYTES`].
pub fn read(path: &Path) -> Result<Vec<u8>, LandscapeError> {
    files::read_regular(path, files::MAX_LANDSCAPE_BYTES).map_err(|source| LandscapeError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Appends a formation to the landscape file at `path`, keeping the rest of its content,
/// and replaces the file atomically.
pub fn append_formation(path: &Path, formation: &Formation) -> Result<(), LandscapeError> {
    let entry = serde_json::to_value(formation).map_err(|e| e.to_string());
    edit_formations(path, |list| {
        list.push(entry?);
        Ok(())
    })
}

/// Changes the `formations` list of the landscape file at `path` with `edit` and replaces
/// the file atomically. Only what `edit` changed is written anew, in the file's own layout
/// (compact or indented); every other byte, unknown fields and their numbers included,
/// stays as it was. Nothing is written when `edit` fails or changes nothing.
pub fn edit_formations(
    path: &Path,
    edit: impl FnOnce(&mut Vec<serde_json::Value>) -> Result<(), String>,
) -> Result<(), LandscapeError> {
    edit_list(path, "formations", edit)
}

/// Changes the `systems` list of the landscape file at `path`, as `edit_formations` does
/// the formations: atomically, every other byte as it was.
pub fn edit_systems(
    path: &Path,
    edit: impl FnOnce(&mut Vec<serde_json::Value>) -> Result<(), String>,
) -> Result<(), LandscapeError> {
    edit_list(path, "systems", edit)
}

/// Edits the top-level list `key` in place in the file's text (see `edit_formations`).
fn edit_list(
    path: &Path,
    key: &str,
    edit: impl FnOnce(&mut Vec<serde_json::Value>) -> Result<(), String>,
) -> Result<(), LandscapeError> {
    let invalid = |problem: String| LandscapeError::Invalid {
        origin: format!("file {}", path.display()),
        problem,
    };
    let bytes = read(path)?;
    crate::json_text::check_unique_keys(&bytes).map_err(|e| invalid(e.to_string()))?;
    let text = std::str::from_utf8(&bytes).map_err(|e| invalid(e.to_string()))?;
    let edited =
        crate::json_text::edit_member(text, key, serde_json::Value::Array(Vec::new()), |value| {
            let list = value
                .as_array_mut()
                .ok_or_else(|| format!("\"{key}\" is not a list"))?;
            edit(list)
        })
        .map_err(invalid)?;
    match edited {
        Some(text) => write_atomic(path, text.as_bytes()),
        None => Ok(()),
    }
}

/// Writes `bytes` to `path` — at the final target of its symbolic links, so a link stays a
/// link — through a temporary file in the target's directory: fsync, keep the old file's
/// permissions (and, for root, its owner), rename over it, fsync the directory. A crash
/// leaves either the old or the new file, never a mix. An existing file that is read-only,
/// not regular, or not this user's to replace is refused and left as it is.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), LandscapeError> {
    let write_err = |source| LandscapeError::Write {
        path: path.to_owned(),
        source,
    };
    let refused = |source| LandscapeError::NotWritable {
        path: path.to_owned(),
        source,
    };
    let target = files::resolve(path).map_err(refused)?;
    let existing = match std::fs::metadata(&target) {
        Ok(meta) => {
            files::check_replaceable(&target, &meta).map_err(refused)?;
            Some(meta)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(write_err(e)),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".formation-wizard-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_err)?;
    tmp.write_all(bytes).map_err(write_err)?;
    if let Some(meta) = &existing {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(write_err)?;
        files::keep_owner(tmp.as_file(), meta).map_err(write_err)?;
    }
    tmp.as_file().sync_all().map_err(write_err)?;
    tmp.persist(&target).map_err(|e| write_err(e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        // Makes the rename itself durable; some filesystems do not support it.
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::embedded().unwrap()
    }

    fn parse(text: &str) -> Result<Landscape, String> {
        Landscape::parse(text.as_bytes(), "test", &catalog()).map_err(|e| e.to_string())
    }

    /// What the indexes say: each system's formations, each formation found by name.
    fn indexed(l: &Landscape) -> (Vec<Vec<String>>, Vec<usize>) {
        let of = (0..l.systems.len())
            .map(|p| l.formations_of(p).map(|f| f.id.clone()).collect())
            .collect();
        let by_name = l
            .formations
            .iter()
            .map(|f| l.formations_named_ignoring_case(&f.name).count())
            .collect();
        (of, by_name)
    }

    #[test]
    fn a_formation_taken_out_and_put_back_leaves_the_indexes_as_built() {
        let whole = parse(crate::demo::EMBEDDED).unwrap();
        for id in ["f-tc-us", "f-joule", "f-events"] {
            let mut l = whole.clone();
            let (at, f) = l.take_formation(id).expect("taken");
            let rest: Vec<Formation> = whole
                .formations
                .iter()
                .filter(|f| f.id != id)
                .cloned()
                .collect();
            let built = Landscape::from_parts(None, None, whole.systems.clone(), rest, &catalog())
                .expect("valid");
            assert_eq!(indexed(&l), indexed(&built), "without {id}");
            assert!(l.formation_named(&f.name).is_none());
            l.put_back(at, f);
            assert_eq!(indexed(&l), indexed(&whole), "{id} back");
            assert_eq!(l.formations[at].id, id);
        }
    }

    #[test]
    fn demo_landscape_is_valid() {
        let l = parse(crate::demo::EMBEDDED).unwrap();
        assert!(l.systems.len() >= 12);
    }

    #[test]
    fn errors_name_the_field_and_the_entry() {
        let e = parse(r#"{"systems":[{"id":"a","name":"A","type":"X"},{"id":"b","type":"X"}]}"#)
            .unwrap_err();
        assert!(e.contains("systems[1]") && e.contains("name"), "{e}");
        let e = parse(
            r#"{"systems":[{"id":"a","name":"A","type":"X"},{"id":"a","name":"B","type":"X"}]}"#,
        )
        .unwrap_err();
        assert!(e.contains("repeats the id \"a\""), "{e}");
        let e = parse(r#"{"systems":[],"formations":[{"id":"f","name":"F","type":"sap-start","systems":["zz"]}]}"#)
            .unwrap_err();
        assert!(e.contains("\"zz\"") && e.contains("formations[0]"), "{e}");
        let e = parse(r#"{"systems":[],"formations":[{"id":"f","name":"F","type":"Nope"}]}"#)
            .unwrap_err();
        assert!(e.contains("unknown formation type \"Nope\""), "{e}");
        let e = parse("{\"systems\": [").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn director_fields_are_optional_and_checked() {
        let l = parse(
            r#"{"systems":[{"id":"a","name":"A","type":"SAP S/4HANA Cloud","condition":"CONNECTED",
                "latest_token":{"scenario_groups":["All Communication Scenarios"],"requested_at":"2026-11-01T10:00:00Z"}}],
               "formations":[{"id":"f","name":"F","type":"sap-task-center","systems":["a"],"state":"DRAFT",
                "assignments":{"a":{"state":"CREATE_ERROR","error":"receiver said no"}}}]}"#,
        )
        .unwrap();
        assert_eq!(l.systems[0].condition.as_deref(), Some("CONNECTED"));
        assert!(l.formations[0].assignments["a"].is_error());
        let e = parse(r#"{"systems":[{"id":"a","name":"A","type":"X","condition":"PAIRED"}]}"#)
            .unwrap_err();
        assert!(e.contains("unknown condition \"PAIRED\""), "{e}");
        let e = parse(r#"{"systems":[{"id":"a","name":"A","type":"X"}],"formations":[{"id":"f","name":"F","type":"sap-start","systems":[],"assignments":{"a":{"state":"READY"}}}]}"#)
            .unwrap_err();
        assert!(e.contains("not in its systems"), "{e}");
        let e = parse(r#"{"systems":[],"formations":[{"id":"f","name":"F","type":"sap-start","state":"GONE"}]}"#)
            .unwrap_err();
        assert!(e.contains("unknown state \"GONE\""), "{e}");
    }

    #[test]
    fn former_type_name_resolves_to_the_same_id() {
        let l = parse(r#"{"systems":[],"formations":[{"id":"f","name":"F","type":"Integration with SAP Task Center"}]}"#)
            .unwrap();
        assert_eq!(l.formations[0].type_id, "sap-task-center");
    }
}
