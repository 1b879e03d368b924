//! Content-site features on the `features` fixture: taxonomies, pagination,
//! feeds, sitemap, robots.txt, search index, word count / reading time and
//! previous / next links.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use letterbox::{BuildOptions, build};
use quick_xml::events::Event;
use tempfile::TempDir;

mod common;
use common::{copy_dir, fixture};

fn site() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("features"), dir.path());
    dir
}

fn built() -> TempDir {
    let dir = site();
    build(&BuildOptions::new(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    dir
}

fn read(root: &Path, rel: &str) -> String {
    let path = root.join("dist").join(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn exists(root: &Path, rel: &str) -> bool {
    root.join("dist").join(rel).is_file()
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

/// A parsed XML element: name, attributes, text, children.
#[derive(Debug, Default, Clone)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<El>,
}

impl El {
    fn all(&self, name: &str) -> Vec<&El> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
    fn one(&self, name: &str) -> &El {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no <{name}> in <{}>", self.name))
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a whole document with quick-xml (failing on malformed XML) into
/// a tree, unescaping text and attributes.
fn parse_xml(text: &str) -> El {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack = vec![El::default()];
    let element = |e: &quick_xml::events::BytesStart<'_>| El {
        name: e.name().as_ref().to_owned(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect(),
        ..El::default()
    };
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("bad XML: {e}\n{text}"))
        {
            Event::Start(e) => stack.push(element(&e)),
            Event::Empty(e) => {
                let el = element(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(el);
            }
            Event::Text(t) => {
                let t = t.xml10_content();
                stack.last_mut().unwrap().text.push_str(&t);
            }
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().unwrap() {
                    stack.last_mut().unwrap().text.push(c);
                    continue;
                }
                let name = r.into_inner();
                let c = match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity &{other};"),
                };
                stack.last_mut().unwrap().text.push_str(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one root element");
    root.children.pop().unwrap()
}

#[test]
fn taxonomy_list_and_term_pages() {
    let dir = built();
    let root = dir.path();
    let list = read(root, "tags/index.html");
    // Terms sorted by name, with counts; "Rust" and "rust" are one term.
    assert!(
        list.contains(
            "<a class=\"tag\" href=\"/tags/rust/\">Rust</a> <span class=\"meta\">3 posts</span>"
        ),
        "{list}"
    );
    assert!(
        list.contains(
            "<a class=\"tag\" href=\"/tags/web/\">Web</a> <span class=\"meta\">3 posts</span>"
        ),
        "{list}"
    );
    assert!(list.find("/tags/rust/") < list.find("/tags/web/"), "{list}");
    // Term pages newest first; tags paginate by 2.
    let rust = read(root, "tags/rust/index.html");
    let (four, two) = (rust.find(">Four<").unwrap(), rust.find(">Two<").unwrap());
    assert!(four < two, "{rust}");
    assert!(!rust.contains(">One<"), "{rust}");
    assert!(
        rust.contains("<span aria-current=\"page\">1</span>"),
        "{rust}"
    );
    assert!(rust.contains("href=\"/tags/rust/page/2/\""), "{rust}");
    assert!(rust.contains("href=\"/tags/rust/atom.xml\""), "{rust}");
    let rust2 = read(root, "tags/rust/page/2/index.html");
    assert!(
        rust2.contains(">One<") && !rust2.contains(">Four<"),
        "{rust2}"
    );
    assert!(
        rust2.contains("rel=\"prev\" href=\"/tags/rust/\""),
        "{rust2}"
    );
    assert!(read(root, "tags/rust/page/1/index.html").contains("url=/tags/rust/"));
    // A declared taxonomy from `[taxonomies]` front matter, without feeds.
    let guides = read(root, "categories/guides/index.html");
    assert!(guides.contains(">One<"), "{guides}");
    assert!(exists(root, "categories/index.html"));
    assert!(!exists(root, "categories/guides/atom.xml"));
}

#[test]
fn pages_link_their_terms() {
    let dir = built();
    let one = read(dir.path(), "blog/one/index.html");
    assert_eq!(class_text(&one, "tags"), "<li><a href=\"/tags/rust/\">Rust");
    assert!(
        one.contains("<li><a href=\"/tags/web/\">Web</a></li>"),
        "{one}"
    );
    assert!(
        one.contains("<a href=\"/categories/guides/\">Guides</a>"),
        "{one}"
    );
    assert_eq!(class_text(&one, "rust-url"), "/tags/rust/");
    // The summary is what comes before `<!-- more -->`.
    assert!(
        class_text(&one, "summary").starts_with("<p>First summary here."),
        "{one}"
    );
    let five = read(dir.path(), "blog/five/index.html");
    assert_eq!(class_text(&five, "tags"), "");
}

#[test]
fn word_count_reading_time_and_neighbours() {
    let dir = built();
    let root = dir.path();
    // 3 words of summary + 246 = 249 words: 2 minutes at 200 wpm.
    let one = read(root, "blog/one/index.html");
    assert_eq!(class_text(&one, "stats"), "249 words, 2 min");
    let two = read(root, "blog/two/index.html");
    assert_eq!(class_text(&two, "stats"), "2 words, 1 min");
    // Date order, newest first: higher is newer, lower is older.
    let three = read(root, "blog/three/index.html");
    assert_eq!(class_text(&three, "higher"), "Four|/blog/four/");
    assert_eq!(class_text(&three, "lower"), "Two|/blog/two/");
    assert_eq!(class_text(&one, "lower"), "-");
    let five = read(root, "blog/five/index.html");
    assert_eq!(class_text(&five, "higher"), "-");
    // The home section's only page has no neighbours.
    let about = read(root, "about/index.html");
    assert_eq!(class_text(&about, "higher"), "-");
    assert_eq!(class_text(&about, "lower"), "-");
}

#[test]
fn section_pagination() {
    let dir = built();
    let root = dir.path();
    let p1 = read(root, "blog/index.html");
    assert_eq!(
        class_text(&p1, "pager"),
        "1/3/5/2/-//blog/page/2///blog///blog/page/3/"
    );
    assert_eq!(class_text(&p1, "list"), "<li>Five");
    assert!(p1.contains("<li>Five</li><li>Four</li></ul>"), "{p1}");
    assert_eq!(
        class_text(&p1, "pagers"),
        "1=/blog/;2=/blog/page/2/;3=/blog/page/3/;"
    );
    let p2 = read(root, "blog/page/2/index.html");
    assert_eq!(
        class_text(&p2, "pager"),
        "2/3/5/2//blog///blog/page/3///blog///blog/page/3/"
    );
    assert!(
        p2.contains("<li>&lt;Three&gt; &amp; Co</li><li>Two</li></ul>"),
        "{p2}"
    );
    let p3 = read(root, "blog/page/3/index.html");
    assert!(p3.contains("<li>One</li></ul>"), "{p3}");
    assert!(class_text(&p3, "pager").contains("/-//blog//"), "{p3}");
    assert!(!exists(root, "blog/page/4/index.html"));
    // Page 1 redirects to the section.
    let alias = read(root, "blog/page/1/index.html");
    assert!(alias.contains("url=/blog/"), "{alias}");
    // An unpaginated section gets `paginator` = none.
    assert_eq!(class_text(&read(root, "index.html"), "pager"), "none");
    // get_taxonomy: the taxonomy with its terms, for a tag cloud.
    assert_eq!(
        class_text(&read(root, "index.html"), "cloud"),
        "/tags/:Rust=3@/tags/rust/;Web=3@/tags/web/;"
    );
}

#[test]
fn site_feeds_are_valid_and_limited() {
    let dir = built();
    let root = dir.path();
    let atom = parse_xml(&read(root, "atom.xml"));
    assert_eq!(atom.name, "feed");
    assert_eq!(atom.attr("xmlns"), Some("http://www.w3.org/2005/Atom"));
    assert_eq!(atom.one("title").text, "Feat & Co");
    assert_eq!(atom.one("subtitle").text, "Testing <features>");
    assert_eq!(atom.one("id").text, "https://example.org/atom.xml");
    // feed_limit = 3: the three newest, newest first.
    let entries = atom.all("entry");
    let titles: Vec<&str> = entries
        .iter()
        .map(|e| e.one("title").text.as_str())
        .collect();
    assert_eq!(titles, ["Five", "Four", "<Three> & Co"]);
    assert_eq!(atom.one("updated").text, "2024-05-01T00:00:00Z");
    let three = entries[2];
    assert_eq!(
        three.one("link").attr("href"),
        Some("https://example.org/blog/three/")
    );
    assert_eq!(three.one("published").text, "2024-03-01T00:00:00Z");
    assert_eq!(
        three.one("content").text,
        "<p>Third post with <em>markup</em> &amp; an ampersand.</p>\n"
    );
    assert_eq!(three.one("category").attr("term"), Some("Web"));
    assert_eq!(entries[1].one("updated").text, "2024-04-01T10:00:00Z");

    let rss = parse_xml(&read(root, "rss.xml"));
    assert_eq!(rss.name, "rss");
    let channel = rss.one("channel");
    assert_eq!(channel.one("link").text, "https://example.org/");
    let items = channel.all("item");
    assert_eq!(items.len(), 3);
    assert_eq!(
        items[0].one("pubDate").text,
        "Wed, 01 May 2024 00:00:00 +0000"
    );
    assert_eq!(items[2].one("guid").text, "https://example.org/blog/three/");
}

#[test]
fn section_and_term_feeds() {
    let dir = built();
    let root = dir.path();
    let blog = parse_xml(&read(root, "blog/atom.xml"));
    assert_eq!(blog.one("title").text, "Blog");
    assert_eq!(blog.all("entry").len(), 3);
    let link = blog
        .all("link")
        .into_iter()
        .find(|l| l.attr("rel") == Some("alternate"))
        .unwrap();
    assert_eq!(link.attr("href"), Some("https://example.org/blog/"));
    assert!(exists(root, "blog/rss.xml"));
    // The home section has no generate_feeds.
    assert!(!exists(root, "blog/page/2/atom.xml"));

    let rust = parse_xml(&read(root, "tags/rust/atom.xml"));
    assert_eq!(rust.one("title").text, "Rust – Feat & Co");
    let titles: Vec<String> = rust
        .all("entry")
        .iter()
        .map(|e| e.one("title").text.clone())
        .collect();
    assert_eq!(titles, ["Four", "Two", "One"]);
    // Two's last change is its `updated` date.
    assert_eq!(rust.one("updated").text, "2024-04-01T10:00:00Z");
    let two = rust.all("entry")[1];
    assert_eq!(two.one("updated").text, "2024-03-05T00:00:00Z");
    // One has a summary, sent as HTML.
    let one = rust.all("entry")[2];
    assert_eq!(one.one("summary").attr("type"), Some("html"));
    assert!(!exists(root, "tags/rust/rss.xml"));
    // Undated pages are on the term page (last) but not in its feed.
    let web = read(root, "tags/web/page/2/index.html");
    assert!(web.contains(">About<"), "{web}");
    let web = parse_xml(&read(root, "tags/web/atom.xml"));
    let titles: Vec<&str> = web
        .all("entry")
        .iter()
        .map(|e| e.one("title").text.as_str())
        .collect();
    assert_eq!(titles, ["<Three> & Co", "One"]);
}

#[test]
fn sitemap_lists_everything_with_lastmod() {
    let dir = built();
    let sitemap = parse_xml(&read(dir.path(), "sitemap.xml"));
    assert_eq!(
        sitemap.attr("xmlns"),
        Some("http://www.sitemaps.org/schemas/sitemap/0.9")
    );
    let urls: Vec<(String, Option<String>)> = sitemap
        .all("url")
        .iter()
        .map(|u| {
            (
                u.one("loc").text.clone(),
                u.all("lastmod").first().map(|l| l.text.clone()),
            )
        })
        .collect();
    let get = |loc: &str| {
        urls.iter()
            .find(|(l, _)| l == loc)
            .unwrap_or_else(|| panic!("{loc} not in {urls:?}"))
            .1
            .clone()
    };
    assert_eq!(get("https://example.org/"), None);
    assert_eq!(
        get("https://example.org/blog/").as_deref(),
        Some("2024-05-01T00:00:00Z")
    );
    assert_eq!(
        get("https://example.org/blog/two/").as_deref(),
        Some("2024-03-05T00:00:00Z")
    );
    assert_eq!(get("https://example.org/about/"), None);
    assert_eq!(
        get("https://example.org/tags/rust/").as_deref(),
        Some("2024-04-01T10:00:00Z")
    );
    get("https://example.org/tags/");
    get("https://example.org/categories/guides/");
    // 2 sections + 6 pages + 2 taxonomies with 2 + 1 terms.
    assert_eq!(urls.len(), 2 + 6 + 2 + 3, "{urls:?}");
    assert!(!urls.iter().any(|(l, _)| l.contains("/page/")), "{urls:?}");
}

#[test]
fn robots_txt_default_template_and_static_override() {
    let dir = built();
    assert_eq!(
        read(dir.path(), "robots.txt"),
        "User-agent: *\nDisallow:\nAllow: /\nSitemap: https://example.org/sitemap.xml\n"
    );

    let dir = site();
    fs::write(
        dir.path().join("templates/robots.txt"),
        "User-agent: *\nDisallow: /private/\nSitemap: {{ sitemap_url }}\n# {{ config.title }}\n",
    )
    .unwrap();
    build(&BuildOptions::new(dir.path())).unwrap();
    assert_eq!(
        read(dir.path(), "robots.txt"),
        "User-agent: *\nDisallow: /private/\nSitemap: https://example.org/sitemap.xml\n# Feat & Co\n"
    );

    fs::create_dir_all(dir.path().join("static")).unwrap();
    fs::write(dir.path().join("static/robots.txt"), "User-agent: *\n").unwrap();
    build(&BuildOptions::new(dir.path())).unwrap();
    assert_eq!(read(dir.path(), "robots.txt"), "User-agent: *\n");
}

#[test]
fn search_index_json() {
    let dir = built();
    let index: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "search_index.json")).unwrap();
    let items = index.as_array().unwrap();
    assert_eq!(items.len(), 6);
    let about = items.iter().find(|i| i["url"] == "/about/").unwrap();
    assert_eq!(about["title"], "About");
    assert_eq!(about["description"], "Who we are");
    assert_eq!(about["text"], "About AT&T and bold claims.");
    let three = items.iter().find(|i| i["url"] == "/blog/three/").unwrap();
    assert_eq!(three["title"], "<Three> & Co");
    assert_eq!(three["text"], "Third post with markup & an ampersand.");
    let one = items.iter().find(|i| i["url"] == "/blog/one/").unwrap();
    let text = one["text"].as_str().unwrap();
    assert!(text.starts_with("First summary here. word word"), "{text}");
    assert!(!text.contains('<'), "{text}");

    // Off unless asked for.
    let dir = site();
    let config = dir.path().join("site.toml");
    let text = fs::read_to_string(&config)
        .unwrap()
        .replace("build_search_index = true", "")
        .replace("generate_feeds = true", "");
    fs::write(&config, text).unwrap();
    build(&BuildOptions::new(dir.path())).unwrap();
    assert!(!exists(dir.path(), "search_index.json"));
    assert!(!exists(dir.path(), "atom.xml"));
    assert!(!exists(dir.path(), "rss.xml"));
    assert!(
        exists(dir.path(), "blog/atom.xml"),
        "the section still asks"
    );
}

fn build_errors(dir: &Path) -> String {
    build(&BuildOptions::new(dir)).unwrap_err().to_string()
}

#[test]
fn undeclared_taxonomy_and_bad_paginate_by_name_file_and_line() {
    let dir = site();
    fs::write(
        dir.path().join("content/blog/six.md"),
        "+++\ntitle = \"Six\"\n\n[taxonomies]\nseries = [\"X\"]\n+++\n",
    )
    .unwrap();
    let e = build_errors(dir.path());
    assert!(
        e.contains("content/blog/six.md:5: taxonomy `series` is not declared"),
        "{e}"
    );

    let dir = site();
    fs::write(
        dir.path().join("content/blog/_index.md"),
        "+++\ntitle = \"Blog\"\npaginate_by = 0\n+++\n",
    )
    .unwrap();
    let e = build_errors(dir.path());
    assert!(
        e.contains("content/blog/_index.md:3: paginate_by must be at least 1"),
        "{e}"
    );

    let dir = site();
    let config = dir.path().join("site.toml");
    let text = fs::read_to_string(&config).unwrap() + "\n[[taxonomies]]\nname = \"Tags\"\n";
    fs::write(&config, text).unwrap();
    let e = build_errors(dir.path());
    assert!(e.contains("site.toml:9: "), "{e}");
    assert!(e.contains("would both be at /tags/"), "{e}");
}

#[test]
fn term_page_colliding_with_content_is_an_error() {
    let dir = site();
    fs::create_dir_all(dir.path().join("content/tags/rust")).unwrap();
    fs::write(
        dir.path().join("content/tags/rust/index.md"),
        "+++\ntitle = \"Clash\"\n+++\n",
    )
    .unwrap();
    let e = build_errors(dir.path());
    assert!(e.contains("writes tags/rust/index.html"), "{e}");
}

#[test]
fn starter_site_shows_the_features() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let dir = tempfile::tempdir().unwrap();
    for part in ["content", "templates", "static"] {
        copy_dir(&repo.join(part), &dir.path().join(part));
    }
    fs::copy(repo.join("site.toml"), dir.path().join("site.toml")).unwrap();
    build(&BuildOptions::new(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();

    // Feed discovery and a visible feed link on every page.
    let home = read(root, "index.html");
    assert!(
        home.contains("<link rel=\"alternate\" type=\"application/atom+xml\""),
        "{home}"
    );
    assert!(home.contains("href=\"/atom.xml\">Atom feed</a>"), "{home}");
    parse_xml(&read(root, "atom.xml"));
    parse_xml(&read(root, "rss.xml"));
    parse_xml(&read(root, "sitemap.xml"));
    // The search box sends ?q= to the search page, which loads the script.
    assert!(
        home.contains("action=\"/search/\" method=\"get\""),
        "{home}"
    );
    assert!(!home.contains("<script"), "{home}");
    let search = read(root, "search/index.html");
    assert!(
        search.contains("<script src=\"/search.js\" defer></script>"),
        "{search}"
    );
    assert!(
        search.contains("data-index=\"/search_index.json\""),
        "{search}"
    );
    assert!(exists(root, "search.js"));
    let index: serde_json::Value = serde_json::from_str(&read(root, "search_index.json")).unwrap();
    assert!(index.as_array().unwrap().len() >= 6);
    // Posts link their tags; tag pages list posts and have a feed.
    let post = read(root, "blog/why-static/index.html");
    assert!(
        post.contains("<a class=\"tag\" href=\"/tags/web/\">web</a>"),
        "{post}"
    );
    assert!(post.contains("class=\"post-nav\""), "{post}");
    let tags = read(root, "tags/index.html");
    assert!(tags.contains("href=\"/tags/web/\""), "{tags}");
    let web = read(root, "tags/web/index.html");
    assert!(web.contains("class=\"card\""), "{web}");
    parse_xml(&read(root, "tags/web/atom.xml"));
    // The blog is paginated.
    let blog = read(root, "blog/index.html");
    assert!(blog.contains("class=\"pagination\""), "{blog}");
    assert!(blog.contains("href=\"/blog/page/2/\""), "{blog}");
    assert!(read(root, "blog/page/2/index.html").contains("class=\"card\""));
    assert!(read(root, "robots.txt").contains("Sitemap: https://example.org/sitemap.xml"));
}

#[test]
fn a_sub_path_base_url_reaches_every_link() {
    let dir = site();
    let mut options = BuildOptions::new(dir.path());
    options.base_url = Some("https://example.org/docs/".into());
    build(&options).unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path();
    let p1 = read(root, "blog/index.html");
    assert!(
        class_text(&p1, "pager").contains("-//docs/blog/page/2/"),
        "{p1}"
    );
    assert!(read(root, "blog/page/1/index.html").contains("url=/docs/blog/"));
    let one = read(root, "blog/one/index.html");
    assert_eq!(class_text(&one, "rust-url"), "/docs/tags/rust/");
    assert!(one.contains("href=\"/docs/tags/web/\""), "{one}");
    let atom = parse_xml(&read(root, "atom.xml"));
    assert_eq!(atom.one("id").text, "https://example.org/docs/atom.xml");
    assert_eq!(atom.attr("xml:base"), Some("https://example.org/docs/"));
    let link = atom.all("entry")[0]
        .one("link")
        .attr("href")
        .unwrap()
        .to_owned();
    assert_eq!(link, "https://example.org/docs/blog/five/");
    let sitemap = read(root, "sitemap.xml");
    assert!(
        sitemap.contains("<loc>https://example.org/docs/tags/rust/</loc>"),
        "{sitemap}"
    );
    assert!(read(root, "robots.txt").contains("Sitemap: https://example.org/docs/sitemap.xml"));
    let index = read(root, "search_index.json");
    assert!(index.contains("\"url\":\"/docs/blog/one/\""), "{index}");
}
