#![allow(clippy::unwrap_used)]

use super::ops::is_lossy_and_opaque;
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
fn lossy_sources_are_told_by_their_bytes() {
    let webp = |chunks: &[(&[u8; 4], usize)]| {
        let mut bytes = b"RIFF\0\0\0\0WEBP".to_vec();
        for (fourcc, size) in chunks {
            bytes.extend_from_slice(*fourcc);
            bytes.extend_from_slice(&(*size as u32).to_le_bytes());
            bytes.resize(bytes.len() + size + size % 2, 0);
        }
        bytes
    };
    let lossy = |bytes: &[u8]| is_lossy_and_opaque(ImageFormat::WebP, bytes);
    assert!(lossy(&webp(&[(b"VP8 ", 21)])));
    assert!(lossy(&webp(&[(b"VP8X", 10), (b"EXIF", 3), (b"VP8 ", 8)])));
    assert!(!lossy(&webp(&[(b"VP8L", 13)])));
    assert!(!lossy(&webp(&[
        (b"VP8X", 10),
        (b"ALPH", 12),
        (b"VP8 ", 24)
    ])));
    // Cut short, or sizes past the end: not lossy, and no panic.
    assert!(!lossy(b"RIFF"));
    let mut huge = webp(&[(b"EXIF", 0)]);
    huge[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    huge.extend_from_slice(b"VP8 \0\0\0\0");
    assert!(!lossy(&huge));
    assert!(is_lossy_and_opaque(ImageFormat::Jpeg, b""));
    assert!(!is_lossy_and_opaque(ImageFormat::Png, b""));
}

#[test]
fn formats_and_names() {
    let f = |name: &str, lossy| Format::parse(name, lossy);
    assert_eq!(f("auto", true), Ok(Format::Jpeg));
    assert_eq!(f("auto", false), Ok(Format::Png));
    assert_eq!(f("webp", false), Ok(Format::WebP));
    assert_eq!(f("png", true), Ok(Format::Png));
    assert!(
        f("avif", false)
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
