//! Builds fixture sites (copied into temporary folders) and checks the
//! files they produce, and the errors broken sites report.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use letterbox::{BuildOptions, BuildSummary, build};

mod common;
use common::{copy_dir, site};

fn build_site(root: &Path) -> Result<BuildSummary, String> {
    build(&BuildOptions::new(root)).map_err(|e| e.to_string())
}

fn read(root: &Path, rel: &str) -> String {
    let path = root.join("dist").join(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The text of the first element with `class="<class>"`.
fn class_text(html: &str, class: &str) -> String {
    let marker = format!("class=\"{class}\">");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no .{class} in {html}"))
        + marker.len();
    let end = html[start..].find("</").unwrap() + start;
    html[start..end].to_owned()
}

#[test]
fn basic_site_layout_and_urls() {
    let dir = site("basic");
    let summary = build_site(dir.path()).unwrap();
    assert_eq!(
        summary.pages, 6,
        "first, second, bundle, about, alpha, zeta (draft left out)"
    );
    assert_eq!(summary.sections, 3, "home, blog, docs");
    assert_eq!(
        summary.static_files, 2,
        "css/site.css and the bundle's pic.txt"
    );
    assert_eq!(summary.forms, 0);

    let dist = dir.path().join("dist");
    for file in [
        "index.html",
        "404.html",
        "about/index.html",
        "blog/index.html",
        "blog/first/index.html",
        "blog/custom-second/index.html",
        "blog/bundle/index.html",
        "blog/bundle/pic.txt",
        "docs/index.html",
        "docs/alpha/index.html",
        "docs/zeta/index.html",
        "css/site.css",
        "old/first/index.html",
    ] {
        assert!(dist.join(file).is_file(), "missing {file}");
    }
    assert!(!dist.join("blog/secret").exists(), "drafts are left out");
    assert!(
        !dist.join("blog/second").exists(),
        "slug replaces the file name"
    );

    let first = read(dir.path(), "blog/first/index.html");
    assert_eq!(class_text(&first, "url"), "/sub/blog/first/");
    assert_eq!(
        class_text(&first, "permalink"),
        "https://example.org/sub/blog/first/"
    );
    assert_eq!(class_text(&first, "date"), "02/01/2024");
    assert_eq!(class_text(&first, "tags"), "rust,web");
    assert_eq!(class_text(&first, "extra"), "hello from extra");
    assert_eq!(class_text(&first, "ancestors"), "/sub/;/sub/blog/;");
    assert!(first.contains("href=\"/sub/css/site.css\""), "{first}");
    // Table of contents: ids unique within the page, nested by level.
    assert!(
        first.contains("<li>part-one(detail)</li><li>part-one-1()</li>"),
        "{first}"
    );
    assert!(first.contains("<h2 id=\"part-one-1\">Part one"), "{first}");
    assert!(
        first.contains("<div class=\"summary\"><p>Intro paragraph.</p>\n</div>"),
        "{first}"
    );

    let second = read(dir.path(), "blog/custom-second/index.html");
    assert_eq!(class_text(&second, "date"), "04/03/2024");
    assert_eq!(class_text(&second, "summary"), "");

    // Sections list their pages in their own order.
    let blog = read(dir.path(), "blog/index.html");
    assert!(
        blog.contains(
            "<ul class=\"pages\"><li>Second post</li><li>First post</li><li>Bundle</li></ul>"
        ),
        "sort_by = weight: {blog}"
    );
    let docs = read(dir.path(), "docs/index.html");
    assert!(
        docs.contains("<li>Alpha</li><li>Zeta</li>"),
        "sort_by = title: {docs}"
    );

    // Home: `@/` links and root-relative links get the sub-path.
    let home = read(dir.path(), "index.html");
    assert!(
        home.contains("<a href=\"/sub/blog/first/\">the first post</a>"),
        "{home}"
    );
    assert!(home.contains("<a href=\"/sub/about/\">about</a>"), "{home}");

    // YAML front matter.
    let about = read(dir.path(), "about/index.html");
    assert!(about.contains("<title>About us</title>"), "{about}");

    // Page bundle with its own template using get_page / get_url; its
    // relative image is made absolute.
    let bundle = read(dir.path(), "blog/bundle/index.html");
    assert!(
        bundle.contains("<p class=\"special\">Bundle links to First post at /sub/blog/first/</p>"),
        "{bundle}"
    );
    assert!(
        bundle.contains("<img src=\"/sub/blog/bundle/pic.txt\" alt=\"pic\" />"),
        "{bundle}"
    );
    assert_eq!(read(dir.path(), "blog/bundle/pic.txt"), "asset\n");

    let alias = read(dir.path(), "old/first/index.html");
    assert!(
        alias.contains("content=\"0; url=/sub/blog/first/\""),
        "{alias}"
    );

    // The form manifest is written outside dist/ even without forms.
    let manifest = fs::read_to_string(dir.path().join(".letterbox/forms.json")).unwrap();
    assert!(manifest.contains("\"forms\": {}"), "{manifest}");
}

#[test]
fn drafts_flag_and_base_url_override() {
    let dir = site("basic");
    let options = BuildOptions {
        drafts: true,
        base_url: Some("https://other.example/".into()),
        ..BuildOptions::new(dir.path())
    };
    let summary = build(&options).unwrap();
    assert_eq!(summary.pages, 7);
    let secret = read(dir.path(), "blog/secret/index.html");
    assert_eq!(class_text(&secret, "url"), "/blog/secret/");
    assert_eq!(
        class_text(&secret, "permalink"),
        "https://other.example/blog/secret/"
    );
}

#[test]
fn site_without_templates_uses_the_defaults() {
    let dir = site("defaults");
    let summary = build_site(dir.path()).unwrap();
    assert_eq!((summary.pages, summary.sections), (1, 1));
    let page = read(dir.path(), "notes/one/index.html");
    assert!(page.starts_with("<!doctype html>"), "{page}");
    assert!(page.contains("<h1>One</h1>"), "{page}");
    assert!(page.contains("<p>Hello <em>world</em>.</p>"), "{page}");
    let home = read(dir.path(), "index.html");
    assert!(home.contains("<a href=\"/notes/one/\">One</a>"), "{home}");
    assert!(read(dir.path(), "404.html").contains("Page not found"));
}

#[test]
fn output_folder_option_is_relative_to_the_root() {
    let dir = site("defaults");
    let options = BuildOptions {
        output: "public".into(),
        ..BuildOptions::new(dir.path())
    };
    let summary = build(&options).unwrap();
    assert_eq!(summary.output, dir.path().join("public"));
    assert!(dir.path().join("public/notes/one/index.html").is_file());
}

fn errors_of(name: &str) -> Vec<String> {
    let dir = site(name);
    let err = build(&BuildOptions::new(dir.path())).unwrap_err();
    assert!(
        !dir.path().join("dist").exists(),
        "a failed build writes no dist/"
    );
    assert!(!dir.path().join(".letterbox").exists(), "nor a manifest");
    err.errors.iter().map(|e| format!("{e:#}")).collect()
}

#[test]
fn broken_content_reports_every_error_with_file_and_line() {
    let errors = errors_of("broken-content");
    assert_eq!(errors.len(), 5, "{errors:#?}");
    let expect = [
        "content/bad-date.md:4: bad `date`: `last tuesday` is not a date",
        "content/escape.md:3: slug `../../etc` is not allowed: it would escape the output folder",
        "content/syntax.md:3: front matter:",
        "content/unclosed.md:1: front matter opened with `+++` is never closed",
        "content/unknown.md:3: front matter: unknown field `colour`",
    ];
    for (error, expected) in errors.iter().zip(expect) {
        assert!(
            error.starts_with(expected),
            "{error:?} should start with {expected:?}"
        );
    }
}

#[test]
fn broken_render_reports_collisions_missing_templates_and_links() {
    let errors = errors_of("broken-render");
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!(
        errors[0],
        "content/d.md:5: broken link `@/nowhere.md`: no page or section `content/nowhere.md`"
    );
    assert_eq!(
        errors[1],
        "content/a.md: writes same/index.html in the output folder, and so does content/b.md"
    );
    assert!(
        errors[2].starts_with("content/c.md: template `missing.html` not found"),
        "{}",
        errors[2]
    );
}

#[test]
fn template_render_error_names_template_line_col_and_page() {
    let errors = errors_of("broken-template");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let e = &errors[0];
    assert!(
        e.starts_with("templates/page.html:3:6: template error: Invalid type"),
        "{e}"
    );
    assert!(e.contains("(while rendering content/page.md)"), "{e}");
    assert!(
        e.contains("{{ page.title | round }}"),
        "the excerpt is shown: {e}"
    );
}

#[test]
fn template_syntax_error_names_template_line_col() {
    let errors = errors_of("broken-syntax");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("templates/section.html:3:18: template error:"),
        "{}",
        errors[0]
    );
}

#[test]
fn unknown_config_key_names_site_toml_line_and_key() {
    let errors = errors_of("broken-config");
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert!(e.contains("site.toml:3: unknown field `theme`"), "{e}");
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let dir = site("basic");
    build_site(dir.path()).unwrap();
    let before = read(dir.path(), "blog/first/index.html");
    let manifest_before = fs::read_to_string(dir.path().join(".letterbox/forms.json")).unwrap();

    fs::write(
        dir.path().join("content/blog/first.md"),
        "+++\ntitle = \"Changed\"\n+++\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("content/blog/broken.md"),
        "+++\ntitle = \n+++\n",
    )
    .unwrap();
    let err = build(&BuildOptions::new(dir.path())).unwrap_err();
    assert!(
        err.to_string().contains("content/blog/broken.md:2:"),
        "{err}"
    );

    assert_eq!(read(dir.path(), "blog/first/index.html"), before);
    assert_eq!(
        fs::read_to_string(dir.path().join(".letterbox/forms.json")).unwrap(),
        manifest_before
    );
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".dist"))
        .collect();
    assert!(names.is_empty(), "no staging folder left behind: {names:?}");

    // Fixing the error swaps in the new output, stale files gone.
    fs::remove_file(dir.path().join("content/blog/broken.md")).unwrap();
    fs::remove_file(dir.path().join("content/blog/second.md")).unwrap();
    build_site(dir.path()).unwrap();
    assert!(read(dir.path(), "blog/first/index.html").contains("<h1>Changed</h1>"));
    assert!(!dir.path().join("dist/blog/custom-second").exists());
}

#[test]
fn starter_site_builds() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for part in ["content", "templates", "static"] {
        copy_dir(&repo.join(part), &dir.path().join(part));
    }
    fs::copy(repo.join("site.toml"), dir.path().join("site.toml")).unwrap();
    let summary = build_site(dir.path()).unwrap();
    assert!(summary.pages >= 6, "{summary:?}");
    assert_eq!(
        summary.forms, 2,
        "the contact form and the newsletter shortcode's form"
    );

    for file in [
        "index.html",
        "about/index.html",
        "blog/index.html",
        "contact/index.html",
        "contact/thanks/index.html",
        "404.html",
        "style.css",
    ] {
        assert!(
            dir.path().join("dist").join(file).is_file(),
            "missing {file}"
        );
    }
    let blog = read(dir.path(), "blog/index.html");
    assert!(blog.matches("class=\"card\"").count() >= 3, "{blog}");
    assert!(blog.contains("class=\"tag\""), "{blog}");
    let contact = read(dir.path(), "contact/index.html");
    assert!(contact.contains("data-form=\"contact\""), "{contact}");
    assert!(
        contact.contains("data-redirect=\"/contact/thanks/\""),
        "{contact}"
    );
    // The only script is the form's progressive enhancement.
    assert_eq!(contact.matches("<script").count(), 1, "{contact}");
    assert!(
        contact.contains("<script src=\"/letterbox-forms.js\" defer></script>"),
        "{contact}"
    );
    assert!(!blog.contains("<script"), "no JavaScript without a form");

    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join(".letterbox/forms.json")).unwrap(),
    )
    .unwrap();
    let fields = manifest["forms"]["contact"]["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["name", "email", "topic", "message", "consent"]);
}
