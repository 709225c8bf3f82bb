use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, UNIX_EPOCH};

use super::*;

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn director() -> Target {
    Target::Director {
        host: "director.example".into(),
        tenant: "t-1".into(),
    }
}

fn demo() -> Landscape {
    Landscape::parse(crate::demo::EMBEDDED.as_bytes(), "demo", &catalog()).unwrap()
}

#[test]
fn a_landscape_file_has_no_cache() {
    let dir = tempfile::tempdir().unwrap();
    let file = Target::File {
        path: "x.json".into(),
        demo: false,
    };
    assert_eq!(Cache::in_dir(dir.path(), &file), None);
    assert!(Cache::in_dir(dir.path(), &director()).is_some());
}

#[test]
fn each_director_and_tenant_has_its_own_file_named_without_the_tenant() {
    let dir = tempfile::tempdir().unwrap();
    let a = Cache::in_dir(dir.path(), &director()).unwrap();
    let other_tenant = Target::Director {
        host: "director.example".into(),
        tenant: "t-2".into(),
    };
    let b = Cache::in_dir(dir.path(), &other_tenant).unwrap();
    assert_ne!(a.path(), b.path());
    let name = a.path().file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        !name.contains("t-1") && !name.contains("director"),
        "{name}"
    );
}

#[test]
fn what_is_written_is_read_back_with_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::in_dir(&dir.path().join("fw"), &director()).unwrap();
    assert!(cache.read(&catalog()).unwrap().is_none(), "nothing yet");
    let landscape = demo();
    let at = UNIX_EPOCH + Duration::from_secs(1_796_393_520); // 2026-12-04 14:12 UTC
    cache
        .write(&landscape, "the Director at director.example", at)
        .unwrap();
    let back = cache.read(&catalog()).unwrap().unwrap();
    assert_eq!(back.read_at, at);
    assert_eq!(back.landscape.systems, landscape.systems);
    assert_eq!(back.landscape.formations.len(), landscape.formations.len());
    assert_eq!(back.landscape.global_account, landscape.global_account);
}

#[test]
fn the_file_is_private_in_a_private_directory() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("fw");
    let cache = Cache::in_dir(&home, &director()).unwrap();
    cache.write(&demo(), "x", SystemTime::now()).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(cache.path()), 0o600);
    assert_eq!(mode(&home), 0o700);
}

#[test]
fn a_cache_file_others_can_read_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::in_dir(dir.path(), &director()).unwrap();
    cache.write(&demo(), "x", SystemTime::now()).unwrap();
    std::fs::set_permissions(cache.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = cache.read(&catalog()).unwrap_err();
    assert!(
        matches!(err, CacheError::NotPrivate { mode: 0o644, .. }),
        "{err}"
    );
}

#[test]
fn a_tampered_cache_goes_through_the_landscape_readers_checks() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::in_dir(dir.path(), &director()).unwrap();
    std::fs::write(
        cache.path(),
        r#"{"format":1,"read_at":0,"landscape":{"systems":[{"id":"a","name":"A","type":"X"},{"id":"a","name":"B","type":"X"}]}}"#,
    )
    .unwrap();
    std::fs::set_permissions(cache.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let err = cache.read(&catalog()).unwrap_err().to_string();
    assert!(err.contains("cannot be used"), "{err}");
}

#[test]
fn another_format_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::in_dir(dir.path(), &director()).unwrap();
    std::fs::write(
        cache.path(),
        r#"{"format":99,"read_at":0,"landscape":{"systems":[]}}"#,
    )
    .unwrap();
    std::fs::set_permissions(cache.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let err = cache.read(&catalog()).unwrap_err().to_string();
    assert!(err.contains("format 99"), "{err}");
}

#[test]
fn when_names_the_time_and_the_day_when_it_is_not_today() {
    let at = UNIX_EPOCH + Duration::from_secs(1_796_393_520); // 2026-12-04 14:12 UTC
    assert_eq!(when(at, at + Duration::from_secs(600)), "14:12 UTC");
    assert_eq!(
        when(at, at + Duration::from_secs(86_400)),
        "2026-12-04 14:12 UTC"
    );
}
