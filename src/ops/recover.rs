//! Mending a change that a killed process left half-done, from its journal record: finish
//! it (the systems still missing are assigned, or the ones still in taken out) or undo it
//! (what it did is taken back). What is done is decided on the landscape as it is now, not
//! on the record alone: the step the process died in may or may not have gone through.

use std::path::PathBuf;

use super::change::{self, ChangeEnd, take_apart};
use super::journal::{Entry, Op, Record};
use super::{Calls, Ctx, said};
use crate::backend::{BackendError, Progress};

/// What to do with a change left half-done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Finish,
    Undo,
}

impl Choice {
    /// What `--yes` does: undo, except a delete, which cannot be undone (its members' notifications have gone
    /// out) and is finished.
    pub fn default_for(op: Op) -> Choice {
        match op {
            Op::Delete => Choice::Finish,
            _ => Choice::Undo,
        }
    }

    /// Whether this choice can be made for `op`.
    pub fn possible(self, op: Op) -> bool {
        !(op == Op::Delete && self == Choice::Undo)
    }
}

/// Finishes or undoes the change `record` describes; the answer says what was done, the
/// error what is still left.
pub async fn mend(
    ctx: &Ctx<'_>,
    path: PathBuf,
    record: Record,
    choice: Choice,
) -> Result<String, String> {
    let name = crate::text::neutralise(&record.formation_name).into_owned();
    let Some(id) = formation_id(ctx, &record).await? else {
        // Died before the formation was created: nothing of it exists.
        Entry::resume(path, record).close();
        return Ok(format!(
            "the formation \"{name}\" was never created; nothing to mend"
        ));
    };
    let mut entry = Entry::resume(path, record.clone());
    let mut calls = Calls::new(&ctx.progress);
    let done = match (record.op, choice) {
        (Op::Create, Choice::Undo) | (Op::Delete, _) => {
            entry.undoing();
            take_apart(ctx, &mut entry, &id, &record.formation_name, &mut calls, "").await?;
            format!("the formation \"{name}\" was taken apart and deleted")
        }
        (Op::Create | Op::Assign, Choice::Finish) => {
            let outcome = change::assign(ctx, &id, &record.systems)
                .await
                .map_err(|e| said(&e))?;
            finished(&outcome)?
        }
        (Op::Assign, Choice::Undo) => {
            let members = members(ctx, &id).await?;
            let ours: Vec<String> = record
                .systems
                .iter()
                .filter(|s| members.contains(s))
                .cloned()
                .collect();
            let outcome = change::unassign(ctx, &id, &ours, true)
                .await
                .map_err(|e| said(&e))?;
            finished(&outcome)?
        }
        (Op::Unassign, Choice::Finish) => {
            let outcome = change::unassign(ctx, &id, &record.systems, true)
                .await
                .map_err(|e| said(&e))?;
            finished(&outcome)?
        }
        (Op::Unassign, Choice::Undo) => {
            let outcome = change::assign(ctx, &id, &record.systems)
                .await
                .map_err(|e| said(&e))?;
            finished(&outcome)?
        }
    };
    entry.close();
    Ok(done)
}

fn finished(outcome: &change::ChangeOutcome) -> Result<String, String> {
    match (&outcome.end, outcome.succeeded()) {
        (ChangeEnd::Done, true) => Ok(outcome.line()),
        _ => Err(outcome.line()),
    }
}

/// The formation's id: from the record, or looked up by name when the process died while
/// creating it (`None`: it does not exist).
async fn formation_id(ctx: &Ctx<'_>, record: &Record) -> Result<Option<String>, String> {
    if let Some(id) = &record.formation_id {
        return Ok(Some(id.clone()));
    }
    let landscape = ctx
        .backend
        .load(ctx.catalog, &Progress::none())
        .await
        .map_err(|e| said(&e))?;
    Ok(landscape
        .formation_named(&record.formation_name)
        .map(|f| f.id.clone()))
}

async fn members(ctx: &Ctx<'_>, id: &str) -> Result<Vec<String>, String> {
    match ctx.backend.members(id).await {
        Ok(m) => Ok(m.into_keys().collect()),
        Err(BackendError::NoSuchFormation(_)) => Ok(Vec::new()),
        Err(e) => Err(said(&e)),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ops::journal::{Journal, Step};
    use crate::ops::scripted::Scripted;
    use crate::ops::{Ctx, Policy};

    /// A create of "TC EU" (tc-1, s4-1, s4-2) killed after its first assignment: the
    /// scripted landscape holds f-1 with tc-1, and the journal says so.
    fn killed_create(dir: &std::path::Path) -> (Scripted, Journal) {
        let b = Scripted::new().with(|s| {
            let ready = crate::landscape::Assignment {
                state: "READY".into(),
                error: None,
            };
            s.formations.insert(
                "f-1".into(),
                (
                    "TC EU".into(),
                    "sap-task-center".into(),
                    [("tc-1".to_owned(), ready)].into_iter().collect(),
                ),
            );
        });
        let journal = Journal::at(dir.to_owned(), "scripted".into());
        let mut entry = journal.begin(
            Op::Create,
            None,
            "TC EU",
            "sap-task-center",
            &["tc-1".into(), "s4-1".into(), "s4-2".into()],
        );
        entry.did(Step::CreateFormation, Some("f-1"));
        entry.did(Step::Assign("tc-1".into()), None);
        entry.about_to(Step::Assign("s4-1".into()));
        // The process dies here: the record is not closed.
        drop(entry);
        (b, journal)
    }

    fn ctx<'a>(b: &'a Scripted, journal: &Journal) -> Ctx<'a> {
        let mut ctx = Ctx::new(b, b.catalog());
        ctx.journal = journal.clone();
        ctx.follow = Policy {
            first: Duration::from_millis(1),
            max: Duration::from_millis(2),
            timeout: Duration::from_secs(5),
        };
        ctx
    }

    #[tokio::test]
    async fn undo_takes_the_members_out_then_deletes_and_closes_the_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (b, journal) = killed_create(dir.path());
        let (path, record) = journal.left_open().remove(0);
        let done = mend(&ctx(&b, &journal), path, record, Choice::Undo)
            .await
            .expect("mended");
        assert!(done.contains("deleted"), "{done}");
        assert_eq!(b.log(), ["unassign tc-1", "delete f-1"]);
        assert!(b.formations().is_empty());
        assert!(journal.left_open().is_empty());
    }

    #[tokio::test]
    async fn finish_assigns_what_is_missing_and_closes_the_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (b, journal) = killed_create(dir.path());
        let (path, record) = journal.left_open().remove(0);
        mend(&ctx(&b, &journal), path, record, Choice::Finish)
            .await
            .expect("mended");
        assert_eq!(
            b.log(),
            ["assign s4-1", "assign s4-2"],
            "tc-1 is left alone"
        );
        assert_eq!(b.formations()["TC EU"], ["s4-1", "s4-2", "tc-1"]);
        assert!(journal.left_open().is_empty());
    }

    #[tokio::test]
    async fn a_create_killed_before_the_formation_existed_leaves_nothing_to_do() {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = Scripted::new();
        let journal = Journal::at(dir.path().to_owned(), "scripted".into());
        let mut entry = journal.begin(Op::Create, None, "TC EU", "sap-task-center", &[]);
        entry.about_to(Step::CreateFormation);
        drop(entry);
        let (path, record) = journal.left_open().remove(0);
        let done = mend(&ctx(&b, &journal), path, record, Choice::Undo)
            .await
            .expect("nothing to mend");
        assert!(done.contains("never created"), "{done}");
        assert!(b.log().is_empty());
        assert!(journal.left_open().is_empty());
    }

    #[test]
    fn a_delete_is_finished_not_undone() {
        assert_eq!(Choice::default_for(Op::Delete), Choice::Finish);
        assert!(!Choice::Undo.possible(Op::Delete));
        assert_eq!(Choice::default_for(Op::Create), Choice::Undo);
    }
}
