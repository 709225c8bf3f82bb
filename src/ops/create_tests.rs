//! The create operation over a scripted backend: every step failing, every interrupt
//! point, the undo order, a vanished assignment, an assignment in error.

use std::time::Duration;

use super::*;
use crate::ops::scripted::{Ends, Scripted};
use crate::ops::{Ctx, Interrupt, Journal, Policy};

fn plan(systems: &[&str]) -> FormationPlan {
    FormationPlan {
        name: "TC EU".into(),
        type_id: "sap-task-center".into(),
        systems: systems.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn ctx<'a>(backend: &'a Scripted, journal: &std::path::Path) -> Ctx<'a> {
    let mut ctx = Ctx::new(backend, backend.catalog());
    ctx.journal = Journal::at(journal.to_owned(), "scripted".into());
    ctx.follow = Policy {
        first: Duration::from_millis(1),
        max: Duration::from_millis(2),
        timeout: Duration::from_secs(5),
    };
    ctx
}

async fn run(backend: &Scripted, systems: &[&str]) -> (CreateOutcome, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = ctx(backend, dir.path());
    let outcome = create(&ctx, &plan(systems), Options::default())
        .await
        .expect("an outcome");
    (outcome, dir)
}

fn journal_left(dir: &tempfile::TempDir) -> usize {
    Journal::at(dir.path().to_owned(), "scripted".into())
        .left_open()
        .len()
}

#[tokio::test]
async fn a_create_that_goes_through_is_whole_and_every_system_ready() {
    let b = Scripted::new();
    let (o, dir) = run(&b, &["tc-1", "s4-1", "s4-2"]).await;
    assert!(matches!(o.end, End::Created), "{o:?}");
    assert_eq!(o.exit_code(), 0);
    assert_eq!(
        b.log(),
        ["create TC EU", "assign tc-1", "assign s4-1", "assign s4-2"]
    );
    assert!(o.systems.values().all(|f| *f == Final::Ready), "{o:?}");
    assert_eq!(o.formation.map(|f| f.status).as_deref(), Some("Ready"));
    assert_eq!(journal_left(&dir), 0, "a finished change leaves no record");
}

#[tokio::test]
async fn a_plan_the_rules_refuse_now_changes_nothing() {
    let b = Scripted::new();
    let (o, _dir) = run(&b, &["tc-1", "tc-2", "s4-1"]).await;
    assert!(matches!(o.end, End::Refused(_)), "{o:?}");
    assert_eq!(o.exit_code(), 1);
    assert!(b.log().is_empty());
}

#[tokio::test]
async fn a_refused_create_changes_nothing() {
    let b = Scripted::new().with(|s| {
        s.fail
            .insert("create TC EU".into(), "refuse:name taken".into());
    });
    let (o, dir) = run(&b, &["tc-1", "s4-1"]).await;
    let End::Refused(report) = &o.end else {
        panic!("{o:?}")
    };
    assert_eq!(report.violations[0].message, "name taken");
    assert!(b.formations().is_empty());
    assert_eq!(journal_left(&dir), 0);
}

#[tokio::test]
async fn a_failed_create_is_an_error_with_nothing_left() {
    let b = Scripted::new().with(|s| {
        s.fail.insert("create TC EU".into(), "timed out".into());
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = ctx(&b, dir.path());
    let e = create(&ctx, &plan(&["tc-1", "s4-1"]), Options::default())
        .await
        .expect_err("the create failed");
    assert!(e.to_string().contains("timed out"), "{e}");
    assert!(b.formations().is_empty());
    assert_eq!(journal_left(&dir), 0);
}

#[tokio::test]
async fn a_refused_assignment_is_undone_members_first_then_the_formation() {
    let b = Scripted::new().with(|s| {
        s.fail
            .insert("assign s4-2".into(), "refuse:not registered".into());
    });
    let (o, dir) = run(&b, &["tc-1", "s4-1", "s4-2"]).await;
    assert!(matches!(o.end, End::Refused(_)), "{o:?}");
    assert_eq!(
        b.log(),
        [
            "create TC EU",
            "assign tc-1",
            "assign s4-1",
            "unassign s4-1",
            "unassign tc-1",
            "delete f-1"
        ]
    );
    assert!(b.formations().is_empty(), "nothing is left");
    assert!(o.left.is_none() && o.formation.is_none());
    assert_eq!(journal_left(&dir), 0);
}

#[tokio::test]
async fn a_failed_assignment_is_undone() {
    let b = Scripted::new().with(|s| {
        s.fail
            .insert("assign s4-1".into(), "connection reset".into());
    });
    let (o, _dir) = run(&b, &["tc-1", "s4-1"]).await;
    let End::Failed(why) = &o.end else {
        panic!("{o:?}")
    };
    assert!(
        why.contains("s4-1") && why.contains("connection reset"),
        "{why}"
    );
    assert_eq!(o.exit_code(), 3);
    assert_eq!(
        b.log(),
        ["create TC EU", "assign tc-1", "unassign tc-1", "delete f-1"]
    );
    assert!(b.formations().is_empty());
}

/// Interrupted right after each call that changes something: before the formation is
/// whole, everything is undone, members before the formation.
#[tokio::test]
async fn an_interrupt_after_any_step_leaves_the_formation_gone() {
    for (after, undo) in [
        ("create TC EU", vec!["delete f-1"]),
        ("assign tc-1", vec!["unassign tc-1", "delete f-1"]),
        (
            "assign s4-1",
            vec!["unassign s4-1", "unassign tc-1", "delete f-1"],
        ),
    ] {
        let stop = Interrupt::new();
        let b = Scripted::new().with(|s| s.interrupt_after = Some((after.into(), stop.clone())));
        let dir = tempfile::tempdir().expect("tempdir");
        let mut ctx = ctx(&b, dir.path());
        ctx.stop = stop;
        let o = create(&ctx, &plan(&["tc-1", "s4-1", "s4-2"]), Options::default())
            .await
            .expect("an outcome");
        assert!(matches!(o.end, End::Interrupted), "{after}: {o:?}");
        assert_eq!(o.exit_code(), 130);
        let log = b.log();
        let at = log.iter().position(|c| c == after).expect("the step ran");
        assert_eq!(&log[at + 1..], &undo[..], "after {after}");
        assert!(b.formations().is_empty(), "after {after}: nothing is left");
        assert_eq!(journal_left(&dir), 0);
    }
}

#[tokio::test]
async fn an_interrupt_while_following_leaves_the_formation_whole() {
    let stop = Interrupt::new();
    let b = Scripted::new().with(|s| {
        s.interrupt_after = Some(("assign s4-1".into(), stop.clone()));
        s.looks = 1000;
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut ctx = ctx(&b, dir.path());
    ctx.stop = stop;
    // The interrupt comes after the last assignment: the formation is whole.
    let o = create(&ctx, &plan(&["tc-1", "s4-1"]), Options::default())
        .await
        .expect("an outcome");
    // The last assignment went through before the interrupt was seen: undone, or whole.
    let formations = b.formations();
    match o.end {
        End::Interrupted if o.formation.is_some() => {
            assert_eq!(formations["TC EU"], ["s4-1", "tc-1"])
        }
        End::Interrupted => assert!(formations.is_empty()),
        _ => panic!("{o:?}"),
    }
}

#[tokio::test]
async fn a_vanished_assignment_is_not_added_and_the_formation_is_undone() {
    let b = Scripted::new().with(|s| {
        s.ends.insert("s4-1".into(), Ends::Vanishes);
    });
    let (o, _dir) = run(&b, &["tc-1", "s4-1"]).await;
    let End::Failed(why) = &o.end else {
        panic!("{o:?}")
    };
    assert!(
        why.contains("removed the assignment of s4-1 again")
            && why.contains("(s4-1: the Director gave no reason)"),
        "{why}"
    );
    assert!(b.formations().is_empty());
    assert!(
        b.log()
            .ends_with(&["unassign tc-1".into(), "delete f-1".into()])
    );
}

#[tokio::test]
async fn an_assignment_in_error_is_never_reported_as_ready() {
    let b = Scripted::new().with(|s| {
        s.ends
            .insert("s4-1".into(), Ends::Error("receiver said no".into()));
    });
    let (o, _dir) = run(&b, &["tc-1", "s4-1"]).await;
    assert!(matches!(o.end, End::Created), "{o:?}");
    assert_eq!(o.systems["tc-1"], Final::Ready);
    assert!(
        matches!(&o.systems["s4-1"], Final::Failed { error: Some(e), .. } if e == "receiver said no")
    );
    assert_eq!(o.not_ready().len(), 1);
    assert_eq!(o.exit_code(), 3);
    assert_eq!(o.formation.map(|f| f.status).as_deref(), Some("Error"));
}

#[tokio::test]
async fn an_undo_that_cannot_finish_says_what_is_left_and_keeps_the_journal() {
    let b = Scripted::new().with(|s| {
        s.fail.insert("assign s4-1".into(), "refuse:no".into());
        s.fail.insert("unassign tc-1".into(), "server down".into());
    });
    let (o, dir) = run(&b, &["tc-1", "s4-1"]).await;
    let left = o.left.clone().expect("something is left");
    assert!(
        left.contains("still holds tc-1") && left.contains("recover"),
        "{left}"
    );
    assert_eq!(o.exit_code(), 3);
    assert_eq!(b.formations()["TC EU"], ["tc-1"]);
    let open = Journal::at(dir.path().to_owned(), "scripted".into()).left_open();
    assert_eq!(open.len(), 1, "the record stays for recover");
    assert_eq!(open[0].1.assigned(), ["tc-1"]);
}

#[tokio::test]
async fn a_journal_record_is_written_before_each_step() {
    // Killed right after the first assignment: the record says so.
    let b = Scripted::new().with(|s| {
        s.fail.insert("assign s4-1".into(), "refuse:no".into());
        s.fail.insert("unassign tc-1".into(), "killed".into());
    });
    let (_, dir) = run(&b, &["tc-1", "s4-1"]).await;
    let (_, record) = Journal::at(dir.path().to_owned(), "scripted".into())
        .left_open()
        .remove(0);
    assert_eq!(record.formation_id.as_deref(), Some("f-1"));
    assert_eq!(record.systems, ["tc-1", "s4-1"]);
    assert!(record.undoing);
    assert!(record.created());
}

#[test]
fn planned_calls_name_every_step() {
    let calls = planned_calls(&plan(&["tc-1", "s4-1"]), "T", false);
    assert_eq!(calls.len(), 5);
    assert!(calls[1].contains("\"TC EU\""));
    assert_eq!(calls[2], "Assign the system tc-1");
    assert_eq!(planned_calls(&plan(&["tc-1"]), "T", true).len(), 3);
}
