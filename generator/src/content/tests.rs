#![allow(clippy::unwrap_used)]
use super::front_matter::*;
use super::load::*;
use crate::text::Date;
use crate::text::slugify;

#[test]
fn splits_toml_and_yaml() {
    let s = split_front_matter("+++\ntitle = \"a\"\n+++\nbody\n", "f").unwrap();
    assert_eq!(s.kind, Some(FrontMatterKind::Toml));
    assert_eq!(s.front_matter, "title = \"a\"\n");
    assert_eq!(s.body, "body\n");
    let s = split_front_matter("---\r\ntitle: a\r\n---\r\nbody", "f").unwrap();
    assert_eq!(s.kind, Some(FrontMatterKind::Yaml));
    assert_eq!(s.body, "body");
    let s = split_front_matter("# just markdown\n", "f").unwrap();
    assert_eq!(s.kind, None);
}

#[test]
fn unclosed_front_matter_is_an_error() {
    let e = split_front_matter("+++\ntitle = 1\n", "content/a.md").unwrap_err();
    assert!(e.to_string().starts_with("content/a.md:1:"), "{e}");
}

#[test]
fn toml_syntax_error_has_file_line() {
    let split =
        split_front_matter("+++\ntitle = \"a\"\ndate = = 3\n+++\n", "content/a.md").unwrap();
    let e = parse_front_matter::<PageFrontMatter>(&split, "content/a.md").unwrap_err();
    assert!(e.to_string().starts_with("content/a.md:3:"), "{e}");
}

#[test]
fn unknown_keys_are_errors_in_both_syntaxes() {
    let split = split_front_matter("+++\ntitle = \"a\"\n\ncolour = 1\n+++\n", "a.md").unwrap();
    let e = parse_front_matter::<PageFrontMatter>(&split, "a.md")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("a.md:4:") && e.contains("colour"), "{e}");
    let split = split_front_matter("---\ntitle: a\ncolour: 1\n---\n", "b.md").unwrap();
    let e = parse_front_matter::<PageFrontMatter>(&split, "b.md")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("b.md:3: front matter: unknown field `colour`"),
        "{e}"
    );
}

#[test]
fn yaml_front_matter_fields() {
    let split = split_front_matter(
        "---\ntitle: Hello\ndate: 2024-05-01\ntags: [a, b]\nextra:\n  hero: x.png\n---\n",
        "b.md",
    )
    .unwrap();
    let fm: PageFrontMatter = parse_front_matter(&split, "b.md").unwrap();
    assert_eq!(fm.title.as_deref(), Some("Hello"));
    assert_eq!(fm.tags, ["a", "b"]);
    assert_eq!(fm.extra["hero"], "x.png");
    let d = parse_date(&fm.date, "date", &split, "b.md")
        .unwrap()
        .unwrap();
    assert_eq!(d.text, "2024-05-01");
}

#[test]
fn toml_native_dates_and_strings() {
    let split = split_front_matter(
        "+++\ndate = 2024-05-01\nupdated = \"2024-05-02T10:00:00+02:00\"\n+++\n",
        "a.md",
    )
    .unwrap();
    let fm: PageFrontMatter = parse_front_matter(&split, "a.md").unwrap();
    let d = parse_date(&fm.date, "date", &split, "a.md")
        .unwrap()
        .unwrap();
    assert_eq!(d.text, "2024-05-01");
    let u = parse_date(&fm.updated, "updated", &split, "a.md")
        .unwrap()
        .unwrap();
    assert!(u.timestamp > d.timestamp);
}

#[test]
fn bad_date_names_line() {
    let split =
        split_front_matter("+++\ntitle = \"x\"\ndate = \"May 1st\"\n+++\n", "a.md").unwrap();
    let fm: PageFrontMatter = parse_front_matter(&split, "a.md").unwrap();
    let e = parse_date(&fm.date, "date", &split, "a.md")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("a.md:3: bad `date`"), "{e}");
}

#[test]
fn dates() {
    assert_eq!(Date::parse("2024-01-02").unwrap().timestamp, 1_704_153_600);
    assert_eq!(
        Date::parse("2024-01-02T00:00:00Z").unwrap().timestamp,
        1_704_153_600
    );
    assert_eq!(
        Date::parse("2024-01-02T01:00:00+01:00").unwrap().timestamp,
        1_704_153_600
    );
    assert_eq!(
        Date::parse("2024-01-02T00:00:00").unwrap().timestamp,
        1_704_153_600
    );
    assert!(Date::parse("2024-13-02").is_err());
    assert!(Date::parse("yesterday").is_err());
}

#[test]
fn slugs() {
    assert_eq!(slugify("Hello, World!"), "hello-world");
    assert_eq!(slugify("Çà et là"), "ca-et-la");
    assert_eq!(slugify("  --x--  "), "x");
    assert_eq!(slugify("snake_case"), "snake_case");
}

#[test]
fn relative_paths() {
    assert!(check_relative_path("a/b").is_ok());
    assert!(check_relative_path("/old/url/").is_ok());
    assert!(check_relative_path("../x").is_err());
    assert!(check_relative_path("a/../../x").is_err());
    assert!(check_relative_path("").is_err());
    assert!(check_relative_path("a\\b").is_err());
    assert!(check_relative_path("a//b").is_err());
}

#[test]
fn ancestors_of_a_path() {
    assert_eq!(ancestors("a/b/c.md").collect::<Vec<_>>(), ["a/b", "a"]);
    assert_eq!(ancestors("c.md").count(), 0);
}

#[test]
fn a_day_that_does_not_exist_is_named() {
    let e = Date::parse("2026-02-30").unwrap_err();
    assert_eq!(
        e,
        "`2026-02-30` is not a date: day 30 does not exist: February 2026 has 28 days"
    );
    let e = Date::parse("2024-13-01").unwrap_err();
    assert!(e.contains("there is no month 13"), "{e}");
    assert!(
        Date::parse("May 1st")
            .unwrap_err()
            .contains("use YYYY-MM-DD")
    );
    assert!(Date::parse("2024-02-29").is_ok());
}

fn page_error(front_matter: &str, hints: &Hints) -> String {
    let text = format!("+++\n{front_matter}+++\n");
    let split = split_front_matter(&text, "content/a.md").unwrap();
    let e = if hints.section {
        parse_front_matter_with::<SectionFrontMatter>(&split, "content/a.md", hints).map(|_| ())
    } else {
        parse_front_matter_with::<PageFrontMatter>(&split, "content/a.md", hints).map(|_| ())
    };
    format!("{:#}", e.unwrap_err())
}

#[test]
fn near_misses_in_front_matter_get_hints() {
    let page = Hints {
        section: false,
        taxonomies: vec!["tags".into(), "categories".into()],
    };
    let e = page_error("title = \"a\"\ncategories = [\"x\"]\n", &page);
    assert!(
        e.starts_with("content/a.md:3: front matter: unknown field `categories`"),
        "{e}"
    );
    assert!(
        e.contains("`categories` is a taxonomy: list its terms under `[taxonomies]`"),
        "{e}"
    );
    let e = page_error("tag = [\"x\"]\n", &page);
    assert!(e.contains("did you mean `tags`?"), "{e}");
    let e = page_error("sort_by = \"date\"\n", &page);
    assert!(e.contains("`sort_by` is a section key"), "{e}");
    let e = page_error("titel = \"x\"\n", &page);
    assert!(e.contains("did you mean `title`?"), "{e}");
    let section = Hints {
        section: true,
        taxonomies: Vec::new(),
    };
    let e = page_error("date = 2024-01-01\n", &section);
    assert!(e.contains("`date` is a page key"), "{e}");
    let e = page_error("[taxonomies]\ntags = [\"a\"]\ndate = 2024-01-01\n", &page);
    assert!(e.starts_with("content/a.md:4:"), "{e}");
    assert!(
        e.contains("`date` is inside `[taxonomies]`; move it above"),
        "{e}"
    );
}

#[test]
fn edit_distances() {
    assert_eq!(edit_distance("title", "titel"), 2);
    assert_eq!(edit_distance("tags", "tag"), 1);
    assert_eq!(edit_distance("", "abc"), 3);
    assert_eq!(edit_distance("date", "date"), 0);
}

#[test]
fn page_keys_under_extra_are_found() {
    let text = "+++\ndate = 2024-01-01\n[extra]\ntitle = \"x\"\nhero = 1\n+++\n";
    let split = split_front_matter(text, "a.md").unwrap();
    let fm: PageFrontMatter = parse_front_matter(&split, "a.md").unwrap();
    assert_eq!(
        keys_in_extra(&split, &fm.extra),
        [("title".to_owned(), Some(4))]
    );
}
