//! testdata/bundles/<name>.tgz is what `cargo xtask fixtures` packs from testdata/scenarios/<name>/:
//! the README's first command runs on one of them, so they must not drift from their folders.

mod common;

use common::root;

use kdiag_analyzer::input::{read_input, Limits};

#[test]
fn every_scenario_ships_as_a_current_tgz() {
    let scenarios = root().join("testdata/scenarios");
    let mut checked = 0;
    for entry in std::fs::read_dir(&scenarios).unwrap().flatten() {
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().to_string();
        let tgz = root().join("testdata/bundles").join(format!("{name}.tgz"));
        assert!(
            tgz.exists(),
            "{} is missing: run `cargo xtask fixtures`",
            tgz.display()
        );
        let folder = read_input(&entry.path(), &Limits::default()).unwrap();
        let packed = read_input(&tgz, &Limits::default()).unwrap();
        assert!(packed.warnings.is_empty(), "{name}: {:?}", packed.warnings);
        assert_eq!(
            folder.files.keys().collect::<Vec<_>>(),
            packed.files.keys().collect::<Vec<_>>(),
            "{name}: file lists differ: run `cargo xtask fixtures`"
        );
        for (path, bytes) in &folder.files {
            assert!(
                packed.files[path] == *bytes,
                "{name}: {path} differs from the folder: run `cargo xtask fixtures`"
            );
        }
        assert_eq!(folder.manifest, packed.manifest);
        assert_eq!(folder.name, packed.name);
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} scenarios found");
}
