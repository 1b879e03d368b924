//! Shortcodes in a fixture site: inline and body calls, Markdown in bodies,
//! calls in code left alone, and every error naming file and line.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use letterbox::{BuildOptions, build};
use tempfile::TempDir;

mod common;
use common::fixture;

fn copy_into(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

fn copy(from: &Path) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_into(from, dir.path());
    dir
}

fn built_demo() -> String {
    let site = copy(&fixture("shortcodes"));
    build(&BuildOptions::new(site.path())).unwrap();
    fs::read_to_string(site.path().join("dist/demo/index.html")).unwrap()
}

#[test]
fn inline_shortcodes_render_their_template() {
    let html = built_demo();
    assert!(
        html.contains(
            r#"<div class="video"><iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" data-autoplay></iframe></div>"#
        ),
        "{html}"
    );
    // Standing alone, the output replaces the paragraph.
    assert!(!html.contains("<p><div class=\"video\">"), "{html}");
    // Inline in a sentence: numbers, floats, booleans, arrays.
    assert!(
        html.contains(
            r#"<p>Inline stats <span class="stats" data-n="42" data-ratio="0.5" data-on="false">[a][b]</span> in a sentence.</p>"#
        ),
        "{html}"
    );
}

#[test]
fn shortcode_templates_can_use_get_url() {
    let html = built_demo();
    assert!(
        html.contains(r#"<a class="sc-link" href="/demo/#intro">this page</a>"#),
        "{html}"
    );
}

#[test]
fn bodies_are_markdown_with_nested_shortcodes() {
    let html = built_demo();
    let start = html
        .find(r#"<aside class="note note-warning" data-nth="1">"#)
        .unwrap();
    let end = start + html[start..].find("</aside>").unwrap();
    let note = &html[start..end];
    assert!(note.contains("<strong>body</strong>"), "{note}");
    assert!(note.contains(r#"<a href="/">link</a>"#), "{note}");
    assert!(
        note.contains(r#"<span class="stats" data-n="1" data-ratio="1.5" data-on="true"></span>"#),
        "{note}"
    );
    assert!(
        html.contains(r#"<aside class="note note-info" data-nth="2"><p>Second <em>note</em></p>"#),
        "{html}"
    );
}

#[test]
fn code_is_not_expanded() {
    let html = built_demo();
    assert!(
        html.contains("<pre><code>{{ youtube(id=\"in-a-fence\") }}\n</code></pre>"),
        "{html}"
    );
    assert!(!html.contains("embed/in-a-fence"), "{html}");
    assert!(!html.contains("embed/inline-code"), "{html}");
    assert!(
        html.contains(r#"<code>{% note(kind="x") %}</code>"#),
        "{html}"
    );
    assert!(html.contains("{{ page.title }}"), "{html}");
}

/// Builds the fixture with one more page and returns the build's errors.
fn errors_with(page: &str) -> String {
    let site = copy(&fixture("shortcodes"));
    fs::write(site.path().join("content/bad.md"), page).unwrap();
    let e = build(&BuildOptions::new(site.path())).unwrap_err();
    assert!(!site.path().join("dist").exists());
    e.to_string()
}

const FRONT: &str = "+++\ntitle = \"Bad\"\n+++\n";

#[test]
fn unknown_shortcode_names_file_and_line() {
    let e = errors_with(&format!("{FRONT}one\n\n{{{{ vimeo(id=\"1\") }}}}\n"));
    assert!(
        e.contains("content/bad.md:6: unknown shortcode `vimeo`"),
        "{e}"
    );
}

#[test]
fn bad_argument_syntax_names_file_and_line() {
    let e = errors_with(&format!("{FRONT}{{{{ youtube(id=abc) }}}}\n"));
    assert!(
        e.contains("content/bad.md:4: shortcode `youtube`, argument `id`"),
        "{e}"
    );
    let e = errors_with(&format!(
        "{FRONT}\n{{{{ youtube(id=\"a\" autoplay=true) }}}}\n"
    ));
    assert!(
        e.contains("content/bad.md:5: shortcode `youtube`: expected `,` or `)`"),
        "{e}"
    );
}

#[test]
fn unclosed_body_names_file_and_line() {
    let e = errors_with(&format!(
        "{FRONT}a\n\n{{% note(kind=\"x\") %}}\nnever closed\n"
    ));
    assert!(e.contains("content/bad.md:6: shortcode `note`"), "{e}");
    assert!(e.contains("never closed"), "{e}");
}

#[test]
fn template_error_names_file_and_line() {
    let e = errors_with(&format!(
        "{FRONT}a\n{{% note(kind=\"x\") %}}\nbody\n\n{{{{ broken() }}}}\n{{% end %}}\n"
    ));
    assert!(e.contains("content/bad.md:8: shortcode `broken`"), "{e}");
    assert!(e.contains("shortcodes/broken.html"), "{e}");
}

#[test]
fn lines_after_a_multiline_body_keep_their_numbers() {
    let e = errors_with(&format!(
        "{FRONT}{{% note(kind=\"x\") %}}\na\n\nb\n{{% end %}}\n\n[x](@/missing.md)\n"
    ));
    assert!(e.contains("content/bad.md:10: broken link"), "{e}");
}

/// The starter's `{{ newsletter() }}` shortcode emits a `form[data-form]`
/// that the forms pass discovers like a form written in the page.
#[test]
fn a_form_written_as_a_shortcode_is_in_the_manifest() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let site = tempfile::tempdir().unwrap();
    for part in ["content", "templates", "static"] {
        copy_into(&repo.join(part), &site.path().join(part));
    }
    fs::copy(repo.join("site.toml"), site.path().join("site.toml")).unwrap();
    assert!(
        fs::read_to_string(repo.join("content/about.md"))
            .unwrap()
            .contains("{{ newsletter(")
    );
    build(&BuildOptions::new(site.path())).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(site.path().join(".letterbox/forms.json")).unwrap(),
    )
    .unwrap();
    let form = &manifest["forms"]["newsletter"];
    assert_eq!(form["page"], "content/about.md", "{manifest:#}");
    assert_eq!(form["redirect"], "/subscribed/", "{manifest:#}");
    let fields = form["fields"].as_array().unwrap();
    assert!(
        fields
            .iter()
            .any(|f| f["name"] == "email" && f["required"] == true),
        "{form:#}"
    );
    let about = fs::read_to_string(site.path().join("dist/about/index.html")).unwrap();
    assert!(
        about.contains(r#"action="/api/forms/newsletter""#),
        "{about}"
    );
}

#[test]
fn built_in_shortcodes_and_user_overrides() {
    let site = copy(&fixture("shortcodes"));
    fs::write(
        site.path().join("site.toml"),
        "title = \"x\"\nbase_url = \"https://example.org/sub/\"\n",
    )
    .unwrap();
    build(&BuildOptions::new(site.path())).unwrap();
    let html = fs::read_to_string(site.path().join("dist/builtins/index.html")).unwrap();
    // Built-in figure: a site path gets the base path; a relative one is kept.
    assert!(
        html.contains(
            r#"<figure><img src="/sub/pic.png" alt="A picture" width="640" loading="lazy"><figcaption>Its caption</figcaption></figure>"#
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"<figure><img src="local.png" alt="" loading="lazy"></figure>"#),
        "{html}"
    );
    // A shortcode in a heading: in the heading, not in its id.
    assert!(
        html.contains(r#"<h2 id="watch">Watch <div class="video"><iframe src="https://www.youtube-nocookie.com/embed/h"#),
        "{html}"
    );
    // templates/shortcodes/youtube.html replaces the built-in youtube.
    let demo = fs::read_to_string(site.path().join("dist/demo/index.html")).unwrap();
    assert!(demo.contains(r#"<div class="video"><iframe"#), "{demo}");
    assert!(!demo.contains("video-embed"), "{demo}");

    // Without the override, the built-in youtube, which takes no
    // `autoplay`: the call names it and the arguments there are.
    fs::remove_file(site.path().join("templates/shortcodes/youtube.html")).unwrap();
    let err = build(&BuildOptions::new(site.path()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "content/demo.md:6: shortcode `youtube` has no argument `autoplay`; `youtube` takes class, id, start, title"
        ),
        "{err}"
    );
    let demo_md = site.path().join("content/demo.md");
    let text = fs::read_to_string(&demo_md).unwrap();
    fs::write(&demo_md, text.replace(", autoplay=true", "")).unwrap();
    build(&BuildOptions::new(site.path())).unwrap();
    let demo = fs::read_to_string(site.path().join("dist/demo/index.html")).unwrap();
    assert!(
        demo.contains(
            r#"<div class="video-embed"><iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="YouTube video""#
        ),
        "{demo}"
    );
}

#[test]
fn a_missing_argument_is_named_with_the_call_and_the_arguments_taken() {
    let site = copy(&fixture("shortcodes"));
    fs::write(
        site.path().join("content/missing.md"),
        "+++\ntitle = \"M\"\n+++\nText\n\n{{ figure(alt=\"no src\") }}\n",
    )
    .unwrap();
    let err = build(&BuildOptions::new(site.path()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "content/missing.md:6: shortcode `figure`: argument `src` is missing; `figure` takes alt, caption, class, format, height, quality, sizes, src, width, widths (at (built-in) shortcodes/figure.html:"
        ),
        "{err}"
    );
    // The template's long line is not repeated under the message.
    assert!(!err.contains("loading=\"lazy\""), "{err}");
}
