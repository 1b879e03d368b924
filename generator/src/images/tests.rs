#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn sizes_for_each_op() {
    let orig = (1200, 800);
    let t = |op: &str, w, h| Op::parse(op).unwrap().target(w, h, orig);
    assert_eq!(t("scale", Some(100), Some(100)), Ok((100, 100)));
    assert_eq!(t("fit_width", Some(600), None), Ok((600, 400)));
    assert_eq!(t("fit_height", None, Some(200)), Ok((300, 200)));
    assert_eq!(t("fit", Some(300), Some(300)), Ok((300, 200)));
    assert_eq!(t("fit", Some(2000), Some(2000)), Ok((1200, 800)));
    assert_eq!(t("fill", Some(50), Some(80)), Ok((50, 80)));
    assert!(
        t("fill", Some(50), None)
            .unwrap_err()
            .contains("needs width and height")
    );
    assert!(
        t("fit_width", None, Some(5))
            .unwrap_err()
            .contains("needs width")
    );
    assert!(Op::parse("crop").unwrap_err().contains("unknown op `crop`"));
}

#[test]
fn formats_and_names() {
    let f = |name: &str, from| Format::parse(name, from);
    assert_eq!(f("auto", ImageFormat::Jpeg), Ok(Format::Jpeg));
    assert_eq!(f("auto", ImageFormat::Png), Ok(Format::Png));
    assert_eq!(f("webp", ImageFormat::Png), Ok(Format::WebP));
    assert!(
        f("avif", ImageFormat::Png)
            .unwrap_err()
            .contains("unknown format `avif`")
    );
    let op = |quality| Operation {
        op: Op::Fit,
        size: (10, 20),
        format: Format::Jpeg,
        quality,
    };
    let name = op(Some(75)).file_name("abc");
    assert!(name.ends_with(".jpg") && name.len() == 16 + 4, "{name}");
    assert_eq!(name, op(Some(75)).file_name("abc"));
    assert_ne!(name, op(Some(80)).file_name("abc"));
    assert_ne!(name, op(Some(75)).file_name("abd"));
}

#[test]
fn paths_resolve_as_zola_with_bundles_first() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for file in [
        "content/blog/trip/a.svg",
        "static/a.svg",
        "static/img/b.svg",
        "content/c.svg",
    ] {
        std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
        std::fs::write(root.join(file), r#"<svg viewBox="0 0 4 2"></svg>"#).unwrap();
    }
    let images = Images::new(root);
    let shown = |path: &str, from: &str| images.source(path, from).map(|s| s.shown.clone());
    let bundle = "content/blog/trip/index.md";
    assert_eq!(shown("a.svg", bundle).unwrap(), "content/blog/trip/a.svg");
    assert_eq!(shown("a.svg", "content/x.md").unwrap(), "static/a.svg");
    let translated = "content/blog/trip/index.fr.md";
    assert_eq!(
        shown("a.svg", translated).unwrap(),
        "content/blog/trip/a.svg"
    );
    assert_eq!(shown("/a.svg", bundle).unwrap(), "static/a.svg");
    assert_eq!(shown("img/b.svg", bundle).unwrap(), "static/img/b.svg");
    assert_eq!(shown("c.svg", bundle).unwrap(), "content/c.svg");
    assert_eq!(
        shown("@/blog/trip/a.svg", "templates/x.html").unwrap(),
        "content/blog/trip/a.svg"
    );
    let missing = shown("nope.png", bundle).unwrap_err();
    assert!(
        missing.contains("no image `nope.png`")
            && missing.contains("content/blog/trip/nope.png, static/nope.png, content/nope.png"),
        "{missing}"
    );
    assert!(shown("../secret.png", bundle).unwrap_err().contains("`..`"));
    let svg = images.source("c.svg", "").unwrap();
    assert_eq!((svg.width, svg.height), (4, 2));
    assert_eq!(format_and_mime(&svg), ("svg", "image/svg+xml"));
    let resized = images.resize("c.svg", (Some(2), None), "fit_width", "auto", None, "");
    assert!(resized.unwrap_err().contains("is an SVG"));
}
