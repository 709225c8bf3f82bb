//! The changes to an existing formation over a scripted backend.

use std::time::Duration;

use super::*;
use crate::ops::scripted::{Ends, Scripted};
use crate::ops::{Interrupt, Journal, Policy};

fn ctx<'a>(backend: &'a Scripted, dir: &std::path::Path) -> Ctx<'a> {
    let mut ctx = Ctx::new(backend, backend.catalog());
    ctx.journal = Journal::at(dir.to_owned(), "scripted".into());
    ctx.follow = Policy {
        first: Duration::from_millis(1),
        max: Duration::from_millis(2),
        timeout: Duration::from_secs(5),
    };
    ctx
}

/// A formation f-1 "TC EU" with tc-1 and s4-1, both READY.
fn with_formation() -> Scripted {
    Scripted::new().with(|s| {
        let ready = || crate::landscape::Assignment {
            state: "READY".into(),
            error: None,
        };
        s.formations.insert(
            "f-1".into(),
            (
                "TC EU".into(),
                "sap-task-center".into(),
                [("tc-1".to_owned(), ready()), ("s4-1".to_owned(), ready())]
                    .into_iter()
                    .collect(),
            ),
        );
    })
}

#[tokio::test]
async fn an_assignment_in_error_is_not_reported_as_added() {
    let b = with_formation().with(|s| {
        s.ends
            .insert("s4-2".into(), Ends::Error("receiver said no".into()));
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let o = assign(&ctx(&b, dir.path()), "f-1", &["s4-2".into()])
        .await
        .expect("an outcome");
    assert!(!o.succeeded());
    assert_eq!(o.exit_code(), 3);
    let line = o.line();
    assert!(!line.contains("was added"), "{line}");
    assert!(
        line.contains("s4-2 was not added to \"TC EU\"") && line.contains("receiver said no"),
        "{line}"
    );
}

#[tokio::test]
async fn a_vanished_assignment_ends_the_wait_and_says_so() {
    let b = with_formation().with(|s| {
        s.ends.insert("s4-2".into(), Ends::Vanishes);
        s.looks = 2;
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let o = assign(&ctx(&b, dir.path()), "f-1", &["s4-2".into()])
        .await
        .expect("an outcome");
    assert_eq!(o.systems["s4-2"], Final::Vanished { reason: None });
    let line = o.line();
    assert!(
        line.contains("s4-2 was not added to \"TC EU\": its assignment disappeared")
            && line.contains("the change did not happen; the Director gave no reason"),
        "{line}"
    );
}

#[tokio::test]
async fn an_assignment_the_rules_refuse_sends_nothing() {
    let b = with_formation();
    let dir = tempfile::tempdir().expect("tempdir");
    let o = assign(&ctx(&b, dir.path()), "f-1", &["tc-2".into()])
        .await
        .expect("an outcome");
    assert!(matches!(o.end, ChangeEnd::Refused(_)), "{o:?}");
    assert_eq!(o.exit_code(), 1);
    assert!(b.log().is_empty());
}

#[tokio::test]
async fn an_interrupted_assignment_of_several_takes_back_what_it_added() {
    let stop = Interrupt::new();
    let b =
        with_formation().with(|s| s.interrupt_after = Some(("assign s4-2".into(), stop.clone())));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut c = ctx(&b, dir.path());
    c.stop = stop;
    let o = assign(&c, "f-1", &["s4-2".into(), "s4-3".into()])
        .await
        .expect("an outcome");
    assert!(matches!(o.end, ChangeEnd::Interrupted), "{o:?}");
    assert_eq!(b.log(), ["assign s4-2", "unassign s4-2"]);
    assert_eq!(b.formations()["TC EU"], ["s4-1", "tc-1"]);
}

#[tokio::test]
async fn taking_out_the_only_task_center_needs_consent() {
    let b = with_formation();
    let dir = tempfile::tempdir().expect("tempdir");
    let o = unassign(&ctx(&b, dir.path()), "f-1", &["tc-1".into()], false)
        .await
        .expect("an outcome");
    assert!(matches!(o.end, ChangeEnd::Refused(_)), "{o:?}");
    assert!(b.log().is_empty());
    let o = unassign(&ctx(&b, dir.path()), "f-1", &["tc-1".into()], true)
        .await
        .expect("an outcome");
    assert!(o.succeeded(), "{o:?}");
    assert_eq!(o.systems["tc-1"], Final::Gone);
    assert_eq!(b.formations()["TC EU"], ["s4-1"]);
}

#[tokio::test]
async fn a_delete_takes_the_members_out_first_and_waits_until_they_are_gone() {
    let b = with_formation().with(|s| s.looks = 3);
    let dir = tempfile::tempdir().expect("tempdir");
    let o = delete(&ctx(&b, dir.path()), "f-1")
        .await
        .expect("an outcome");
    assert!(o.succeeded(), "{o:?}");
    assert_eq!(b.log(), ["unassign s4-1", "unassign tc-1", "delete f-1"]);
    assert!(b.formations().is_empty());
    assert!(o.line().contains("was deleted"));
}

#[tokio::test]
async fn a_delete_that_cannot_finish_says_what_is_left() {
    let b = with_formation().with(|s| {
        s.fail.insert("unassign tc-1".into(), "server down".into());
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let o = delete(&ctx(&b, dir.path()), "f-1")
        .await
        .expect("an outcome");
    assert!(!o.succeeded());
    let left = o.left.clone().expect("left");
    assert!(left.contains("still holds tc-1"), "{left}");
    assert_eq!(
        Journal::at(dir.path().to_owned(), "scripted".into())
            .left_open()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_resync_follows_until_every_assignment_is_final() {
    let b = with_formation().with(|s| {
        if let Some((_, _, m)) = s.formations.get_mut("f-1") {
            m.insert(
                "s4-1".into(),
                crate::landscape::Assignment {
                    state: "CREATE_ERROR".into(),
                    error: Some("down".into()),
                },
            );
        }
        s.looks = 2;
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let o = resync(&ctx(&b, dir.path()), "f-1", false)
        .await
        .expect("an outcome");
    assert!(o.succeeded(), "{o:?}");
    assert_eq!(o.state.as_ref().map(|s| s.status.as_str()), Some("Ready"));
    assert!(o.line().contains("it is Ready"), "{}", o.line());
}
