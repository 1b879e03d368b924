//! A site in two languages (`fixtures/multilingual`): URLs, `lang`,
//! translations, feeds, taxonomies, search indexes and the sitemap's
//! alternates; and the errors of a bad `[languages]` configuration.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use letterbox::{BuildOptions, build};

mod common;
use common::site;

fn read(root: &Path, rel: &str) -> String {
    let path = root.join("dist").join(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn two_languages_build_urls_lang_and_translations() {
    let dir = site("multilingual");
    let summary = build(&BuildOptions::new(dir.path())).unwrap();
    assert_eq!(
        summary.pages, 7,
        "hello ×2, trip ×2, contact ×2, only-english"
    );
    assert_eq!(summary.sections, 4, "home and blog in each language");
    let root = dir.path();
    for file in [
        "index.html",
        "blog/hello/index.html",
        "blog/trip/photo.txt",
        "fr/index.html",
        "fr/blog/index.html",
        "fr/blog/hello/index.html",
        "fr/blog/trip/index.html",
        "fr/blog/trip/photo.txt",
        "tags/news/index.html",
        "fr/tags/nouvelles/index.html",
    ] {
        assert!(root.join("dist").join(file).is_file(), "{file} missing");
    }
    assert!(!root.join("dist/fr/blog/only-english").exists());
    assert!(
        !root.join("dist/tags/nouvelles").exists(),
        "French terms stay French"
    );

    let fr = read(root, "fr/blog/hello/index.html");
    assert!(fr.contains("<html lang=\"fr\">"), "{fr}");
    assert!(
        fr.contains("<title>Lettres</title>"),
        "the French title: {fr}"
    );
    assert!(fr.contains("<p class=\"lang\">fr</p>"), "{fr}");
    assert!(
        fr.contains(
            "<li><a hreflang=\"en\" href=\"https://example.org/blog/hello/\">Hello</a></li>\
             <li><a hreflang=\"fr\" href=\"https://example.org/fr/blog/hello/\">Bonjour</a></li>"
        ),
        "{fr}"
    );
    let en = read(root, "blog/hello/index.html");
    assert!(en.contains("<html lang=\"en\">"), "{en}");
    assert!(en.contains("<title>Letters</title>"), "{en}");
    let lonely = read(root, "blog/only-english/index.html");
    assert!(
        lonely.contains("<ul class=\"translations\"><li><a hreflang=\"en\""),
        "only itself: {lonely}"
    );
    assert_eq!(lonely.matches("hreflang=").count(), 1, "{lonely}");
    assert!(read(root, "fr/index.html").contains("<html lang=\"fr\">"));
}

#[test]
fn two_languages_feeds_search_indexes_and_sitemap() {
    let dir = site("multilingual");
    build(&BuildOptions::new(dir.path())).unwrap();
    let root = dir.path();

    let atom = read(root, "atom.xml");
    assert!(atom.contains("xml:lang=\"en\""), "{atom}");
    assert!(
        atom.contains("<title>Hello</title>") && !atom.contains("Bonjour"),
        "{atom}"
    );
    let atom_fr = read(root, "fr/atom.xml");
    assert!(atom_fr.contains("xml:lang=\"fr\""), "{atom_fr}");
    assert!(atom_fr.contains("<title>Lettres</title>"), "{atom_fr}");
    assert!(
        atom_fr.contains("<title>Bonjour</title>") && !atom_fr.contains("Hello"),
        "{atom_fr}"
    );
    assert!(read(root, "fr/rss.xml").contains("<language>fr</language>"));
    // The English blog has feeds, the French one does not.
    assert!(root.join("dist/blog/atom.xml").is_file());
    assert!(!root.join("dist/fr/blog/atom.xml").exists());

    let search: serde_json::Value = serde_json::from_str(&read(root, "search_index.json")).unwrap();
    let urls: Vec<&str> = (search.as_array().unwrap().iter())
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 4, "{urls:?}");
    assert!(urls.iter().all(|u| !u.starts_with("/fr/")), "{urls:?}");
    let search_fr: serde_json::Value =
        serde_json::from_str(&read(root, "search_index.fr.json")).unwrap();
    let urls_fr: Vec<&str> = (search_fr.as_array().unwrap().iter())
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls_fr,
        ["/fr/blog/hello/", "/fr/blog/trip/", "/fr/contact/"]
    );

    let sitemap = read(root, "sitemap.xml");
    assert!(
        sitemap.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""),
        "{sitemap}"
    );
    let hello_fr = "<loc>https://example.org/fr/blog/hello/</loc>\n    <lastmod>2024-05-01T00:00:00Z</lastmod>\n    \
        <xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"https://example.org/blog/hello/\"/>\n    \
        <xhtml:link rel=\"alternate\" hreflang=\"fr\" href=\"https://example.org/fr/blog/hello/\"/>\n  </url>";
    assert!(sitemap.contains(hello_fr), "{sitemap}");
    let lonely = sitemap
        .split("<url>")
        .find(|u| u.contains("<loc>https://example.org/blog/only-english/</loc>"))
        .unwrap();
    assert!(!lonely.contains("xhtml:link"), "no alternates: {lonely}");
}

fn config_error(site_toml: &str) -> String {
    let dir = site("multilingual");
    fs::write(dir.path().join("site.toml"), site_toml).unwrap();
    build(&BuildOptions::new(dir.path()))
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_language_configuration_names_the_line() {
    let err = config_error("title = \"x\"\n\n[languages.French]\ntitle = \"y\"\n");
    assert!(err.contains("site.toml:3:"), "{err}");
    assert!(err.contains("`French` is not a language code"), "{err}");

    let err = config_error("title = \"x\"\n[languages.fr]\ntitle = \"y\"\ncolour = \"red\"\n");
    assert!(err.contains("site.toml:4:"), "{err}");
    assert!(err.contains("colour"), "{err}");

    let err = config_error("default_language = \"EN\"\n");
    assert!(err.contains("site.toml:1:"), "{err}");
    assert!(err.contains("`EN` is not a language code"), "{err}");
}

#[test]
fn trans_and_get_url_in_a_language() {
    let dir = site("multilingual");
    build(&BuildOptions::new(dir.path())).unwrap();
    let fr = read(dir.path(), "fr/blog/hello/index.html");
    assert!(fr.contains("<p class=\"more\">Lire la suite</p>"), "{fr}");
    assert!(fr.contains("<p class=\"home\">/fr/</p>"), "{fr}");
    let en = read(dir.path(), "blog/hello/index.html");
    assert!(en.contains("<p class=\"more\">Read more</p>"), "{en}");
    assert!(en.contains("<p class=\"home\">/</p>"), "{en}");
}

#[test]
fn a_missing_translation_fails_the_build_at_the_template_line() {
    let dir = site("multilingual");
    let toml = fs::read_to_string(dir.path().join("site.toml")).unwrap();
    let toml = toml.replace("read_more = \"Lire la suite\"", "other = \"x\"");
    fs::write(dir.path().join("site.toml"), toml).unwrap();
    let err = build(&BuildOptions::new(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("templates/page.html:5:"), "{err}");
    assert!(err.contains("no translation `read_more` in `fr`"), "{err}");
}

#[test]
fn check_lists_keys_missing_in_a_language() {
    let dir = site("multilingual");
    let toml = fs::read_to_string(dir.path().join("site.toml")).unwrap();
    let toml = toml.replace(
        "read_more = \"Read more\"",
        "read_more = \"Read more\"\nshare = \"Share\"",
    );
    fs::write(dir.path().join("site.toml"), &toml).unwrap();
    let report = letterbox::check::check(&letterbox::check::CheckOptions::new(dir.path())).unwrap();
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    let line = toml
        .lines()
        .position(|l| l == "[languages.fr.translations]")
        .unwrap()
        + 1;
    assert_eq!(
        problems,
        [format!(
            "site.toml:{line}: missing translation: `share` has no translation in `fr` (add it under [languages.fr.translations])"
        )]
    );
}

#[test]
fn forms_answer_in_their_page_language() {
    use letterbox_forms::validate::validate;
    use letterbox_forms::{FormData, Manifest};
    let dir = site("multilingual");
    build(&BuildOptions::new(dir.path())).unwrap();
    let json = fs::read_to_string(dir.path().join(".letterbox/forms.json")).unwrap();
    let manifest = Manifest::from_json(&json).unwrap();
    let en = &manifest.forms["contact"];
    let fr = &manifest.forms["contact-fr"];
    assert_eq!(en.lang.as_deref(), Some("en"));
    assert_eq!(fr.lang.as_deref(), Some("fr"));
    assert!(en.messages.is_empty());
    let text = |en: &str| {
        let at = fr.messages.iter().position(|m| m == en).unwrap();
        fr.messages[at + 1].clone()
    };
    assert_eq!(
        text("Please enter at least {} characters (you entered {})."),
        "Encore un effort : au moins {} caractères (vous en avez {}).",
        "the site's own French message"
    );
    assert_eq!(
        text("Please fill in this field."),
        "Veuillez renseigner ce champ."
    );

    let data = |email: &str, message: &str| {
        FormData(vec![
            ("email".to_owned(), email.to_owned()),
            ("message".to_owned(), message.to_owned()),
        ])
    };
    let messages = |form, data| -> Vec<String> {
        validate(form, &data)
            .unwrap_err()
            .into_iter()
            .map(|e| e.message)
            .collect()
    };
    assert_eq!(
        messages(fr, data("", "court")),
        [
            "Veuillez renseigner ce champ.",
            "Encore un effort : au moins 10 caractères (vous en avez 5).",
        ]
    );
    assert_eq!(
        messages(fr, data("nope", "assez long pour passer")),
        ["Veuillez saisir une adresse e-mail, comme nom@exemple.fr."]
    );
    assert_eq!(
        messages(en, data("", "short")),
        [
            "Please fill in this field.",
            "Please enter at least 10 characters (you entered 5).",
        ]
    );
}

#[test]
fn a_form_message_override_must_name_a_message() {
    let err = config_error(
        "title = \"x\"\n[languages.fr]\n[languages.fr.form_messages]\nrequird = \"Obligatoire\"\n",
    );
    assert!(err.contains("site.toml:3:"), "{err}");
    assert!(err.contains("`requird` is no form message"), "{err}");
}

/// A page showing the tags taxonomy in French and in the default language
/// with `get_taxonomy` / `get_taxonomy_url` (`calls` is the template line
/// between the two lists).
fn with_terms_page(calls: &str) -> tempfile::TempDir {
    let dir = site("multilingual");
    fs::write(
        dir.path().join("content/terms.md"),
        "+++\ntitle = \"Terms\"\ntemplate = \"terms.html\"\n+++\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("templates/terms.html"),
        format!(
            "{{% set fr = get_taxonomy(kind=\"tags\", lang=\"fr\") %}}\
             <p class=\"fr\">{{{{ fr.url }}}}:{{% for t in fr.terms %}}{{{{ t.name }}}}={{{{ t.page_count }}}}@{{{{ t.url }}}};{{% endfor %}}</p>\n\
             {calls}\n\
             {{% set en = get_taxonomy(kind=\"tags\") %}}\
             <p class=\"en\">{{{{ en.url }}}}:{{% for t in en.terms %}}{{{{ t.name }}}}={{{{ t.page_count }}}}@{{{{ t.url }}}};{{% endfor %}}</p>\n"
        ),
    )
    .unwrap();
    dir
}

#[test]
fn get_taxonomy_and_its_urls_in_a_language() {
    let dir = with_terms_page(
        "<p class=\"urls\">{{ get_taxonomy_url(kind=\"tags\", name=\"Nouvelles\", lang=\"fr\") }} \
         {{ get_taxonomy_url(kind=\"tags\", name=\"news\") }} \
         {{ get_taxonomy_url(kind=\"tags\", name=\"News\", lang=\"en\") }}</p>",
    );
    build(&BuildOptions::new(dir.path())).unwrap();
    let page = read(dir.path(), "terms/index.html");
    assert!(
        page.contains("<p class=\"fr\">/fr/tags/:nouvelles=1@/fr/tags/nouvelles/;</p>"),
        "{page}"
    );
    assert!(
        page.contains("<p class=\"en\">/tags/:news=1@/tags/news/;</p>"),
        "the default language without lang: {page}"
    );
    assert!(
        page.contains("<p class=\"urls\">/fr/tags/nouvelles/ /tags/news/ /tags/news/</p>"),
        "{page}"
    );
}

#[test]
fn taxonomy_lookups_name_a_term_or_language_the_site_lacks() {
    let error = |calls: &str| {
        let dir = with_terms_page(calls);
        build(&BuildOptions::new(dir.path()))
            .unwrap_err()
            .to_string()
    };
    // A French page's term is not an English one, nor the reverse.
    let err = error("{{ get_taxonomy_url(kind=\"tags\", name=\"news\", lang=\"fr\") }}");
    assert!(err.contains("templates/terms.html:2:"), "{err}");
    assert!(
        err.contains("no term `news` in taxonomy `tags` (is any `fr` page tagged with it?)"),
        "{err}"
    );
    let err = error("{{ get_taxonomy_url(kind=\"tags\", name=\"nouvelles\") }}");
    assert!(
        err.contains("no term `nouvelles` in taxonomy `tags`"),
        "{err}"
    );
    let err = error("{{ get_taxonomy(kind=\"tags\", lang=\"de\") }}");
    assert!(
        err.contains("get_taxonomy: `de` is no language of this site"),
        "{err}"
    );
    let err = error("{{ get_taxonomy_url(kind=\"tags\", name=\"news\", lang=\"de\") }}");
    assert!(
        err.contains("get_taxonomy_url: `de` is no language of this site"),
        "{err}"
    );
}

#[test]
fn a_language_without_a_taxonomy_says_so() {
    // Categories in English only: French declares its own list.
    let dir = with_terms_page(
        "{% set en = get_taxonomy(kind=\"categories\") %}{{ en.name }} \
         {% set fr = get_taxonomy(kind=\"categories\", lang=\"fr\") %}{{ fr.name }}",
    );
    let toml = fs::read_to_string(dir.path().join("site.toml")).unwrap();
    let toml = toml
        .replace(
            "[[taxonomies]]\nname = \"tags\"\n",
            "[[taxonomies]]\nname = \"tags\"\n\n[[taxonomies]]\nname = \"categories\"\n",
        )
        .replace(
            "description = \"Un site en deux langues\"",
            "description = \"Un site en deux langues\"\ntaxonomies = [{ name = \"tags\" }]",
        );
    fs::write(dir.path().join("site.toml"), toml).unwrap();
    let err = build(&BuildOptions::new(dir.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("templates/terms.html:2:"), "{err}");
    assert!(
        err.contains("no taxonomy `categories` in `fr` (declare it with [[taxonomies]], or `taxonomies` under [languages.fr], in site.toml)"),
        "{err}"
    );
}
