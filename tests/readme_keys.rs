//! The README's key list is the one the app builds its help from (issue 20): the block
//! between the `keys` markers is `tui::keymap::markdown()`, word for word. With
//! `UPDATE_README=1` the test writes it there instead of failing.

use formation_wizard::catalog::Catalog;

const BEGIN: &str = "<!-- keys: generated from the app's key tables by tests/readme_keys.rs -->\n";
const END: &str = "<!-- /keys -->";

#[test]
fn the_readme_lists_the_keys_the_app_handles() {
    let catalog = Catalog::embedded().expect("the embedded catalog");
    let keys = formation_wizard::tui::keymap::markdown(&catalog).expect("the key list");
    for screen in [
        "1 Name",
        "3 Systems",
        "4 Review",
        "Formations",
        "Formation",
        "Everywhere",
    ] {
        assert!(
            keys.contains(&format!("- **{screen}")),
            "{screen} is listed:\n{keys}"
        );
    }
    assert!(keys.contains("`Space` select"), "{keys}");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md");
    let start = readme
        .find(BEGIN)
        .expect("the README has the keys' begin marker")
        + BEGIN.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("the README has the keys' end marker");
    if readme[start..end] == keys {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{keys}{}", &readme[..start], &readme[end..]);
        std::fs::write(&path, updated).expect("README.md written");
        return;
    }
    panic!(
        "README.md's key list differs from the app's (UPDATE_README=1 cargo test --test readme_keys rewrites it):\n--- README\n{}\n--- app\n{keys}",
        &readme[start..end]
    );
}
