//! `letterbox init`: the new site builds, checks clean and has its form.
#![allow(clippy::unwrap_used)]

use std::fs;

use letterbox::check::{CheckOptions, check};
use letterbox::init::{InitOptions, init};
use letterbox::{BuildOptions, build};

fn options(dir: &std::path::Path) -> InitOptions {
    InitOptions {
        dir: dir.to_owned(),
        title: "Ada's \"notes\"".to_owned(),
        base_url: "https://ada.example".to_owned(),
        date: "2026-11-28".to_owned(),
        component: None,
        api_only: false,
    }
}

#[test]
fn a_new_site_builds_checks_clean_and_declares_its_form() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let files = init(&options(&dir)).unwrap();
    assert!(files.contains(&"site.toml".to_owned()), "{files:?}");

    let summary = build(&BuildOptions::new(&dir)).unwrap();
    assert_eq!((summary.pages, summary.forms), (3, 1));
    let home = fs::read_to_string(dir.join("dist/index.html")).unwrap();
    // The title went through TOML and HTML escaping intact.
    assert!(
        home.contains("<h1>Ada&#39;s &quot;notes&quot;</h1>"),
        "{home}"
    );
    let post = fs::read_to_string(dir.join("dist/blog/first-post/index.html")).unwrap();
    assert!(post.contains("z-code"), "code is highlighted: {post}");
    let manifest = fs::read_to_string(dir.join(".letterbox/forms.json")).unwrap();
    assert!(manifest.contains("\"contact\"") && manifest.contains("\"/thanks/\""));

    let report = check(&CheckOptions::new(&dir)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[test]
fn a_folder_with_files_is_refused_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let err = init(&options(tmp.path())).unwrap_err().to_string();
    assert!(err.contains("is not empty"), "{err}");
    let names: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
    // An empty folder is fine.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    init(&options(&empty)).unwrap();
}
