//! Makes test photos (no network, no fixtures): a site of N photo pages for
//! the image benchmark, or one picture.
//!
//! ```sh
//! cargo run --release --example photos -- site DIR N   # DIR: site.toml + N pages, each a 2000×1333 JPEG
//! cargo run --release --example photos -- one FILE W H # one W×H JPEG (a sea and a beach)
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

/// A beach: sky, sea with waves and sand, with a little grain from `seed`
/// so that it compresses like a photo (no two alike).
fn beach(width: u32, height: u32, seed: u64, grain: u32) -> RgbImage {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut noise = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) % u64::from(grain.max(1))) as i32 - (grain / 2) as i32
    };
    let phase = (seed % 97) as f32 / 10.0;
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let wave = 0.02 * (fx * 40.0 + phase).sin() + 0.01 * (fx * 97.0 + fy * 30.0).sin();
        let base = if fy < 0.45 {
            [120.0 + 100.0 * fy, 170.0 + 60.0 * fy, 235.0]
        } else if fy < 0.75 + wave {
            let depth = (fy - 0.45) / 0.3;
            [
                20.0 + 40.0 * depth,
                80.0 + 60.0 * depth,
                150.0 + 30.0 * depth,
            ]
        } else {
            [220.0 - 30.0 * fy, 190.0 - 20.0 * fy, 140.0 - 10.0 * fy]
        };
        let n = if grain > 0 { noise() as f32 } else { 0.0 };
        Rgb(base.map(|c| (c + n).clamp(0.0, 255.0) as u8))
    })
}

fn jpeg(image: &RgbImage, quality: u8, file: &Path) {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(image)
        .unwrap();
    fs::create_dir_all(file.parent().unwrap()).unwrap();
    fs::write(file, bytes).unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| {
        args.get(i)
            .map(String::as_str)
            .expect("see the usage at the top of examples/photos.rs")
    };
    match arg(0) {
        "one" => {
            let (w, h) = (arg(2).parse().unwrap(), arg(3).parse().unwrap());
            jpeg(&beach(w, h, 7, 0), 40, Path::new(arg(1)));
        }
        "site" => {
            let dir = Path::new(arg(1));
            let n: u64 = arg(2).parse().unwrap();
            fs::create_dir_all(dir.join("content/photos")).unwrap();
            fs::write(
                dir.join("site.toml"),
                "title = \"Photos\"\nbase_url = \"https://example.org/\"\n",
            )
            .unwrap();
            fs::write(
                dir.join("content/photos/_index.md"),
                "+++\ntitle = \"Photos\"\n+++\n",
            )
            .unwrap();
            for i in 0..n {
                let page = dir.join(format!("content/photos/p{i:03}"));
                jpeg(&beach(2000, 1333, i, 24), 85, &page.join("photo.jpg"));
                fs::write(
                    page.join("index.md"),
                    format!(
                        "+++\ntitle = \"Photo {i}\"\ndate = \"2026-01-01\"\n+++\n\
                         {{{{ figure(src=\"photo.jpg\", alt=\"Photo {i}\", widths=[480, 960, 1600]) }}}}\n"
                    ),
                )
                .unwrap();
            }
        }
        other => panic!("unknown command `{other}`: see the top of examples/photos.rs"),
    }
}
