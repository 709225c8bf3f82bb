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
