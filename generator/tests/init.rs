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

#[test]
fn the_built_in_theme_links_highlighting_shows_summaries_and_formats_dates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    init(&options(&dir)).unwrap();
    let config = fs::read_to_string(dir.join("site.toml")).unwrap();
    let config = config.replacen(
        "description = ",
        "date_format = \"%d.%m.%Y\"\ndescription = ",
        1,
    );
    fs::write(dir.join("site.toml"), config).unwrap();
    fs::write(
        dir.join("content/blog/code.md"),
        "+++\ntitle = \"Code\"\ndate = 2024-05-01\ndescription = \"Numbered lines.\"\n+++\n\
         ```rust,linenos,hl_lines=2\nfn main() {\n    // hi\n}\n```\n",
    )
    .unwrap();
    build(&BuildOptions::new(&dir)).unwrap();
    let read = |path: &str| fs::read_to_string(dir.join("dist").join(path)).unwrap();

    let post = read("blog/code/index.html");
    // Highlighting is on in an init site: its stylesheet is linked.
    assert!(
        post.contains(r#"<link rel="stylesheet" href="/syntax-theme.css">"#),
        "{post}"
    );
    assert!(
        post.contains(r#"<link rel="stylesheet" href="/letterbox.css">"#),
        "{post}"
    );
    assert!(
        post.contains(r#"<span class="line hl"><span class="ln" aria-hidden="true">2</span>"#),
        "{post}"
    );
    assert!(post.contains("01.05.2024"), "date_format: {post}");
    // Posts of a section link their neighbours…
    assert!(post.contains(r#"aria-label="More posts""#), "{post}");
    assert!(post.contains("First post →"), "{post}");
    // …top-level pages do not.
    let contact = read("contact/index.html");
    assert!(!contact.contains("More posts"), "{contact}");
    assert!(!contact.contains("Thank you →"), "{contact}");

    // The theme's stylesheet: separated line numbers, visible hl_lines.
    let theme = read("syntax-theme.css");
    assert!(
        theme.contains("pre.z-code .ln {") && theme.contains("border-right: 1px solid"),
        "{theme}"
    );
    assert!(theme.contains("user-select: none"), "{theme}");
    assert!(
        theme.contains(".line.hl { background: rgba(255, 213, 0, 0.25)"),
        "{theme}"
    );
    assert!(read("letterbox.css").contains(".card"));

    // The blog lists summaries (text before <!-- more -->), else descriptions.
    let blog = read("blog/index.html");
    assert!(
        blog.contains("This is Markdown: <em>emphasis</em>"),
        "{blog}"
    );
    assert!(
        !blog.contains("Hello from Letterbox"),
        "only the summary: {blog}"
    );
    assert!(blog.contains("<p>Numbered lines.</p>"), "{blog}");
    assert!(blog.contains("28.11.2026"), "{blog}");

    let report = check(&CheckOptions::new(&dir)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
