//! `resize_image`, `get_image_metadata`, the processed-image cache and the
//! built-in `figure` with `widths`: outputs are decoded and measured.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::Cursor;
use std::path::Path;

use image::{ImageFormat, RgbImage, RgbaImage};
use letterbox::{BuildOptions, BuildSummary, build};

/// A `width` × `height` test picture (gradients) encoded as `format`.
pub fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    let pixel = |x: u32, y: u32| [(x * 255 / width) as u8, (y * 255 / height) as u8, 128];
    if format == ImageFormat::Png {
        let image = RgbaImage::from_fn(width, height, |x, y| {
            let [r, g, b] = pixel(x, y);
            image::Rgba([r, g, b, 200])
        });
        image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
    } else {
        let image = RgbImage::from_fn(width, height, |x, y| image::Rgb(pixel(x, y)));
        image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
    }
    bytes
}

/// A 1×1 lossy WebP (a `VP8 ` chunk): the image crate encodes only
/// lossless ones.
const LOSSY_WEBP: [u8; 42] = [
    82, 73, 70, 70, 34, 0, 0, 0, 87, 69, 66, 80, 86, 80, 56, 32, 22, 0, 0, 0, 48, 1, 0, 157, 1, 42,
    1, 0, 1, 0, 14, 192, 254, 37, 164, 0, 3, 112, 0, 0, 0, 0,
];

/// A 1×1 lossy WebP with an alpha channel (`VP8X`, `ALPH`, `VP8 `).
const TRANSPARENT_LOSSY_WEBP: [u8; 82] = [
    82, 73, 70, 70, 74, 0, 0, 0, 87, 69, 66, 80, 86, 80, 56, 88, 10, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 65, 76, 80, 72, 12, 0, 0, 0, 17, 7, 16, 17, 253, 15, 68, 68, 255, 3, 0, 0, 86, 80, 56,
    32, 24, 0, 0, 0, 20, 1, 0, 157, 1, 42, 1, 0, 1, 0, 0, 0, 254, 0, 0, 13, 192, 0, 254, 230, 181,
    0, 0, 0,
];

fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// A site with a 400×300 JPEG in `static/`, a 300×400 PNG in a page
/// bundle and `templates/page.html` as given.
fn site(page_template: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "site.toml",
        "title = \"Images\"\nbase_url = \"https://example.org/sub/\"\n",
    );
    write(
        root,
        "static/img/photo.jpg",
        picture(400, 300, ImageFormat::Jpeg),
    );
    write(
        root,
        "content/trip/index.md",
        "+++\ntitle = \"Trip\"\n+++\nText\n",
    );
    write(
        root,
        "content/trip/tall.png",
        picture(300, 400, ImageFormat::Png),
    );
    write(root, "content/trip/lossy.webp", LOSSY_WEBP);
    write(root, "content/trip/clear.webp", TRANSPARENT_LOSSY_WEBP);
    write(
        root,
        "content/trip/lossless.webp",
        picture(40, 30, ImageFormat::WebP),
    );
    write(
        root,
        "content/trip/logo.svg",
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60"></svg>"#,
    );
    write(root, "templates/page.html", page_template);
    dir
}

fn built(root: &Path) -> BuildSummary {
    build(&BuildOptions::new(root)).unwrap_or_else(|e| panic!("{e}"))
}

fn failed(root: &Path) -> String {
    build(&BuildOptions::new(root)).unwrap_err().to_string()
}

/// Decodes `dist/<static_path>`: its format and size.
fn decoded(root: &Path, static_path: &str) -> (ImageFormat, u32, u32) {
    let bytes = fs::read(root.join("dist").join(static_path)).unwrap();
    let format = image::guess_format(&bytes).unwrap();
    let image = image::load_from_memory(&bytes).unwrap();
    (format, image.width(), image.height())
}

#[test]
fn each_op_and_format_gives_the_asked_size() {
    let calls = [
        // (call arguments, format, width, height)
        (
            r#"path="img/photo.jpg", width=100, height=100, op="scale""#,
            ImageFormat::Jpeg,
            100,
            100,
        ),
        (
            r#"path="/img/photo.jpg", width=200, op="fit_width""#,
            ImageFormat::Jpeg,
            200,
            150,
        ),
        (
            r#"path="img/photo.jpg", height=60, op="fit_height", format="png""#,
            ImageFormat::Png,
            80,
            60,
        ),
        (
            r#"path="img/photo.jpg", width=100, height=100, op="fit", format="webp""#,
            ImageFormat::WebP,
            100,
            75,
        ),
        (
            r#"path="img/photo.jpg", width=1000, height=1000, op="fit", format="jpg", quality=90"#,
            ImageFormat::Jpeg,
            400,
            300,
        ),
        (
            r#"path="img/photo.jpg", width=50, height=80"#,
            ImageFormat::Jpeg,
            50,
            80,
        ),
        (
            r#"path="tall.png", width=30, height=30, op="fill""#,
            ImageFormat::Png,
            30,
            30,
        ),
        (
            r#"path="@/trip/tall.png", width=150, op="fit_width", format="auto""#,
            ImageFormat::Png,
            150,
            200,
        ),
        (
            r#"path="tall.png", width=64, height=64, op="fit", format="webp""#,
            ImageFormat::WebP,
            48,
            64,
        ),
        (
            r#"path="tall.png", width=64, height=48, op="scale", format="jpg""#,
            ImageFormat::Jpeg,
            64,
            48,
        ),
        (
            r#"path="tall.png", width=20, height=60, op="fill", format="jpg""#,
            ImageFormat::Jpeg,
            20,
            60,
        ),
        (
            r#"path="img/photo.jpg", width=120, height=40, op="fill", format="webp""#,
            ImageFormat::WebP,
            120,
            40,
        ),
        // `auto` for WebP sources: a photograph (lossy, opaque) becomes a
        // JPEG; a lossless or transparent one a PNG.
        (
            r#"path="lossy.webp", width=1, height=1, op="scale""#,
            ImageFormat::Jpeg,
            1,
            1,
        ),
        (
            r#"path="lossless.webp", width=20, op="fit_width""#,
            ImageFormat::Png,
            20,
            15,
        ),
        (
            r#"path="clear.webp", width=1, height=1, op="scale""#,
            ImageFormat::Png,
            1,
            1,
        ),
    ];
    let template: String = calls
        .iter()
        .map(|(args, ..)| {
            format!(
                "{{% set i = resize_image({args}) %}}[{{{{ i.static_path }}}} {{{{ i.url }}}} {{{{ i.width }}}}x{{{{ i.height }}}} of {{{{ i.orig_width }}}}x{{{{ i.orig_height }}}}]\n"
            )
        })
        .collect();
    let dir = site(&template);
    let summary = built(dir.path());
    assert_eq!(
        (summary.images, summary.images_encoded),
        (calls.len(), calls.len())
    );
    let html = fs::read_to_string(dir.path().join("dist/trip/index.html")).unwrap();
    let lines: Vec<&str> = html.lines().collect();
    assert_eq!(lines.len(), calls.len(), "{html}");
    for ((args, format, width, height), line) in calls.iter().zip(lines) {
        let fields: Vec<&str> = line.trim_matches(['[', ']']).split(' ').collect();
        let [static_path, url, size, "of", orig] = fields.as_slice() else {
            panic!("{line}");
        };
        assert!(static_path.starts_with("processed_images/"), "{line}");
        assert_eq!(*url, format!("/sub/{static_path}"));
        assert_eq!(*size, format!("{width}x{height}"), "{args}");
        let expected_orig = match args {
            _ if args.contains("tall") => "300x400",
            _ if args.contains("lossless") => "40x30",
            _ if args.contains("lossy.webp") || args.contains("clear.webp") => "1x1",
            _ => "400x300",
        };
        assert_eq!(*orig, expected_orig);
        assert_eq!(
            decoded(dir.path(), static_path),
            (*format, *width, *height),
            "{args}"
        );
    }
}

#[test]
fn metadata_of_raster_and_svg_images() {
    let dir = site(
        r#"{% for p in ["img/photo.jpg", "tall.png", "logo.svg"] %}{% set m = get_image_metadata(path=p) %}{{ m.width }}x{{ m.height }} {{ m.format }} {{ m.mime }};{% endfor %}"#,
    );
    write(
        dir.path(),
        "static/img/photo.jpg",
        picture(40, 30, ImageFormat::WebP),
    );
    built(dir.path());
    let html = fs::read_to_string(dir.path().join("dist/trip/index.html")).unwrap();
    // The bytes decide the format, not the name.
    assert_eq!(
        html.trim(),
        "40x30 webp image/webp;300x400 png image/png;120x60 svg image/svg+xml;"
    );
}

#[test]
fn missing_undecodable_and_bad_arguments_name_the_template_and_line() {
    let cases = [
        (
            r#"path="img/nope.jpg", width=10"#,
            "resize_image: no image `img/nope.jpg` (looked for content/trip/img/nope.jpg, static/img/nope.jpg, content/img/nope.jpg)",
        ),
        (
            r#"path="img/bad.png", width=10"#,
            "resize_image: static/img/bad.png is not an image it can read",
        ),
        (
            r#"path="img/photo.jpg", width=10, op="crop""#,
            "resize_image: unknown op `crop` (ops: scale, fit_width, fit_height, fit, fill)",
        ),
        (
            r#"path="img/photo.jpg", width=10, height=10, format="avif""#,
            "resize_image: unknown format `avif` (formats: auto, jpg, png, webp)",
        ),
        (
            r#"path="img/photo.jpg", op="fit_width""#,
            "resize_image: op `fit_width` needs width",
        ),
        (
            r#"path="img/photo.jpg", width=10, height=10, quality=0"#,
            "resize_image: quality 0 is not within 1 to 100",
        ),
    ];
    for (args, message) in cases {
        let dir = site(&format!(
            "line one\n{{% set i = resize_image({args}) %}}{{{{ i.url }}}}\n"
        ));
        write(dir.path(), "static/img/bad.png", "not a picture at all");
        let err = failed(dir.path());
        assert!(
            err.contains("templates/page.html:2:") && err.contains(message),
            "{args}: {err}"
        );
        assert!(
            err.contains("(while rendering content/trip/index.md)"),
            "{err}"
        );
    }
    // In a shortcode, the call in the page is the place.
    let dir = site("{{ page.content | safe }}");
    write(
        dir.path(),
        "content/trip/index.md",
        "+++\ntitle = \"Trip\"\n+++\nText\n\n{{ figure(src=\"gone.jpg\", widths=[100]) }}\n",
    );
    let err = failed(dir.path());
    assert!(
        err.contains("content/trip/index.md:6: shortcode `figure`: template error: get_image_metadata: no image `gone.jpg`"),
        "{err}"
    );
}

#[test]
fn a_source_that_cannot_be_decoded_past_its_header_names_the_page() {
    let dir = site(
        r#"{% set i = resize_image(path="img/photo.jpg", width=10, op="fit_width") %}{{ i.url }}"#,
    );
    let mut bytes = picture(400, 300, ImageFormat::Png);
    bytes.truncate(bytes.len() / 2);
    write(dir.path(), "static/img/photo.jpg", bytes);
    let err = failed(dir.path());
    assert!(
        err.contains("content/trip/index.md: static/img/photo.jpg cannot be decoded"),
        "{err}"
    );
}

fn cached(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(root.join(".letterbox/images"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_cache_encodes_only_what_is_missing_and_prunes_the_unused() {
    let two = r#"{% set a = resize_image(path="img/photo.jpg", width=100, op="fit_width") %}{% set b = resize_image(path="tall.png", width=10, height=10) %}{{ a.url }} {{ b.url }}"#;
    let dir = site(two);
    let root = dir.path();
    let first = built(root);
    assert_eq!((first.images, first.images_encoded), (2, 2));
    assert!(
        first.to_string().ends_with(" (2 images, 2 encoded)"),
        "{first}"
    );
    let names = cached(root);
    assert_eq!(names.len(), 2);
    let again = built(root);
    assert_eq!((again.images, again.images_encoded), (2, 0));
    assert_eq!(cached(root), names);
    // A removed cached file is encoded again, and only it.
    fs::remove_file(root.join(".letterbox/images").join(&names[0])).unwrap();
    assert_eq!(built(root).images_encoded, 1);
    // Another source's bytes are another name; the unused one is pruned.
    write(
        root,
        "static/img/photo.jpg",
        picture(400, 300, ImageFormat::Png),
    );
    let changed = built(root);
    assert_eq!((changed.images, changed.images_encoded), (2, 1));
    let now = cached(root);
    assert_eq!(now.len(), 2);
    assert!(now.contains(&names[1]) != now.contains(&names[0]));
    assert_eq!(
        fs::read_dir(root.join("dist/processed_images"))
            .unwrap()
            .count(),
        2
    );
    // A failed build prunes nothing.
    write(
        root,
        "templates/page.html",
        format!("{two}{{{{ nope() }}}}"),
    );
    failed(root);
    assert_eq!(cached(root), now);
}

#[test]
fn figure_with_widths_gives_srcset_sizes_and_intrinsic_size() {
    let dir = site("{{ page.content | safe }}");
    let root = dir.path();
    write(
        root,
        "content/trip/wide.jpg",
        picture(2000, 1000, ImageFormat::Jpeg),
    );
    write(
        root,
        "content/trip/index.md",
        concat!(
            "+++\ntitle = \"Trip\"\n+++\n",
            "{{ figure(src=\"wide.jpg\", alt=\"Wide\", widths=[480, 960, 1600]) }}\n\n",
            "{{ figure(src=\"tall.png\", widths=[200, 480], format=\"webp\", sizes=\"50vw\") }}\n\n",
            "{{ figure(src=\"logo.svg\", widths=[480]) }}\n",
        ),
    );
    let summary = built(root);
    assert_eq!(summary.images, 5);
    let html = fs::read_to_string(root.join("dist/trip/index.html")).unwrap();
    let srcsets: Vec<&str> = html
        .split("srcset=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(srcsets.len(), 2, "{html}");
    let entries: Vec<(&str, &str)> = srcsets[0]
        .split(", ")
        .map(|e| e.split_once(' ').unwrap())
        .collect();
    assert_eq!(
        entries.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
        ["480w", "960w", "1600w"]
    );
    for ((url, w), height) in entries.iter().zip([240, 480, 800]) {
        let width: u32 = w.trim_end_matches('w').parse().unwrap();
        let path = url.trim_start_matches("/sub/");
        assert_eq!(decoded(root, path), (ImageFormat::Jpeg, width, height));
    }
    assert!(
        html.contains(&format!(
            r#"<img src="{}" srcset="{}" sizes="(min-width: 1600px) 1600px, 100vw" alt="Wide" width="1600" height="800" loading="lazy" decoding="async">"#,
            entries[2].0, srcsets[0]
        )),
        "{html}"
    );
    // Narrower than a width: once at its own size.
    let tall: Vec<&str> = srcsets[1].split(", ").collect();
    assert_eq!(tall.len(), 2, "{html}");
    assert!(
        tall[0].ends_with(".webp 200w") && tall[1].ends_with(".webp 300w"),
        "{html}"
    );
    assert!(
        html.contains(r#"sizes="50vw" alt="" width="300" height="400""#),
        "{html}"
    );
    // SVG: no resizing, its size from the viewBox.
    assert!(
        html.contains(r#"<img src="logo.svg" alt="" width="120" height="60" loading="lazy">"#),
        "{html}"
    );
}
