//! Site features (part B): build-time highlighting, `@/…#anchor` checks,
//! cachebusted assets with `_headers`, minification and precompression.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::Read as _;
use std::path::Path;

use letterbox::{BuildOptions, build};

mod common;
use common::site;

fn read(root: &Path, rel: &str) -> String {
    let path = root.join("dist").join(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Writes `text` at `rel` under `root`, creating folders.
fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn append(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    let mut old = fs::read_to_string(&path).unwrap_or_default();
    old.push_str(text);
    fs::write(path, old).unwrap();
}

#[test]
fn fenced_code_is_highlighted_with_classes_and_a_theme_stylesheet() {
    let dir = site("sitefeatures");
    build(&BuildOptions::new(dir.path())).unwrap();
    let html = read(dir.path(), "code/index.html");
    assert!(
        html.contains("<pre class=\"z-code\" data-lang=\"rust\"><code class=\"language-rust\">"),
        "{html}"
    );
    assert!(html.contains("z-keyword"), "{html}");
    assert!(html.contains("&lt;hello&gt;"), "{html}");
    assert!(
        !html.contains("style=\"color"),
        "classes, not inline styles: {html}"
    );
    assert!(
        html.contains("<span class=\"line hl\"><span class=\"ln\" aria-hidden=\"true\">2</span>"),
        "{html}"
    );
    assert!(
        html.contains("<code class=\"language-nosuchlang\">a &lt; b &amp;&amp; c\n</code>"),
        "unknown language is plain escaped code: {html}"
    );
    let css = read(dir.path(), "syntax-theme.css");
    assert!(css.contains("Base16 Ocean Dark"), "{css}");
    assert!(css.contains(".z-keyword"), "{css}");
}

#[test]
fn unknown_highlight_theme_is_a_config_error() {
    let dir = site("sitefeatures");
    let toml = fs::read_to_string(dir.path().join("site.toml"))
        .unwrap()
        .replace("base16-ocean.dark", "no-such-theme");
    fs::write(dir.path().join("site.toml"), toml).unwrap();
    let err = build(&BuildOptions::new(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("site.toml") && err.contains("no-such-theme"),
        "{err}"
    );
}

#[test]
fn link_to_a_missing_anchor_or_page_names_file_and_line() {
    let dir = site("sitefeatures");
    fs::write(
        dir.path().join("content/bad.md"),
        "+++\ntitle = \"Bad\"\n+++\nFine: [t](@/about.md#team).\n\nBroken: [t](@/about.md#nobody).\n\n[gone](@/gone.md#x)\n\n`[in code](@/about.md#nobody)`\n",
    )
    .unwrap();
    let err = build(&BuildOptions::new(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("content/bad.md:6:"), "{err}");
    assert!(err.contains("`nobody`"), "{err}");
    assert!(
        err.contains("content/bad.md:8:") && err.contains("gone.md"),
        "{err}"
    );
    assert_eq!(err.matches("error:").count(), 2, "{err}");
}

#[test]
fn cachebusted_stylesheet_gets_a_hashed_copy_and_immutable_headers() {
    let dir = site("sitefeatures");
    build(&BuildOptions::new(dir.path())).unwrap();
    let html = read(dir.path(), "code/index.html");
    let start = html.find("href=\"/style.").unwrap() + "href=\"".len();
    let href = &html[start..start + html[start..].find('"').unwrap()];
    assert_eq!(href.len(), "/style.12345678.css".len(), "{href}");
    assert_eq!(read(dir.path(), &href[1..]), "body { color: #333; }\n");
    assert!(
        dir.path().join("dist/style.css").exists(),
        "the original stays"
    );
    let headers = read(dir.path(), "_headers");
    assert!(
        headers.contains(&format!(
            "{href}\n  Cache-Control: public, max-age=31536000, immutable\n"
        )),
        "{headers}"
    );
    assert!(
        headers.contains("/code/\n  Cache-Control: public, max-age=0, must-revalidate\n"),
        "{headers}"
    );

    // A new stylesheet gets a new name.
    append(dir.path(), "static/style.css", "p { margin: 0; }\n");
    build(&BuildOptions::new(dir.path())).unwrap();
    let again = read(dir.path(), "code/index.html");
    assert!(!again.contains(href), "{again}");
}

#[test]
fn minify_and_precompress_from_site_toml() {
    let dir = site("sitefeatures");
    build(&BuildOptions::new(dir.path())).unwrap();
    let plain = read(dir.path(), "code/index.html");
    assert!(!dir.path().join("dist/code/index.html.gz").exists());

    let toml = fs::read_to_string(dir.path().join("site.toml")).unwrap();
    fs::write(
        dir.path().join("site.toml"),
        format!("minify = true\nprecompress = true\n{toml}"),
    )
    .unwrap();
    build(&BuildOptions::new(dir.path())).unwrap();
    let small = read(dir.path(), "code/index.html");
    assert!(small.len() < plain.len(), "{small}");
    assert!(!small.contains("\n\n"), "{small}");
    assert!(
        small.contains("a &lt; b && c\n</code>"),
        "pre content kept: {small}"
    );

    let gz = fs::read(dir.path().join("dist/code/index.html.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, small);
    let br = fs::read(dir.path().join("dist/code/index.html.br")).unwrap();
    let mut text = String::new();
    brotli::Decompressor::new(&br[..], 4096)
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, small);
    assert!(
        dir.path().join("dist/syntax-theme.css.br").exists(),
        "rendered CSS is compressed too"
    );
}

#[test]
fn build_flags_minify_and_precompress() {
    let dir = site("sitefeatures");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_letterbox"))
        .args(["build", "--minify", "--precompress", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!read(dir.path(), "code/index.html").contains("\n\n"));
    assert!(dir.path().join("dist/code/index.html.gz").exists());
    assert!(dir.path().join("dist/code/index.html.br").exists());
}

#[test]
fn starter_site_uses_highlighting_and_a_cachebusted_stylesheet() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for part in ["content", "templates", "static"] {
        for entry in walkdir::WalkDir::new(repo.join(part)) {
            let entry = entry.unwrap();
            let dest = dir
                .path()
                .join(part)
                .join(entry.path().strip_prefix(repo.join(part)).unwrap());
            if entry.file_type().is_dir() {
                fs::create_dir_all(&dest).unwrap();
            } else {
                fs::copy(entry.path(), &dest).unwrap();
            }
        }
    }
    fs::copy(repo.join("site.toml"), dir.path().join("site.toml")).unwrap();
    build(&BuildOptions::new(dir.path())).unwrap();
    let home = read(dir.path(), "index.html");
    let start = home.find("href=\"/style.").unwrap() + "href=\"/".len();
    let css = &home[start..start + home[start..].find('"').unwrap()];
    assert_ne!(css, "style.css", "{home}");
    assert!(dir.path().join("dist").join(css).is_file(), "{css}");
    assert!(read(dir.path(), "_headers").contains(css));
    assert!(read(dir.path(), "syntax-theme.css").contains(".z-"));
    let post = read(dir.path(), "blog/forms-as-schema/index.html");
    assert!(post.contains("data-lang=\"toml\""), "{post}");
    assert!(post.contains("<span class=\"line hl\">"), "{post}");
}

#[test]
fn sass_compiles_beside_the_pages_and_errors_name_the_line() {
    let dir = site("sitefeatures");
    let root = dir.path();
    write(root, "sass/_vars.scss", "$gap: 4px;\n");
    write(
        root,
        "sass/css/site.scss",
        "@use '../vars';\nmain { article { margin: vars.$gap * 2; } }\n",
    );
    build(&BuildOptions::new(root)).unwrap();
    let css = read(root, "css/site.css");
    assert!(css.contains("main article {\n  margin: 8px;\n}"), "{css}");
    assert!(!root.join("dist/_vars.css").exists());
    assert!(!root.join("dist/css/site.scss").exists());

    // A static file of the same name is a collision naming both.
    write(root, "static/css/site.css", "body {}");
    let err = build(&BuildOptions::new(root)).unwrap_err().to_string();
    assert!(
        err.contains("static/css/site.css") && err.contains("sass/css/site.scss"),
        "{err}"
    );
    fs::remove_file(root.join("static/css/site.css")).unwrap();

    // A syntax error in a partial fails the build, naming file, line and
    // column, and leaves the last output as it was.
    write(root, "sass/_vars.scss", "$gap: 4px\n$other: 1px;\n");
    let err = build(&BuildOptions::new(root)).unwrap_err().to_string();
    assert!(err.contains("sass/_vars.scss:2:"), "{err}");
    assert_eq!(read(root, "css/site.css"), css);
}

#[test]
fn load_data_reads_site_files_and_names_what_is_wrong() {
    let dir = site("sitefeatures");
    let root = dir.path();
    write(
        root,
        "data/team.toml",
        "[[people]]\nname = \"Ada\"\n[[people]]\nname = \"Grace\"\n",
    );
    write(root, "data/prices.csv", "plan,price\nsmall,5\n");
    write(
        root,
        "templates/team.html",
        "{% set team = load_data(path=\"data/team.toml\") %}\
         {% set prices = load_data(path=\"data/prices.csv\") %}\
         <ul>{% for p in team.people %}<li>{{ p.name }}</li>{% endfor %}</ul>\
         <p>{{ prices.records[0][0] }}: {{ prices.records[0][1] }}</p>",
    );
    write(
        root,
        "content/team.md",
        "+++\ntitle = \"Team\"\ntemplate = \"team.html\"\n+++\n",
    );
    build(&BuildOptions::new(root)).unwrap();
    let html = read(root, "team/index.html");
    assert!(html.contains("<li>Ada</li><li>Grace</li>"), "{html}");
    assert!(html.contains("<p>small: 5</p>"), "{html}");

    write(root, "data/team.toml", "[[people]\n");
    let err = build(&BuildOptions::new(root)).unwrap_err().to_string();
    assert!(
        err.contains("templates/team.html") && err.contains("data/team.toml"),
        "{err}"
    );
}
