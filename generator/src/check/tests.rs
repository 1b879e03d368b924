#![allow(clippy::unwrap_used)]
use super::links::*;
use super::spin::*;
use super::*;
use std::path::Path;

#[test]
fn spin_routes_cover_form_paths() {
    assert!(route_covers("/api/...", "/api/forms/contact"));
    assert!(route_covers("/...", "/api/forms/contact"));
    assert!(route_covers("/api/forms/...", "/api/forms/contact"));
    assert!(route_covers("/api/forms/:name", "/api/forms/contact"));
    assert!(route_covers("/api/forms/contact", "/api/forms/contact"));
    assert!(!route_covers("/api/forms/other", "/api/forms/contact"));
    assert!(!route_covers("/api/auth/...", "/api/forms/contact"));
    assert!(!route_covers("/api", "/api/forms/contact"));
    let routes = spin_routes(
        "[[trigger.http]]\nroute = \"/a/...\"\ncomponent = \"x\"\n\
         [[trigger.http]]\nroute = { private = true }\ncomponent = \"y\"\n",
    )
    .unwrap();
    assert_eq!(routes, vec!["/a/...".to_owned()]);
    assert!(spin_routes("[[trigger.http]\n").is_err());
}

#[test]
fn the_api_component_must_mount_the_manifest() {
    let root = Path::new("/nonexistent");
    let head = "[[trigger.http]]\nroute = \"/api/...\"\ncomponent = \"api\"\n[component.api]\n";
    let mounted = format!(
        "{head}source = \"x.wasm\"\nfiles = [{{ source = \"./.letterbox/\", destination = \"/letterbox\" }}]\n\
         [component.api.build]\ncommand = \"letterbox build\"\n"
    );
    assert_eq!(spin_mount_problems(&mounted, root), []);

    let unmounted = format!("{head}source = \"x.wasm\"\nfiles = [\"static/**\"]\n");
    let problems = spin_mount_problems(&unmounted, root);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0]
            .message
            .contains("does not mount the form manifest")
    );
    assert!(problems[1].message.contains("`x.wasm` does not exist"));

    // Another route's component is none of our business.
    let other = "[[trigger.http]]\nroute = \"/other/...\"\ncomponent = \"o\"\n[component.o]\nsource = \"o.wasm\"\n";
    assert_eq!(spin_mount_problems(other, root), []);
}

#[test]
fn urls_are_classified_and_resolved() {
    assert!(matches!(classify("mailto:a@b.c", ""), Target::Skip));
    assert!(matches!(
        classify("https://example.org/x/", "https://example.org"),
        Target::Internal(p) if p == "/x/"
    ));
    assert!(matches!(
        classify("https://other.org/", "https://example.org"),
        Target::External(_)
    ));
    assert_eq!(
        join_relative("blog/a/index.html", "pic.png"),
        "/blog/a/pic.png"
    );
    assert_eq!(join_relative("blog/a/index.html", "../b/"), "/blog/b/");
    assert_eq!(strip_base("/docs/x/", "/docs"), "/x/");
    assert_eq!(strip_base("/docsx/", "/docs"), "/docsx/");
    assert_eq!(percent_decode("caf%C3%A9"), "café");
    let existing: HashSet<&str> = ["index.html", "a/index.html", "s.css"].into();
    assert_eq!(output_file("/", &existing).as_deref(), Some("index.html"));
    assert_eq!(
        output_file("/a", &existing).as_deref(),
        Some("a/index.html")
    );
    assert_eq!(output_file("/s.css", &existing).as_deref(), Some("s.css"));
    assert_eq!(output_file("/b/", &existing), None);
}

#[test]
fn scans_ids_and_references() {
    let scan = scan_html(
        r##"<h2 id="x">X</h2><a name="old"></a><a href="/a/#x">a</a>
        <img src="/p.png" srcset="/p1.png 1x, /p2.png 2x">
        <link rel="preconnect" href="https://cdn.example"><link rel="stylesheet" href="/s.css">
        <script src="/j.js"></script>"##,
    )
    .unwrap();
    assert!(scan.ids.contains("x") && scan.ids.contains("old"));
    let urls: Vec<&str> = scan.refs.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        urls,
        ["/a/#x", "/p.png", "/p1.png", "/p2.png", "/s.css", "/j.js"]
    );
}

#[test]
fn build_error_locations_are_read_from_the_error() {
    let mut template = Diagnostic::new("templates/page.html", Some(5), "template error: oops");
    template.column = Some(15);
    let problems = build_problems(vec![
        crate::diagnostic::error("content/a.md", Some(3), "broken link"),
        anyhow::Error::new(template),
        anyhow::anyhow!("no place"),
    ]);
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "content/a.md:3: build error: broken link",
            "templates/page.html:5: build error: template error: oops",
            "(build): build error: no place",
        ]
    );
}
