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
        languages: Vec::new(),
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

fn bilingual(dir: &std::path::Path, languages: &[&str]) -> InitOptions {
    InitOptions {
        languages: languages.iter().map(|c| (*c).to_owned()).collect(),
        ..options(dir)
    }
}

#[test]
fn a_bilingual_site_builds_in_both_languages_with_a_switcher() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let files = init(&bilingual(&dir, &["en", "fr"])).unwrap();
    for file in [
        "content/_index.fr.md",
        "content/blog/first-post.fr.md",
        "templates/base.html",
    ] {
        assert!(files.contains(&file.to_owned()), "{file}: {files:?}");
    }
    let config = fs::read_to_string(dir.join("site.toml")).unwrap();
    assert!(config.contains("default_language = \"en\""), "{config}");
    assert!(config.contains("[languages.fr]\n"), "{config}");
    assert!(
        config.contains("[languages.fr.translations]\nlanguage_name = \"Français\""),
        "{config}"
    );

    let summary = build(&BuildOptions::new(&dir)).unwrap();
    assert_eq!((summary.pages, summary.forms), (6, 2));
    let read = |path: &str| {
        fs::read_to_string(dir.join("dist").join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    for file in [
        "fr/index.html",
        "fr/blog/index.html",
        "fr/contact/index.html",
        "fr/thanks/index.html",
        "fr/atom.xml",
        "fr/tags/nouvelles/index.html",
    ] {
        assert!(dir.join("dist").join(file).is_file(), "{file} missing");
    }
    assert!(!dir.join("dist/fr/tags/news").exists());

    let post = read("fr/blog/first-post/index.html");
    assert!(
        post.starts_with("<!doctype html>\n<html lang=\"fr\">"),
        "{post}"
    );
    assert!(post.contains("<h1>Premier article</h1>"), "{post}");
    assert!(
        post.contains("<time datetime=\"2026-11-28\">2026-11-28</time>"),
        "{post}"
    );
    // The words of the templates come from trans() in the page's language.
    assert!(post.contains(">Aller au contenu</a>"), "{post}");
    assert!(post.contains("min de lecture"), "{post}");
    assert!(post.contains("Fait avec Letterbox"), "{post}");
    assert!(
        post.contains("href=\"/fr/atom.xml\">Flux Atom</a>"),
        "{post}"
    );
    // Links to content stay in the language: @/contact.fr.md.
    assert!(
        post.contains("<a href=\"/fr/contact/\">liens</a>"),
        "{post}"
    );
    // The switcher lists the page in every language, this one current.
    let switcher = "<nav class=\"languages\" aria-label=\"Langues\">";
    assert!(post.contains(switcher), "{post}");
    assert!(
        post.contains(
            "<li><a href=\"/blog/first-post/\" hreflang=\"en\" lang=\"en\">English</a></li>"
        ),
        "{post}"
    );
    assert!(
        post.contains(
            "<li><a href=\"/fr/blog/first-post/\" hreflang=\"fr\" lang=\"fr\" aria-current=\"page\">Français</a></li>"
        ),
        "{post}"
    );
    assert!(
        post.contains(
            "<link rel=\"alternate\" hreflang=\"en\" href=\"https://ada.example/blog/first-post/\">"
        ),
        "{post}"
    );

    let home = read("index.html");
    assert!(home.contains("<html lang=\"en\">"), "{home}");
    assert!(
        home.contains("<li><a href=\"/fr/\" hreflang=\"fr\" lang=\"fr\">Français</a></li>"),
        "{home}"
    );
    assert!(home.contains(">Skip to content</a>"), "{home}");
    let home_fr = read("fr/index.html");
    assert!(home_fr.contains("Bienvenue !"), "{home_fr}");
    let blog_fr = read("fr/blog/index.html");
    assert!(blog_fr.contains("Lire la suite →"), "{blog_fr}");
    assert!(
        blog_fr.contains("<a class=\"tag\" href=\"/fr/tags/nouvelles/\">nouvelles</a>"),
        "{blog_fr}"
    );
    // A page with no translation (the tag list) shows no switcher.
    assert!(!read("fr/tags/index.html").contains("class=\"languages\""));

    let contact = read("fr/contact/index.html");
    assert!(
        contact.contains("action=\"/api/forms/contact-fr\""),
        "{contact}"
    );
    assert!(contact.contains("<button>Envoyer</button>"), "{contact}");
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join(".letterbox/forms.json")).unwrap())
            .unwrap();
    let form = &manifest["forms"]["contact-fr"];
    assert_eq!(form["lang"], "fr", "{form}");
    assert_eq!(form["redirect"], "/fr/thanks/", "{form}");
    assert_eq!(manifest["forms"]["contact"]["redirect"], "/thanks/");

    let report = check(&CheckOptions::new(&dir)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[test]
fn the_first_language_is_the_default_and_others_get_english_to_translate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    init(&bilingual(&dir, &["fr", "es"])).unwrap();
    let config = fs::read_to_string(dir.join("site.toml")).unwrap();
    assert!(config.contains("default_language = \"fr\""), "{config}");
    assert!(
        config.contains(
            "[languages.es.translations]\n# In English for now: translate these.\nlanguage_name = \"es\""
        ),
        "{config}"
    );
    build(&BuildOptions::new(&dir)).unwrap();
    let home = fs::read_to_string(dir.join("dist/index.html")).unwrap();
    assert!(home.contains("<html lang=\"fr\">") && home.contains("Bienvenue !"));
    let es = fs::read_to_string(dir.join("dist/es/blog/first-post/index.html")).unwrap();
    assert!(es.contains("<html lang=\"es\">"), "{es}");
    assert!(es.contains("<h1>First post</h1>"), "{es}");
    assert!(dir.join("dist/es/tags/news/index.html").is_file());
    let report = check(&CheckOptions::new(&dir)).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}

#[test]
fn bad_language_codes_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let err = init(&bilingual(&dir, &["en", "French"]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("--languages: `French` is not a language code"),
        "{err}"
    );
    let err = init(&bilingual(&dir, &["en", "fr", "en"]))
        .unwrap_err()
        .to_string();
    assert_eq!(err, "--languages: `en` is given twice");
    let err = init(&bilingual(&dir, &["en", ""])).unwrap_err().to_string();
    assert!(err.contains("`` is not a language code"), "{err}");
    assert!(!dir.exists(), "nothing written");

    init(&options(&dir)).unwrap();
    fs::remove_file(dir.join("spin.toml")).unwrap();
    let api_only = InitOptions {
        api_only: true,
        ..bilingual(&dir, &["en", "fr"])
    };
    let err = init(&api_only).unwrap_err().to_string();
    assert!(err.contains("cannot be combined with --api-only"), "{err}");
    assert!(!dir.join("spin.toml").exists());
}
