#![allow(clippy::unwrap_used)]
use super::builtin::DEFAULT_TEMPLATES;
use super::functions::*;
use super::lookup::*;
use super::*;
use tera::{Context, Tera};

#[test]
fn urls_with_and_without_sub_path() {
    let u = Urls {
        base_path: "/docs".into(),
        origin: "https://example.org".into(),
    };
    assert_eq!(u.url("/blog/"), "/docs/blog/");
    assert_eq!(u.permalink("/"), "https://example.org/docs/");
    let u = Urls::default();
    assert_eq!(u.url("/a/"), "/a/");
}

#[test]
fn get_url_forms() {
    let mut l = Lookup {
        urls: Urls {
            base_path: "/docs".into(),
            origin: String::new(),
        },
        ..Lookup::default()
    };
    l.paths.insert("blog/a.md".into(), "/blog/a/".into());
    assert_eq!(l.url_for("style.css", None).unwrap(), "/docs/style.css");
    assert_eq!(l.url_for("/style.css", None).unwrap(), "/docs/style.css");
    assert_eq!(l.url_for("@/blog/a.md", None).unwrap(), "/docs/blog/a/");
    assert_eq!(l.url_for("@/blog/a.md#x", None).unwrap(), "/docs/blog/a/#x");
    assert_eq!(
        l.url_for("https://x.org/a", None).unwrap(),
        "https://x.org/a"
    );
    assert!(
        l.url_for("@/nope.md", None)
            .unwrap_err()
            .contains("nope.md")
    );
}

#[test]
fn date_filter_formats() {
    let mut tera = Tera::new();
    tera.register_filter("date", date_filter);
    tera.add_raw_template(
        "t",
        "{{ d | date(format=\"%B %-d, %Y\") }}|{{ t | date(format=\"%H:%M\") }}",
    )
    .unwrap();
    let mut ctx = Context::new();
    ctx.insert("d", "2024-05-01");
    ctx.insert("t", "2024-05-01T10:30:00+02:00");
    assert_eq!(tera.render("t", &ctx).unwrap(), "May 1, 2024|10:30");
    tera.add_raw_template("bad", "{{ d | date(format=\"%Q\") }}")
        .unwrap();
    assert!(tera.render("bad", &ctx).is_err());
}

#[test]
fn default_templates_parse() {
    let dir = tempfile::tempdir().unwrap();
    let t = Templates::load(dir.path()).unwrap();
    for (name, _) in DEFAULT_TEMPLATES {
        assert!(t.contains(name));
        assert_eq!(t.display_name(name), format!("(built-in) {name}"));
    }
}

#[test]
fn syntax_error_names_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::write(
        dir.path().join("templates/page.html"),
        "<p>\n{{ page.title }\n</p>",
    )
    .unwrap();
    let e = Templates::load(dir.path()).unwrap_err()[0].to_string();
    assert!(e.starts_with("templates/page.html:2:"), "{e}");
}
