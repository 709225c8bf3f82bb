//! The one-pass landscape reader (issue 22) against the two-pass reader it replaced: on
//! every file, both accept it with the same parts or both refuse it with the same sentence,
//! and the one pass never accepts what the two-pass reader refuses. Hostile shapes first:
//! repeated keys at every level, known and unknown, escaped, deep; then the fixtures.

use formation_wizard::catalog::Catalog;
use formation_wizard::landscape::{self, Landscape, Name};

fn same(name: &str, bytes: &[u8]) {
    let catalog = Catalog::embedded().unwrap();
    let one = Landscape::parse(bytes, "file x.json", &catalog);
    let two = Landscape::parse_two_pass(bytes, "file x.json", &catalog);
    if Landscape::one_pass_reads(bytes) {
        assert!(
            two.is_ok() || matches!(&two, Err(e) if !e.to_string().contains("twice")),
            "{name}: the one pass took what the two-pass reader refuses: {two:?}"
        );
    }
    match (one, two) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.systems, b.systems, "{name}");
            assert_eq!(a.formations, b.formations, "{name}");
            assert_eq!(a.global_account, b.global_account, "{name}");
            assert_eq!(a.user, b.user, "{name}");
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
        (a, b) => panic!("{name}: one pass {a:?}, two passes {b:?}"),
    }
}

/// Refused by both, and the one pass hands it to the two-pass reader.
fn refused(name: &str, text: &str) {
    same(name, text.as_bytes());
    assert!(!Landscape::one_pass_reads(text.as_bytes()), "{name}");
    let catalog = Catalog::embedded().unwrap();
    assert!(
        Landscape::parse(text.as_bytes(), "x", &catalog).is_err(),
        "{name}"
    );
}

fn accepted(name: &str, text: &str) {
    same(name, text.as_bytes());
    assert!(Landscape::one_pass_reads(text.as_bytes()), "{name}");
}

const SYSTEM: &str = r#"{"id": "tc", "name": "TC", "type": "SAP Task Center"}"#;

#[test]
fn a_repeated_key_is_refused_at_every_level() {
    let cases = [
        ("top known", r#"{"systems": [], "systems": []}"#.to_owned()),
        ("top unknown", r#"{"systems": [], "x": 1, "x": 2}"#.to_owned()),
        (
            "global account",
            r#"{"global_account": {"id": "a", "id": "b"}, "systems": []}"#.to_owned(),
        ),
        (
            "global account unknown",
            r#"{"global_account": {"q": 1, "q": 1}, "systems": []}"#.to_owned(),
        ),
        (
            "user",
            r#"{"user": {"roles": [], "roles": []}, "systems": []}"#.to_owned(),
        ),
        (
            "system known",
            r#"{"systems": [{"id": "tc", "name": "TC", "type": "SAP Task Center", "url": "a", "url": "b"}]}"#.to_owned(),
        ),
        (
            "system escaped key",
            r#"{"systems": [{"id": "tc", "i\u0064": "x", "name": "TC", "type": "SAP Task Center"}]}"#.to_owned(),
        ),
        (
            "system unknown",
            r#"{"systems": [{"id": "tc", "name": "TC", "type": "SAP Task Center", "n": 1, "n": 1}]}"#.to_owned(),
        ),
        (
            "nested unknown",
            r#"{"systems": [{"id": "tc", "name": "TC", "type": "SAP Task Center", "n": [{"a": {"b": 1, "b": 2}}]}]}"#.to_owned(),
        ),
        (
            "token",
            r#"{"systems": [{"id": "tc", "name": "TC", "type": "SAP Task Center", "latest_token": {"used": true, "used": false}}]}"#.to_owned(),
        ),
        (
            "token unknown",
            r#"{"systems": [{"id": "tc", "name": "TC", "type": "SAP Task Center", "latest_token": {"z": {}, "z": {}}}]}"#.to_owned(),
        ),
        (
            "formation",
            format!(
                r#"{{"systems": [{SYSTEM}], "formations": [{{"id": "f", "name": "F", "type": "sap-start", "state": "READY", "state": "DRAFT"}}]}}"#
            ),
        ),
        (
            "assignments",
            format!(
                r#"{{"systems": [{SYSTEM}], "formations": [{{"id": "f", "name": "F", "type": "sap-start", "systems": ["tc"], "assignments": {{"tc": {{"state": "READY"}}, "tc": {{"state": "INITIAL"}}}}}}]}}"#
            ),
        ),
        (
            "assignment",
            format!(
                r#"{{"systems": [{SYSTEM}], "formations": [{{"id": "f", "name": "F", "type": "sap-start", "systems": ["tc"], "assignments": {{"tc": {{"state": "READY", "e": 1, "e": 1}}}}}}]}}"#
            ),
        ),
    ];
    for (name, text) in &cases {
        refused(name, text);
    }
    // Many unknown keys (the set, not the list) with one repeat at the end.
    let mut many: String = (0..100).map(|i| format!("\"k{i}\": {i}, ")).collect();
    accepted("many unknown", &format!("{{{many}\"systems\": []}}"));
    many.push_str("\"k7\": 0, ");
    refused(
        "many unknown, one repeated",
        &format!("{{{many}\"systems\": []}}"),
    );
}

#[test]
fn deep_values_are_checked_as_deep_as_before() {
    // The whole-document check stops at depth 64: a repeat below it was let through, and
    // still is; one just above it is refused by both.
    for depth in [55, 58, 59, 60, 61, 62, 63, 64, 65, 70, 200] {
        let open = "[".repeat(depth);
        let close = "]".repeat(depth);
        let text = format!(
            r#"{{"systems": [{{"id": "tc", "name": "TC", "type": "SAP Task Center", "deep": {open}{{"a": 1, "a": 2}}{close}}}]}}"#
        );
        same(&format!("repeat at depth {depth}"), text.as_bytes());
    }
    let nest = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    accepted(
        "ignored nesting",
        &format!(r#"{{"notes": {nest}, "systems": []}}"#),
    );
    refused("nesting in systems", &format!(r#"{{"systems": {nest}}}"#));
}

#[test]
fn other_problems_are_worded_as_before() {
    for (name, text) in [
        (
            "missing name",
            r#"{"systems": [{"id": "tc", "type": "X"}]}"#,
        ),
        ("missing systems", r#"{"formations": []}"#),
        (
            "number name",
            r#"{"systems": [{"id": "tc", "name": 4, "type": "X"}]}"#,
        ),
        ("top array", "[1, 2, 3]"),
        ("trailing", r#"{"systems": []} x"#),
        ("truncated", r#"{"systems": [{"id": "tc""#),
        (
            "missing state",
            r#"{"systems": [], "formations": [{"id": "f", "name": "F", "type": "sap-start", "assignments": {"a": {}}}]}"#,
        ),
        ("null systems", r#"{"systems": null}"#),
        // The shared words are read as strings were: nothing else is taken for one.
        (
            "number type",
            r#"{"systems": [{"id": "tc", "name": "T", "type": 4}]}"#,
        ),
        (
            "null type",
            r#"{"systems": [{"id": "tc", "name": "T", "type": null}]}"#,
        ),
        (
            "list status",
            r#"{"systems": [{"id": "tc", "name": "T", "type": "X", "status": ["Registered"]}]}"#,
        ),
        (
            "number condition",
            r#"{"systems": [{"id": "tc", "name": "T", "type": "X", "condition": 1}]}"#,
        ),
        (
            "null groups",
            r#"{"systems": [{"id": "tc", "name": "T", "type": "X", "scenario_groups": null}]}"#,
        ),
        (
            "number group",
            r#"{"systems": [{"id": "tc", "name": "T", "type": "X", "scenario_groups": ["a", 1]}]}"#,
        ),
        (
            "number discovery",
            r#"{"systems": [{"id": "tc", "name": "T", "type": "X", "discovery": 1}]}"#,
        ),
        (
            "group as text",
            r#"{"systems": [{"id": "tc", "name": "T", "type": "X", "scenario_groups": "a"}]}"#,
        ),
    ] {
        refused(name, text);
    }
    // Read in one pass, refused by the validation both share, in the same words.
    let bad = r#"{"systems": [{"id": "tc", "name": "T", "type": "X", "status": "Nope"}]}"#;
    assert!(Landscape::one_pass_reads(bad.as_bytes()));
    same("bad status", bad.as_bytes());
    // A system written as a list of its fields is a serde form the two-pass reader takes:
    // the one pass hands it over, and it is read as before.
    let listed = r#"{"systems": [["tc", "TC", "SAP Task Center"]]}"#;
    assert!(!Landscape::one_pass_reads(listed.as_bytes()));
    same("system as a list", listed.as_bytes());
    // Not UTF-8: in a name, refused; deep in a value nobody reads, taken as before.
    let mut bytes = br#"{"systems": [{"id": "tc", "name": "T"#.to_vec();
    bytes.extend([0xff, b'"']);
    bytes.extend(br#", "type": "X"}]}"#);
    same("latin1 name", &bytes);
    let mut bytes = format!(r#"{{"notes": {}"#, "[".repeat(70)).into_bytes();
    bytes.extend([b'"', 0xff, b'"']);
    bytes.extend(format!(r#"{}, "systems": []}}"#, "]".repeat(70)).as_bytes());
    same("latin1 deep", &bytes);
}

#[test]
fn what_both_take_is_read_alike() {
    for (name, text) in [
        (
            "nulls",
            r#"{"global_account": null, "user": null, "systems": [{"id": "tc", "name": "T", "type": "X", "status": null, "latest_token": null, "type_id": 1}], "formations": []}"#,
        ),
        (
            "escapes",
            r#"{"systems": [{"id": "t\u0063", "name": "\u00e9\n\u202e", "type": "SAP Task Center", "x-\u0041": {"a": [1, {"b": null}]}}]}"#,
        ),
        (
            "everything",
            r#"{"global_account": {"id": "g", "name": "G", "region": "eu10", "x": 1}, "user": {"name": "u", "roles": ["Global Account Administrator"]},
          "systems": [{"id": "s4", "name": "S4", "type": "SAP S/4HANA Cloud", "status": "Registered", "scenario_groups": ["All Communication Scenarios"],
             "system_number": "1", "url": "https://x", "discovery": "Auto-discovered", "condition": "CONNECTED", "token_unreadable": true, "assignment_error": "no",
             "latest_token": {"scenario_groups": ["All Communication Scenarios"], "requested_at": "2026-01-01T00:00:00Z", "used": true, "x": [1]}}, {"id": "tc", "name": "TC", "type": "SAP Task Center"}],
          "formations": [{"id": "f", "name": "F", "type": "Integration with SAP Task Center", "systems": ["tc", "s4"], "status": "Ready", "state": "READY",
             "assignments": {"s4": {"state": "CREATE_ERROR", "error": "said no", "x": {}}}, "type_id": "nope"}], "extra": 12345678901234567890123}"#,
        ),
    ] {
        accepted(name, text);
    }
}

#[test]
fn the_fixtures_and_the_demo_are_read_alike() {
    let mut files: Vec<_> = ["tests/fixtures", "assets"]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 8);
    for path in files {
        same(&path.display().to_string(), &std::fs::read(&path).unwrap());
    }
    let catalog = Catalog::embedded().unwrap();
    let generated = formation_wizard::generate::landscape(&catalog, 2_000, 200, 7);
    let compact = serde_json::to_vec(&generated).unwrap();
    let pretty = serde_json::to_vec_pretty(&generated).unwrap();
    accepted("generated", std::str::from_utf8(&compact).unwrap());
    accepted("generated, indented", std::str::from_utf8(&pretty).unwrap());
}

/// Every system's type, status, condition, scenario group and discovery is one shared text
/// per word, whether the file
/// wrote it escaped or not (issue 22: interned type and status names).
#[test]
fn equal_type_status_and_condition_words_are_shared() {
    let catalog = Catalog::embedded().unwrap();
    let text = r#"{"systems": [
        {"id": "a", "name": "A", "type": "SAP Task Center", "status": "Registered", "condition": "CONNECTED", "scenario_groups": ["G", "H"]},
        {"id": "b", "name": "B", "type": "SAP Task Cent\u0065r", "status": "Regist\u0065red", "condition": "CONNECTED"},
        {"id": "c", "name": "C", "type": "SAP Task Center", "status": null, "discovery": "Manually added"},
        {"id": "d", "name": "D", "type": "SAP S/4HANA Cloud", "status": "Registered", "condition": "INITIAL", "scenario_groups": ["\u0048"], "discovery": "Manually added"}]}"#;
    accepted("shared words", text);
    let l = Landscape::parse(text.as_bytes(), "x", &catalog).unwrap();
    let [a, b, c, d] = &l.systems[..] else {
        panic!("four systems: {:?}", l.systems);
    };
    assert_eq!(a.system_type, "SAP Task Center");
    assert!(a.system_type.shares_with(&b.system_type));
    assert!(a.system_type.shares_with(&c.system_type));
    assert!(!a.system_type.shares_with(&d.system_type));
    let (sa, sb, sd) = (a.status.as_ref(), b.status.as_ref(), d.status.as_ref());
    let shares =
        |x: Option<&Name>, y: Option<&Name>| x.zip(y).is_some_and(|(x, y)| x.shares_with(y));
    assert!(shares(sa, sb) && shares(sa, sd), "{sa:?} {sb:?} {sd:?}");
    assert_eq!(c.status, None);
    assert!(shares(a.condition.as_ref(), b.condition.as_ref()));
    assert_eq!(d.condition.as_deref(), Some("INITIAL"));
    assert_eq!(a.scenario_groups, ["G", "H"]);
    assert!(a.scenario_groups[1].shares_with(&d.scenario_groups[0]));
    let discovered = c.discovery.as_ref().zip(d.discovery.as_ref());
    assert!(discovered.is_some_and(|(c, d)| c == "Manually added" && c.shares_with(d)));
    assert_eq!(l.systems_of_type("SAP Task Center"), [0, 1, 2]);
}

/// The write path is unchanged: a formation appended to a file the one pass read changes
/// that list and no other byte, and the file still reads alike with both readers.
#[test]
fn a_write_keeps_every_other_byte() {
    let catalog = Catalog::embedded().unwrap();
    let generated = formation_wizard::generate::landscape(&catalog, 1_000, 100, 7);
    let mut value = serde_json::to_value(&generated).unwrap();
    value["x-unknown"] = serde_json::json!({"precise": 1.50, "deep": [[{"k": "\u{9b}"}]]});
    let before = serde_json::to_string_pretty(&value).unwrap().into_bytes();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.json");
    std::fs::write(&path, &before).unwrap();
    let loaded = Landscape::load(&path, &catalog).unwrap();
    let tc = loaded
        .systems
        .iter()
        .find(|s| s.system_type == "SAP Task Center")
        .unwrap();
    let formation = landscape::Formation {
        id: "f-new".into(),
        name: "New".into(),
        type_name: "sap-task-center".into(),
        systems: vec![tc.id.clone()],
        ..Default::default()
    };
    landscape::append_formation(&path, &formation).unwrap();
    let after = std::fs::read(&path).unwrap();
    let list_start = find(&before, b"\"formations\": [") + 15;
    assert_eq!(
        &after[..list_start],
        &before[..list_start],
        "before the list"
    );
    let rest = find(&before[list_start..], b"\n  ]") + list_start;
    let rest_after = after.len() - (before.len() - rest);
    assert_eq!(&after[rest_after..], &before[rest..], "after the list");
    assert_eq!(
        &after[list_start..list_start + (rest - list_start)],
        &before[list_start..rest],
        "the formations already there"
    );
    same("after the write", &after);
    let again = Landscape::load(&path, &catalog).unwrap();
    assert_eq!(again.formations.len(), loaded.formations.len() + 1);
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

/// `check` in text asks for the verdict alone (`rules::evaluate_verdict`): the same
/// report as `rules::evaluate`, without the candidates nobody prints.
#[test]
fn the_verdict_alone_is_the_report_without_its_candidates() {
    use formation_wizard::plan::FormationPlan;
    use formation_wizard::rules;
    let catalog = Catalog::embedded().unwrap();
    let generated = formation_wizard::generate::landscape(&catalog, 3_000, 300, 7);
    let bytes = serde_json::to_vec(&generated).unwrap();
    let l = Landscape::parse(&bytes, "x", &catalog).unwrap();
    let of_type = |t: &str| -> Vec<String> {
        l.systems
            .iter()
            .filter(|s| s.system_type == t)
            .map(|s| s.id.clone())
            .collect()
    };
    let plans = [
        (
            "TC",
            "sap-task-center",
            of_type("SAP Task Center")[..1].to_vec(),
        ),
        (
            "Both",
            "sap-task-center",
            [
                &of_type("SAP Task Center")[..2],
                &of_type("SAP S/4HANA Cloud")[..3],
            ]
            .concat(),
        ),
        ("", "sap-start", Vec::new()),
        ("X", "no-such-type", Vec::new()),
    ];
    for (name, ty, systems) in plans {
        let plan = FormationPlan {
            name: name.into(),
            type_id: ty.into(),
            systems,
        };
        let mut full = rules::evaluate(&plan, &l, &catalog);
        let alone = rules::evaluate_verdict(&plan, &l, &catalog);
        assert!(alone.candidates.is_empty());
        full.candidates.clear();
        assert_eq!(format!("{full:?}"), format!("{alone:?}"), "{name} {ty}");
    }
}
