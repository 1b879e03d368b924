//! `serve`'s fast rebuild: after a body-only edit, the output folder must
//! be byte for byte what a fresh full build of the edited site writes; any
//! other change must be refused (the full build then runs).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use letterbox::serve::incremental::Incremental;
use letterbox::{BuildOptions, Site};

mod common;
use common::{copy_dir, site};

fn options(root: &Path, output: &str) -> BuildOptions {
    BuildOptions {
        output: PathBuf::from(output),
        ..BuildOptions::new(root)
    }
}

/// Every file under `dir` by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn kept(root: &Path) -> Incremental {
    let site = Site::load(&options(root, "dist")).unwrap();
    Incremental::build(site).unwrap().0
}

/// `dist/` must be what a fresh full build of the site writes.
fn assert_dist_is_a_full_build(root: &Path) {
    let fast = tree(&root.join("dist"));
    letterbox::build(&options(root, "fresh")).unwrap();
    assert!(
        fast == tree(&root.join("fresh")),
        "dist/ differs from a full build"
    );
}

fn append(path: &Path, text: &str) {
    let mut body = fs::read_to_string(path).unwrap();
    body.push_str(text);
    fs::write(path, body).unwrap();
}

/// Applies the edits via the fast path, then checks `dist/` (and the form
/// manifest) against a fresh full build of the edited site.
fn fast_equals_full(
    fixture: &str,
    edits: &[(&str, &str)],
) -> letterbox::serve::incremental::Update {
    let dir = site(fixture);
    let root = dir.path();
    let state = kept(root);
    let before = tree(&root.join("dist"));
    let mut changed = Vec::new();
    for (rel, text) in edits {
        let path = root.join("content").join(rel);
        append(&path, text);
        changed.push(path);
    }
    let (_, update) = state
        .update(&changed)
        .unwrap_or_else(|why| panic!("fast path refused: {why}"));
    let fast = tree(&root.join("dist"));
    let fast_manifest = fs::read(root.join(".letterbox/forms.json")).ok();
    assert_ne!(before, fast, "the edit changed nothing in the output");

    letterbox::build(&options(root, "fresh")).unwrap();
    let full = tree(&root.join("fresh"));
    assert_eq!(
        fast.keys().collect::<Vec<_>>(),
        full.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &full {
        assert!(
            fast[path] == *bytes,
            "{path} differs from the full build:\nfast:\n{}\nfull:\n{}",
            String::from_utf8_lossy(&fast[path]),
            String::from_utf8_lossy(bytes)
        );
    }
    let full_manifest = fs::read(root.join(".letterbox/forms.json")).ok();
    assert_eq!(fast_manifest, full_manifest, "form manifest");
    let changed_files = full
        .iter()
        .filter(|(p, b)| before.get(*p) != Some(*b))
        .count();
    assert_eq!(
        update.written, changed_files,
        "written = files that changed"
    );
    update
}

#[test]
fn body_edit_with_feeds_search_and_taxonomies_equals_full_build() {
    let update = fast_equals_full(
        "features",
        &[(
            "blog/two.md",
            "\n## A new heading\n\nMore words with *emphasis* and [a link](@/about.md).\n",
        )],
    );
    assert_eq!(update.pages, 1);
    // The page, and its list, term, feed and search index outputs at least.
    assert!(update.written >= 2, "{update:?}");
}

#[test]
fn body_edits_in_bundles_and_nested_sections_equal_full_build() {
    fast_equals_full(
        "basic",
        &[
            ("blog/bundle/index.md", "\nAn edited bundle body.\n"),
            ("docs/alpha.md", "\nAlpha, edited.\n"),
        ],
    );
}

#[test]
fn adding_a_form_in_a_body_updates_the_manifest_as_a_full_build() {
    fast_equals_full(
        "features",
        &[(
            "about.md",
            "\n<form data-form=\"contact\">\n  <input name=\"email\" type=\"email\" required>\n  <button>Send</button>\n</form>\n",
        )],
    );
}

/// The output paths rendered again, sorted.
fn rendered(update: &letterbox::serve::incremental::Update) -> Vec<&str> {
    let mut out: Vec<&str> = update.rendered.iter().map(String::as_str).collect();
    out.sort_unstable();
    out
}

#[test]
fn an_edit_reaches_every_file_that_shows_the_body_and_no_other() {
    // A's summary, word count and content show in its section's pagers,
    // its terms, the home page (get_taxonomy), about (get_page) and stats
    // (get_section); meta asks for the section's metadata only. The edit
    // uses a shortcode, whose lookup must not replace the site's.
    let update = fast_equals_full(
        "incremental",
        &[("blog/a.md", "\n{% note() %}Added *words* to A.{% end %}\n")],
    );
    assert_eq!(
        rendered(&update),
        [
            "about/index.html",
            "blog/a/index.html",
            "blog/index.html",
            "blog/page/2/index.html",
            "index.html",
            "stats/index.html",
            "tags/index.html",
            "tags/rust/index.html",
            "tags/web/index.html",
        ]
    );
}

#[test]
fn an_edit_nobody_else_shows_renders_its_page_and_list_only() {
    let update = fast_equals_full("incremental", &[("notes/x.md", "\nMore about X.\n")]);
    assert_eq!(
        rendered(&update),
        ["notes/index.html", "notes/x/index.html"]
    );
}

#[test]
fn edits_in_a_row_each_equal_a_full_build() {
    let dir = site("incremental");
    let root = dir.path();
    let mut state = kept(root);
    for (round, rel) in ["blog/c.md", "blog/a.md", "blog/c.md", "about.md"]
        .iter()
        .enumerate()
    {
        let path = root.join("content").join(rel);
        append(&path, &format!("\nEdit {round} of {rel}.\n"));
        state = state.update(std::slice::from_ref(&path)).unwrap().0;
    }
    assert_dist_is_a_full_build(root);
}

#[test]
fn a_heading_edit_that_breaks_a_link_elsewhere_is_refused() {
    let dir = site("incremental");
    let root = dir.path();
    let a = root.join("content/blog/a.md");
    let text = fs::read_to_string(&a).unwrap();
    // B links to A's `#details`: renaming the heading breaks that link.
    fs::write(&a, text.replace("## Details", "## Particulars")).unwrap();
    let why = kept_then_update(root, &a, &text);
    assert!(why.contains("broken anchor"), "{why}");
    // The full build names the link.
    let err = letterbox::build(&options(root, "fresh"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("content/blog/b.md:6"), "{err}");
}

#[test]
fn front_matter_edits_and_other_changes_are_refused() {
    let dir = site("features");
    let root = dir.path();
    let two = root.join("content/blog/two.md");

    let text = fs::read_to_string(&two).unwrap();
    fs::write(&two, text.replace("title = \"Two\"", "title = \"Deux\"")).unwrap();
    let why = kept_then_update(root, &two, &text);
    assert!(why.contains("front matter changed"), "{why}");

    // A comment in the front matter moves the body: refused too.
    fs::write(&two, text.replacen("+++\n", "+++\n# note\n", 1)).unwrap();
    let why = kept_then_update(root, &two, &text);
    assert!(why.contains("front matter changed"), "{why}");

    let state = kept(root);
    let new = root.join("content/blog/six.md");
    fs::write(&new, "+++\ntitle = \"Six\"\n+++\nNew.\n").unwrap();
    assert!(state.update(std::slice::from_ref(&new)).is_err());
    fs::remove_file(&new).unwrap();

    let state = kept(root);
    let index = root.join("content/blog/_index.md");
    append(&index, "\nMore.\n");
    assert!(state.update(&[index]).is_err());

    // Removing a page is refused.
    let state = kept(root);
    fs::remove_file(&two).unwrap();
    assert!(state.update(std::slice::from_ref(&two)).is_err());
}

#[test]
fn template_edits_render_every_file_again_as_a_full_build() {
    let dir = site("incremental");
    let root = dir.path();
    let state = kept(root);
    let jobs_before = tree(&root.join("dist"));
    let section = root.join("templates/section.html");
    let text = fs::read_to_string(&section).unwrap();
    fs::write(&section, text.replace("<h1>", "<h1 class=\"list\">")).unwrap();
    // A body edit in the same batch.
    let c = root.join("content/blog/c.md");
    append(&c, "\nC, edited with the template.\n");
    let (state, update) = state.update(&[section.clone(), c]).unwrap();
    assert!(update.rendered.len() > 15, "{update:?}");
    assert_ne!(tree(&root.join("dist")), jobs_before);
    assert_dist_is_a_full_build(root);

    // A template that does not parse, or a shortcode: a full build.
    fs::write(&section, "{% if %}").unwrap();
    let why = state.update(std::slice::from_ref(&section)).unwrap_err();
    assert!(why.contains("section.html"), "{why}");
    fs::write(&section, &text).unwrap();
    let state = kept(root);
    let note = root.join("templates/shortcodes/note.html");
    append(&note, "\n");
    let why = state.update(&[note]).unwrap_err();
    assert!(why.contains("shortcodes"), "{why}");
}

#[test]
fn a_template_that_a_shortcode_includes_renders_the_bodies_again() {
    let dir = site("incremental");
    let root = dir.path();
    fs::create_dir_all(root.join("templates/partials")).unwrap();
    let partial = root.join("templates/partials/n.html");
    fs::write(&partial, "v1").unwrap();
    fs::write(
        root.join("templates/shortcodes/note.html"),
        "<aside>{{ body }} {% include \"partials/n.html\" %}</aside>",
    )
    .unwrap();
    append(
        &root.join("content/blog/a.md"),
        "\n{% note() %}Hi{% end %}\n",
    );
    let state = kept(root);
    assert!(
        tree(&root.join("dist"))["blog/a/index.html"]
            .windows(2)
            .any(|w| w == b"v1")
    );
    fs::write(&partial, "v2").unwrap();
    let (_, update) = state.update(&[partial]).unwrap();
    assert_eq!(update.pages, 1, "{update:?}");
    assert_dist_is_a_full_build(root);
}

#[test]
fn templates_asking_for_other_hashed_assets_are_refused() {
    let dir = site("incremental");
    let root = dir.path();
    fs::create_dir_all(root.join("static")).unwrap();
    fs::write(root.join("static/style.css"), "body { margin: 0 }").unwrap();
    let page = root.join("templates/page.html");
    let plain = fs::read_to_string(&page).unwrap();
    let hashed = plain.replace(
        "<body>",
        "<body><link rel=\"stylesheet\" href=\"{{ get_url(path='style.css', cachebust=true) }}\">",
    );
    fs::write(&page, &hashed).unwrap();
    let state = kept(root);
    assert!(root.join("dist/_headers").exists());
    // Dropping the only hashed asset would leave its copy and `_headers`.
    fs::write(&page, &plain).unwrap();
    let why = state.update(std::slice::from_ref(&page)).unwrap_err();
    assert!(why.contains("hashed assets"), "{why}");
    // And asking for one that was not hashed before needs its copy.
    let state = kept(root);
    fs::write(&page, &hashed).unwrap();
    let why = state.update(std::slice::from_ref(&page)).unwrap_err();
    assert!(why.contains("hashed assets"), "{why}");
}

/// Builds `root` with `original` as the text of `page` (whose current
/// text is the edit), then offers the edit to the fast path.
fn kept_then_update(root: &Path, page: &Path, original: &str) -> String {
    let edited = fs::read_to_string(page).unwrap();
    fs::write(page, original).unwrap();
    let state = kept(root);
    fs::write(page, edited).unwrap();
    state.update(&[page.to_owned()]).unwrap_err()
}

/// Times the fast path for a one-page body edit on a big site (nothing is
/// asserted about time). `LETTERBOX_INCR_SITE` is a site folder to copy,
/// e.g. the 10,000-page benchmark site of `bench/letterbox/prepare.sh`:
///
/// ```sh
/// TMPDIR=/dev/shm LETTERBOX_INCR_SITE=/dev/shm/ssg-bench-10000/ours \
///   cargo test --release -p letterbox --test incremental -- --ignored --nocapture
/// ```
#[test]
#[ignore = "needs LETTERBOX_INCR_SITE; prints timings"]
fn one_page_edit_timing() {
    let Some(from) = std::env::var_os("LETTERBOX_INCR_SITE") else {
        eprintln!("LETTERBOX_INCR_SITE is not set");
        return;
    };
    let from = PathBuf::from(from);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for name in ["site.toml", "templates", "content", "static"] {
        let src = from.join(name);
        if src.is_file() {
            fs::copy(&src, root.join(name)).unwrap();
        } else if src.exists() {
            copy_dir(&src.canonicalize().unwrap(), &root.join(name));
        }
    }
    let start = std::time::Instant::now();
    let site = Site::load(&options(root, "dist")).unwrap();
    let (mut state, summary) = Incremental::build(site).unwrap();
    eprintln!(
        "full build (load included): {} pages in {} ms",
        summary.pages,
        start.elapsed().as_millis()
    );
    // A page from the middle, and the newest page (in the site feed).
    let pages = &state.site().content.pages;
    let newest = (pages.iter())
        .filter(|p| p.date.is_some())
        .max_by_key(|p| p.date.as_ref().map(|d| d.timestamp))
        .unwrap();
    let edited = [pages[pages.len() / 2].rel.clone(), newest.rel.clone()];
    for page in edited {
        let path = root.join("content").join(&page);
        let mut times = Vec::new();
        for round in 1..=7 {
            append(&path, &format!("\nEdit number {round}, with *emphasis*.\n"));
            let (next, update) = state.update(std::slice::from_ref(&path)).unwrap();
            state = next;
            let ms = update.elapsed.as_secs_f64() * 1000.0;
            times.push(ms);
            eprintln!(
                "one-page edit ({page}), round {round}: rendered {} files again, wrote {} in {ms:.1} ms",
                update.rendered.len(),
                update.written,
            );
        }
        times.sort_by(f64::total_cmp);
        eprintln!("{page}: median {:.1} ms, max {:.1} ms", times[3], times[6]);
    }
    // The base layout, which every page extends.
    let base = root.join("templates/base.html");
    for round in 1..=3 {
        append(&base, &format!("<!-- layout edit {round} -->\n"));
        let (next, update) = state.update(std::slice::from_ref(&base)).unwrap();
        state = next;
        eprintln!(
            "base.html edit, round {round}: rendered {} files again, wrote {} in {:.1} ms",
            update.rendered.len(),
            update.written,
            update.elapsed.as_secs_f64() * 1000.0
        );
    }
}

/// The processed-image cache: each file's name and modification time.
fn cache(root: &Path) -> BTreeMap<String, std::time::SystemTime> {
    fs::read_dir(root.join(".letterbox/images"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let modified = e.metadata().unwrap().modified().unwrap();
            (e.file_name().to_string_lossy().into_owned(), modified)
        })
        .collect()
}

#[test]
fn an_edit_that_touches_no_image_encodes_nothing() {
    let dir = site("incremental");
    let root = dir.path();
    let mut jpeg = Vec::new();
    image::RgbImage::from_fn(600, 400, |x, y| image::Rgb([x as u8, y as u8, 90]))
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    fs::create_dir_all(root.join("content/notes/pic")).unwrap();
    fs::write(root.join("content/notes/pic/photo.jpg"), jpeg).unwrap();
    let page = root.join("content/notes/pic/index.md");
    let figure = "{{ figure(src=\"photo.jpg\", alt=\"P\", widths=[200, 400]) }}\n";
    fs::write(&page, format!("+++\ntitle = \"Pic\"\n+++\n{figure}")).unwrap();
    let state = kept(root);
    let encoded = cache(root);
    assert_eq!(encoded.len(), 2);

    // Another page's body, then the photo page's text: nothing encoded.
    let other = root.join("content/notes/x.md");
    append(&other, "\nMore about X.\n");
    let (state, update) = state.update(std::slice::from_ref(&other)).unwrap();
    assert_eq!(
        rendered(&update),
        ["notes/index.html", "notes/x/index.html"]
    );
    append(&page, "\nA caption of sorts.\n");
    let (state, _) = state.update(std::slice::from_ref(&page)).unwrap();
    assert_eq!(cache(root), encoded);
    let full = letterbox::build(&options(root, "fresh")).unwrap();
    assert_eq!((full.images, full.images_encoded), (2, 0));
    assert!(tree(&root.join("dist")) == tree(&root.join("fresh")));

    // Asking for another image takes the full build.
    append(&page, &figure.replace("400]", "300]"));
    let why = state.update(std::slice::from_ref(&page)).unwrap_err();
    assert!(why.contains("other processed images"), "{why}");
}

/// The translation links of the multilingual fixture's `hello` page (in
/// `dist/`, whose permalinks start with `origin`).
fn hello_translations(origin: &str) -> String {
    format!(
        "<ul class=\"translations\">\
         <li><a hreflang=\"en\" href=\"{origin}/blog/hello/\">Hello</a></li>\
         <li><a hreflang=\"fr\" href=\"{origin}/fr/blog/hello/\">Bonjour</a></li></ul>"
    )
}

#[test]
fn a_translation_body_edit_renders_its_language_only_as_a_full_build() {
    let update = fast_equals_full(
        "multilingual",
        &[("blog/hello.fr.md", "\nUn paragraphe *de plus*.\n")],
    );
    // The French page, its French lists; not the English page, whose
    // translation links show titles and URLs, not bodies.
    assert_eq!(
        rendered(&update),
        [
            "fr/blog/hello/index.html",
            "fr/blog/index.html",
            "fr/tags/index.html",
            "fr/tags/nouvelles/index.html",
        ]
    );

    let dir = site("multilingual");
    let root = dir.path();
    let state = kept(root);
    let hello_fr = root.join("content/blog/hello.fr.md");
    append(&hello_fr, "\nEncore *un* mot.\n");
    let (_, update) = state.update(std::slice::from_ref(&hello_fr)).unwrap();
    assert_eq!(update.pages, 1, "{update:?}");
    let fr = fs::read_to_string(root.join("dist/fr/blog/hello/index.html")).unwrap();
    assert!(fr.contains("<p>Encore <em>un</em> mot.</p>"), "{fr}");
    assert!(fr.contains("<html lang=\"fr\">"), "{fr}");
    assert!(
        fr.contains(&hello_translations("https://example.org")),
        "{fr}"
    );
    assert!(
        fs::read_to_string(root.join("dist/fr/atom.xml"))
            .unwrap()
            .contains("Encore &lt;em&gt;un&lt;/em&gt; mot."),
        "the French feed has the new body"
    );
    let search = fs::read_to_string(root.join("dist/search_index.fr.json")).unwrap();
    assert!(search.contains("Encore un mot."), "{search}");
    assert!(
        !fs::read_to_string(root.join("dist/search_index.json"))
            .unwrap()
            .contains("Encore")
    );
}

#[test]
fn a_new_translation_takes_a_full_build() {
    let dir = site("multilingual");
    let root = dir.path();
    let state = kept(root);
    let new = root.join("content/blog/only-english.fr.md");
    fs::write(
        &new,
        "+++\ntitle = \"Seulement en anglais\"\ndate = 2024-04-01\n+++\nPlus maintenant.\n",
    )
    .unwrap();
    let why = state.update(std::slice::from_ref(&new)).unwrap_err();
    assert!(!why.is_empty());
}

/// Polls `done` for up to 10 s.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// `serve` watching a bilingual site: a French body edit (the fast path),
/// a French title edit and a new translation (full builds) each show in
/// both languages' pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_rebuilds_translations_as_they_change() {
    let dir = site("multilingual");
    let root = dir.path().to_owned();
    let mut serve = letterbox::serve::ServeOptions::new(&root);
    serve.port = 0;
    serve.quiet = true;
    let server = letterbox::serve::start(serve).await.unwrap();
    let origin = server.url.trim_end_matches('/').to_owned();
    let read = |rel: &str| fs::read_to_string(root.join("dist").join(rel)).unwrap_or_default();
    assert!(read("fr/blog/hello/index.html").contains(&hello_translations(&origin)));

    // A body edit: the French page again, its links intact.
    let hello_fr = root.join("content/blog/hello.fr.md");
    append(&hello_fr, "\nModifié en direct.\n");
    wait_for("the French edit", || {
        read("fr/blog/hello/index.html").contains("<p>Modifié en direct.</p>")
    });
    assert_eq!(server.build_error(), None);
    let fr = read("fr/blog/hello/index.html");
    assert!(fr.contains(&hello_translations(&origin)), "{fr}");
    assert!(fr.contains("<p class=\"more\">Lire la suite</p>"), "{fr}");

    // A new title: both languages' translation links name it.
    let text = fs::read_to_string(&hello_fr).unwrap();
    fs::write(&hello_fr, text.replace("\"Bonjour\"", "\"Salut\"")).unwrap();
    let renamed = hello_translations(&origin).replace(">Bonjour<", ">Salut<");
    wait_for("the French title on the English page", || {
        read("blog/hello/index.html").contains(&renamed)
    });
    assert!(read("fr/blog/hello/index.html").contains(&renamed));

    // A new translation of a page that had none.
    fs::write(
        root.join("content/blog/only-english.fr.md"),
        "+++\ntitle = \"Plus seulement en anglais\"\ndate = 2024-04-01\n+++\nTraduit.\n",
    )
    .unwrap();
    let both = format!(
        "<ul class=\"translations\">\
         <li><a hreflang=\"en\" href=\"{origin}/blog/only-english/\">Only English</a></li>\
         <li><a hreflang=\"fr\" href=\"{origin}/fr/blog/only-english/\">Plus seulement en anglais</a></li></ul>"
    );
    wait_for("the new translation on the English page", || {
        read("blog/only-english/index.html").contains(&both)
    });
    assert_eq!(server.build_error(), None);
    let new = read("fr/blog/only-english/index.html");
    assert!(
        new.contains(&both) && new.contains("<p>Traduit.</p>"),
        "{new}"
    );
    assert!(read("fr/blog/index.html").contains("Plus seulement en anglais"));
    assert!(read("search_index.fr.json").contains("/fr/blog/only-english/"));
    server.shutdown().await;
    // What serve wrote is what a full build writes (but for the origin).
    let served = tree(&root.join("dist"));
    let fresh = BuildOptions {
        base_url: Some(origin.clone()),
        ..options(&root, "fresh")
    };
    letterbox::build(&fresh).unwrap();
    let full = tree(&root.join("fresh"));
    assert_eq!(
        served.keys().collect::<Vec<_>>(),
        full.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &full {
        assert!(served[path] == *bytes, "{path} differs from a full build");
    }
}
