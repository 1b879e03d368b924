//! Decoding and encoding (the `image` crate), resampling
//! (`fast_image_resize`), all pure Rust, and the cache files they fill.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader};
use rayon::prelude::*;

use super::ops::{Format, Op, Operation};
use super::wanted::Wanted;
use crate::diagnostic::error;

/// The size and format of an image from its header (the bytes decide the
/// format; the file's extension only when they do not).
pub(super) fn header(bytes: &[u8], file: &Path) -> Result<((u32, u32), ImageFormat), String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    if reader.format().is_none() {
        reader.set_format(ImageFormat::from_path(file).map_err(|e| e.to_string())?);
    }
    let format = reader.format().ok_or("unknown format")?;
    let size = reader.into_dimensions().map_err(|e| e.to_string())?;
    Ok((size, format))
}

/// Encodes every wanted image missing from `cache`, grouped by source so
/// each source is decoded once; sources and then their outputs in parallel.
pub(super) fn missing(
    cache: &Path,
    wanted: &BTreeMap<String, Wanted>,
) -> Result<usize, Vec<anyhow::Error>> {
    let mut by_source: HashMap<&Path, Vec<(&String, &Wanted)>> = HashMap::new();
    for (name, w) in wanted {
        if !cache.join(name).is_file() {
            by_source.entry(&w.source.file).or_default().push((name, w));
        }
    }
    if by_source.is_empty() {
        return Ok(0);
    }
    std::fs::create_dir_all(cache)
        .map_err(|e| vec![anyhow::anyhow!("creating {}: {e}", cache.display())])?;
    let encoded = AtomicUsize::new(0);
    let groups: Vec<_> = by_source.into_values().collect();
    let errors: Vec<anyhow::Error> = groups
        .par_iter()
        .flat_map_iter(|group| {
            let first = group[0].1;
            let source = &first.source;
            let decoded = std::fs::read(&source.file)
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    let format = source.format.ok_or("not a raster image")?;
                    image::load_from_memory_with_format(&bytes, format).map_err(|e| e.to_string())
                });
            let image = match decoded {
                Ok(image) => image,
                Err(e) => {
                    let message = format!("{} cannot be decoded: {e}", source.shown);
                    return vec![error(first.used_by.clone(), None, message)];
                }
            };
            (group.par_iter())
                .filter_map(|(name, w)| {
                    let result = process(&image, &w.operation)
                        .and_then(|bytes| write(cache, name, &bytes).map_err(|e| e.to_string()));
                    match result {
                        Ok(()) => {
                            encoded.fetch_add(1, Ordering::Relaxed);
                            None
                        }
                        Err(e) => Some(error(
                            w.used_by.clone(),
                            None,
                            format!("processing {}: {e}", w.source.shown),
                        )),
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if errors.is_empty() {
        Ok(encoded.into_inner())
    } else {
        Err(errors)
    }
}

/// The operation's bytes.
pub(super) fn process(image: &DynamicImage, operation: &Operation) -> Result<Vec<u8>, String> {
    let (w, h) = operation.size;
    let resized = if (image.width(), image.height()) == (w, h) {
        image.clone()
    } else {
        resample(image, w, h, operation.op == Op::Fill)
    };
    let mut bytes = Vec::new();
    let result = match operation.format {
        Format::Jpeg => {
            let quality = operation.quality.unwrap_or(75);
            let encoder = JpegEncoder::new_with_quality(&mut bytes, quality);
            DynamicImage::ImageRgb8(resized.to_rgb8()).write_with_encoder(encoder)
        }
        Format::Png => resized.write_with_encoder(PngEncoder::new(&mut bytes)),
        Format::WebP => {
            let encoder = WebPEncoder::new_lossless(&mut bytes);
            let image = if resized.color().has_alpha() {
                DynamicImage::ImageRgba8(resized.to_rgba8())
            } else {
                DynamicImage::ImageRgb8(resized.to_rgb8())
            };
            image.write_with_encoder(encoder)
        }
    };
    result.map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// `image` at `w` × `h` (Lanczos3; alpha premultiplied while resampling);
/// `crop`: cropped around the centre to that aspect ratio first (`fill`).
/// Pixel types `fast_image_resize` has no kernel for take the `image`
/// crate's slower resampling.
fn resample(image: &DynamicImage, w: u32, h: u32, crop: bool) -> DynamicImage {
    let options = fast_image_resize::ResizeOptions::new()
        .resize_alg(fast_image_resize::ResizeAlg::Convolution(
            fast_image_resize::FilterType::Lanczos3,
        ))
        .fit_into_destination(crop.then_some((0.5, 0.5)));
    let mut resized = DynamicImage::new(w, h, image.color());
    let fast = fast_image_resize::Resizer::new().resize(image, &mut resized, &options);
    match (fast, crop) {
        (Ok(()), _) => resized,
        (Err(_), true) => image.resize_to_fill(w, h, FilterType::Lanczos3),
        (Err(_), false) => image.resize_exact(w, h, FilterType::Lanczos3),
    }
}

/// Writes `bytes` as `cache/name` through a temporary file and a rename:
/// the cache never holds half a file.
fn write(cache: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let tmp: PathBuf = cache.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, cache.join(name))
}
