//! `recover`: finishes or undoes the changes a killed process left half-done on this
//! landscape, from the journal. On a terminal it asks for each; `--yes` undoes (a delete is
//! finished: its notifications have gone out and it cannot be taken back).

use crate::backend::{self, Backend};
use crate::catalog::Catalog;
use crate::cli::SourceArgs;
use crate::error::{AppError, exit};
use crate::ops::{self, recover::Choice};
use crate::text::neutralise;

pub(super) async fn recover(
    backend: &dyn Backend,
    source: &SourceArgs,
    catalog: &Catalog,
) -> Result<u8, AppError> {
    let open = ops::Journal::for_backend(backend).left_open();
    let target = neutralise(&backend.describe()).into_owned();
    if open.is_empty() {
        println!("Nothing to recover: no change was left half-done on {target}.");
        return Ok(exit::OK);
    }
    let asking = !source.yes;
    if asking && !crate::prompt::on_terminal() {
        let what: Vec<String> = open.iter().map(|(_, r)| r.left()).collect();
        return Err(AppError::Usage(format!(
            "{} on {target}: {}; not on a terminal, recover needs --yes (which undoes {})",
            if open.len() == 1 {
                "a change was left half-done".to_owned()
            } else {
                format!("{} changes were left half-done", open.len())
            },
            what.join("; "),
            if open.len() == 1 { "it" } else { "them" }
        )));
    }
    let printer = backend::StderrProgress::start();
    let ctx = super::ops_ctx(backend, catalog, source, printer.progress());
    let mut code = exit::OK;
    for (path, record) in open {
        eprintln!("On {target}, {}.", record.left());
        let choice = if asking {
            match choose(record.op).await? {
                Some(c) => c,
                None => {
                    eprintln!("Left as it is.");
                    if code == exit::OK {
                        code = exit::CANCELLED;
                    }
                    continue;
                }
            }
        } else {
            Choice::default_for(record.op)
        };
        match ops::recover::mend(&ctx, path, record, choice).await {
            Ok(done) => println!(
                "Recovered: {}{}",
                neutralise(&done),
                if done.ends_with('.') { "" } else { "." }
            ),
            Err(left) => {
                eprintln!("Not recovered: {}", neutralise(&left));
                code = exit::BACKEND;
            }
        }
    }
    printer.finish().await;
    Ok(code)
}

/// Asks whether to finish or undo; `None` leaves it.
async fn choose(op: ops::journal::Op) -> Result<Option<Choice>, AppError> {
    let question = if Choice::Undo.possible(op) {
        "Finish it (f), undo it (u), or leave it (Enter)? "
    } else {
        "A delete cannot be undone. Finish it (f), or leave it (Enter)? "
    };
    let answer = tokio::task::spawn_blocking(move || crate::prompt::answer(question))
        .await
        .map_err(|e| AppError::Usage(format!("the prompt stopped: {e}")))??;
    Ok(match answer.trim().to_ascii_lowercase().as_str() {
        "f" | "finish" => Some(Choice::Finish),
        "u" | "undo" if Choice::Undo.possible(op) => Some(Choice::Undo),
        _ => None,
    })
}
