//! The journal: before each step that changes the landscape, an operation writes down what
//! it is about to do, and after it, that it did it. A process killed in between (SIGKILL, a
//! reboot) leaves its record behind; the next command on the same landscape finds it, says
//! what is left, and `recover` finishes or undoes it. A record holds names and ids only,
//! never a credential.
//!
//! Records live in `$XDG_STATE_HOME/formation-wizard/journal/` (or under
//! `FORMATION_WIZARD_STATE_DIR`), one private file per change that is under way.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::backend::{Backend, Target};

/// Overrides where the journal lives (tests, and administrators who keep state elsewhere).
pub const STATE_DIR_ENV: &str = "FORMATION_WIZARD_STATE_DIR";

/// The most a record may hold; anything larger was not written by us.
const MAX_RECORD_BYTES: u64 = 1024 * 1024;

/// What kind of change a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Create,
    Assign,
    Unassign,
    Delete,
}

impl Op {
    pub fn verb(self) -> &'static str {
        match self {
            Op::Create => "creating",
            Op::Assign => "adding systems to",
            Op::Unassign => "taking systems out of",
            Op::Delete => "deleting",
        }
    }
}

/// One step that changes the landscape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", content = "system", rename_all = "snake_case")]
pub enum Step {
    CreateFormation,
    Assign(String),
    Unassign(String),
    DeleteFormation,
}

impl Step {
    fn words(&self, name: &str) -> String {
        let name = crate::text::neutralise(name);
        match self {
            Step::CreateFormation => format!("create the formation \"{name}\""),
            Step::Assign(s) => format!("assign {}", crate::text::neutralise(s)),
            Step::Unassign(s) => format!("unassign {}", crate::text::neutralise(s)),
            Step::DeleteFormation => format!("delete the formation \"{name}\""),
        }
    }
}

/// A change under way, as written down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    /// Which landscape (see [`source_key`]).
    pub source: String,
    pub pid: u32,
    /// When it began (RFC 3339).
    pub started: String,
    pub op: Op,
    /// The formation's id once known (a create learns it from its first step).
    pub formation_id: Option<String>,
    pub formation_name: String,
    pub type_id: String,
    /// The systems the change is about, in the order it takes them.
    pub systems: Vec<String>,
    /// Steps done, in order.
    pub done: Vec<Step>,
    /// The step sent and not yet known to be done: its outcome is unknown if the process
    /// died here.
    pub doing: Option<Step>,
    /// Set once the change is being undone.
    pub undoing: bool,
}

impl Record {
    /// The systems this change put into the formation and has not taken out again.
    pub fn assigned(&self) -> Vec<String> {
        let mut inside: Vec<String> = Vec::new();
        for step in &self.done {
            match step {
                Step::Assign(s) if !inside.contains(s) => inside.push(s.clone()),
                Step::Unassign(s) => inside.retain(|x| x != s),
                _ => {}
            }
        }
        inside
    }

    pub fn created(&self) -> bool {
        self.done.contains(&Step::CreateFormation)
    }

    /// What is left, in one sentence.
    pub fn left(&self) -> String {
        let name = crate::text::neutralise(&self.formation_name);
        let mut text = format!("{} \"{name}\" was left half-done", self.op.verb());
        let done: Vec<String> = self
            .done
            .iter()
            .map(|s| s.words(&self.formation_name))
            .collect();
        if done.is_empty() {
            text.push_str(": nothing was done yet");
        } else {
            text.push_str(&format!(": done: {}", done.join(", ")));
        }
        if let Some(doing) = &self.doing {
            text.push_str(&format!(
                "; unknown whether this went through: {}",
                doing.words(&self.formation_name)
            ));
        }
        if self.undoing {
            text.push_str(" (it was being undone)");
        }
        text
    }
}

/// Where records are kept for one landscape; `off` keeps none (tests of other things).
#[derive(Debug, Clone)]
pub struct Journal {
    dir: Option<PathBuf>,
    source: String,
}

/// The landscape a backend works on, as a journal names it: the file's absolute path, or
/// the Director's URL with the tenant.
pub fn source_key(backend: &dyn Backend) -> String {
    match backend.target() {
        Target::File { path, .. } => {
            let absolute = std::fs::canonicalize(&path).unwrap_or_else(|_| PathBuf::from(&path));
            format!("file {}", absolute.display())
        }
        Target::Director { tenant, .. } => {
            format!("director {} tenant {tenant}", backend.describe())
        }
        Target::Other(what) => format!("other {what}"),
    }
}

/// The directory the journal lives in, if one can be found.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(STATE_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("journal"));
    }
    let dirs = directories::ProjectDirs::from("", "", "formation-wizard")?;
    let base = dirs
        .state_dir()
        .map_or_else(|| dirs.data_local_dir().to_owned(), Path::to_owned);
    Some(base.join("journal"))
}

impl Journal {
    /// The journal of the landscape `backend` works on, in the default place.
    pub fn for_backend(backend: &dyn Backend) -> Journal {
        Journal {
            dir: default_dir(),
            source: source_key(backend),
        }
    }

    pub fn at(dir: PathBuf, source: String) -> Journal {
        Journal {
            dir: Some(dir),
            source,
        }
    }

    pub fn off() -> Journal {
        Journal {
            dir: None,
            source: String::new(),
        }
    }

    /// Starts a record for a change; writing it is best effort: a change is not refused
    /// because the state directory cannot be written, but the user is told once.
    pub fn begin(
        &self,
        op: Op,
        formation_id: Option<&str>,
        formation_name: &str,
        type_id: &str,
        systems: &[String],
    ) -> Entry {
        let record = Record {
            version: 1,
            source: self.source.clone(),
            pid: std::process::id(),
            started: now(),
            op,
            formation_id: formation_id.map(str::to_owned),
            formation_name: formation_name.to_owned(),
            type_id: type_id.to_owned(),
            systems: systems.to_vec(),
            done: Vec::new(),
            doing: None,
            undoing: false,
        };
        let path = self.dir.as_ref().map(|dir| {
            dir.join(format!(
                "{}-{}.json",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ))
        });
        let entry = Entry { path, record };
        entry.write();
        entry
    }

    /// Records of this landscape whose process is gone: changes left half-done.
    pub fn left_open(&self) -> Vec<(PathBuf, Record)> {
        let Some(dir) = &self.dir else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut found: Vec<(PathBuf, Record)> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| read_record(&p).map(|r| (p, r)))
            .filter(|(_, r)| r.source == self.source && !alive(r.pid))
            .collect();
        found.sort_by(|a, b| a.1.started.cmp(&b.1.started));
        found
    }
}

fn read_record(path: &Path) -> Option<Record> {
    let bytes = crate::files::read_regular(path, MAX_RECORD_BYTES).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Whether the process that wrote a record still runs (then its change is not left over).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        // Our own pid in an old record: an earlier process that had the same number.
        return false;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 sends nothing; it only asks whether the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Now, to the second (RFC 3339): for a person reading when a change began.
fn now() -> String {
    let now = time::OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// One change's record while it runs. Dropped without `close`, the record stays (the change
/// did not finish cleanly and the next command should hear of it).
#[derive(Debug)]
pub struct Entry {
    path: Option<PathBuf>,
    record: Record,
}

impl Entry {
    /// A record that was left behind, taken over by `recover`.
    pub fn resume(path: PathBuf, mut record: Record) -> Entry {
        record.pid = std::process::id();
        let entry = Entry {
            path: Some(path),
            record,
        };
        entry.write();
        entry
    }

    pub fn record(&self) -> &Record {
        &self.record
    }

    /// Before sending `step`.
    pub fn about_to(&mut self, step: Step) {
        self.record.doing = Some(step);
        self.write();
    }

    /// After `step` went through; the formation's id once it is known.
    pub fn did(&mut self, step: Step, formation_id: Option<&str>) {
        if let Some(id) = formation_id {
            self.record.formation_id = Some(id.to_owned());
        }
        self.record.doing = None;
        self.record.done.push(step);
        self.write();
    }

    /// After a step that failed: it did not happen.
    pub fn failed(&mut self) {
        self.record.doing = None;
        self.write();
    }

    pub fn undoing(&mut self) {
        self.record.undoing = true;
        self.write();
    }

    /// The change is over (done, or completely undone): the record goes.
    pub fn close(self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Writes the record in full, privately, replacing the last one in one rename.
    fn write(&self) {
        let Some(path) = &self.path else {
            return;
        };
        if let Err(e) = write_private(path, &self.record) {
            tracing::warn!(path = %path.display(), error = %e, "cannot write the journal");
            warn_once(path, &e);
        }
    }
}

fn warn_once(path: &Path, e: &std::io::Error) {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        eprintln!(
            "formation-wizard: cannot write the journal {} ({e}); a change cut short by a killed process will not be remembered.",
            path.display()
        );
    });
}

fn write_private(path: &Path, record: &Record) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("the journal has no directory"))?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let bytes = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(dir: &Path) -> Journal {
        Journal::at(dir.join("journal"), "file /x.json".into())
    }

    #[test]
    fn a_closed_change_leaves_nothing_and_an_open_one_is_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = journal(dir.path());
        let mut e = j.begin(Op::Create, None, "TC EU", "t", &["tc".into(), "s4".into()]);
        e.about_to(Step::CreateFormation);
        e.did(Step::CreateFormation, Some("f-1"));
        let files: Vec<_> = std::fs::read_dir(dir.path().join("journal"))
            .expect("dir")
            .flatten()
            .collect();
        assert_eq!(files.len(), 1);
        use std::os::unix::fs::PermissionsExt;
        let mode = files[0].metadata().expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "the record is private: {mode:o}");
        let dmode = std::fs::metadata(dir.path().join("journal"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(dmode & 0o077, 0, "the directory is private: {dmode:o}");
        e.close();
        assert_eq!(
            std::fs::read_dir(dir.path().join("journal"))
                .expect("dir")
                .count(),
            0
        );
    }

    #[test]
    fn a_record_of_a_dead_process_is_left_open_and_says_what_is_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = journal(dir.path());
        let mut e = j.begin(Op::Create, None, "TC EU", "t", &["tc".into(), "s4".into()]);
        e.did(Step::CreateFormation, Some("f-1"));
        e.did(Step::Assign("tc".into()), None);
        e.about_to(Step::Assign("s4".into()));
        // Our own pid in a record counts as an earlier, dead process.
        let open = j.left_open();
        assert_eq!(open.len(), 1);
        let r = &open[0].1;
        assert_eq!(r.formation_id.as_deref(), Some("f-1"));
        assert_eq!(r.assigned(), vec!["tc".to_owned()]);
        let left = r.left();
        assert!(left.contains("assign tc"), "{left}");
        assert!(
            left.contains("unknown whether this went through: assign s4"),
            "{left}"
        );
        // Another landscape's journal does not see it.
        let other = Journal::at(dir.path().join("journal"), "file /y.json".into());
        assert!(other.left_open().is_empty());
        drop(e);
    }

    #[test]
    fn a_live_process_record_is_not_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = journal(dir.path());
        let e = j.begin(Op::Assign, Some("f-1"), "F", "t", &[]);
        let (path, mut record) = j.left_open().remove(0);
        // pid 1 always runs.
        record.pid = 1;
        std::fs::write(&path, serde_json::to_vec(&record).expect("json")).expect("write");
        assert!(j.left_open().is_empty());
        drop(e);
    }

    #[test]
    fn unassigned_systems_are_not_counted_as_assigned() {
        let r = Record {
            version: 1,
            source: String::new(),
            pid: 0,
            started: String::new(),
            op: Op::Create,
            formation_id: None,
            formation_name: "F".into(),
            type_id: String::new(),
            systems: vec![],
            done: vec![
                Step::CreateFormation,
                Step::Assign("a".into()),
                Step::Assign("b".into()),
                Step::Unassign("a".into()),
            ],
            doing: None,
            undoing: true,
        };
        assert_eq!(r.assigned(), vec!["b".to_owned()]);
        assert!(r.created());
    }
}
