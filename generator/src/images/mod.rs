//! Images: `resize_image` and `get_image_metadata` for templates and
//! shortcodes, and the processed-image cache.
//!
//! A call only reads the source (its hash and, from the header, its size)
//! and notes the work: the size of the result is known without decoding.
//! After rendering, [`Images::encode_missing`] decodes each source once and
//! encodes, in parallel, only the results missing from the cache
//! (`.letterbox/images/`, named by a hash of source bytes and operation);
//! the build copies them to `processed_images/` in the output and then
//! [`Images::prune`] removes cached files no page asked for.

mod encode;
mod ops;
mod svg;
mod wanted;

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use image::ImageFormat;
use sha2::{Digest as _, Sha256};

pub(crate) use ops::{Format, Op, Operation};
pub(crate) use wanted::{Source, Wanted};

/// Folder of the processed images in the output, and in their URLs.
pub(crate) const OUTPUT_DIR: &str = "processed_images";

/// What `resize_image` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resized {
    /// `<hash>.<ext>`.
    pub name: String,
    pub width: u32,
    pub height: u32,
    pub orig_width: u32,
    pub orig_height: u32,
}

/// The images of one build: sources read, results asked for.
#[derive(Debug)]
pub(crate) struct Images {
    root: PathBuf,
    cache: PathBuf,
    sources: Mutex<HashMap<PathBuf, Arc<Source>>>,
    wanted: Mutex<BTreeMap<String, Wanted>>,
}

impl Images {
    pub(crate) fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
            cache: root.join(".letterbox").join("images"),
            sources: Mutex::default(),
            wanted: Mutex::default(),
        }
    }

    /// Finds `path` as Zola does: `@/x` in `content/`; otherwise beside the
    /// page being rendered when that is a bundle (`…/index.md`,
    /// `…/_index.md`, `…/index.fr.md`), then in `static/`, then in `content/`. `from` is
    /// the file being rendered (`content/blog/trip/index.md`).
    fn resolve(&self, path: &str, from: &str) -> Result<(PathBuf, String), String> {
        let mut places: Vec<String> = Vec::new();
        if let Some(rest) = path.strip_prefix("@/") {
            places.push(format!("content/{rest}"));
        } else {
            let rel = path.trim_start_matches('/');
            // `index.md`, `_index.md` and their translations (`index.fr.md`).
            let bundle = from.rsplit_once('/').and_then(|(dir, file)| {
                let stem = file.strip_suffix(".md")?;
                let stem = stem.strip_prefix('_').unwrap_or(stem);
                let is_index = stem == "index" || stem.starts_with("index.");
                (is_index && dir.starts_with("content")).then_some(dir)
            });
            if let Some(dir) = bundle.filter(|_| !path.starts_with('/')) {
                places.push(format!("{dir}/{rel}"));
            }
            places.push(format!("static/{rel}"));
            places.push(format!("content/{rel}"));
        }
        let escapes = Path::new(path.trim_start_matches("@/"))
            .components()
            .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)));
        if escapes {
            return Err(format!("`{path}`: `..` is not allowed in image paths"));
        }
        for place in &places {
            let file = self.root.join(place);
            if file.is_file() {
                return Ok((file, place.clone()));
            }
        }
        Err(format!(
            "no image `{path}` (looked for {})",
            places.join(", ")
        ))
    }

    /// The source at `path` (see [`Images::resolve`]), read once per build.
    pub(crate) fn source(&self, path: &str, from: &str) -> Result<Arc<Source>, String> {
        let (file, shown) = self.resolve(path, from)?;
        if let Some(source) = self.lock_sources().get(&file) {
            return Ok(Arc::clone(source));
        }
        let bytes = std::fs::read(&file).map_err(|e| format!("reading {shown}: {e}"))?;
        let hash = ops::hex(&Sha256::digest(&bytes)[..16]);
        let is_svg = file
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        let ((width, height), format) = if is_svg {
            let text = String::from_utf8_lossy(&bytes);
            (svg::size(&text).map_err(|e| format!("{shown}: {e}"))?, None)
        } else {
            let (size, format) = encode::header(&bytes, &file)
                .map_err(|e| format!("{shown} is not an image it can read: {e}"))?;
            (size, Some(format))
        };
        let lossy = format.is_some_and(|f| ops::is_lossy_and_opaque(f, &bytes));
        let source = Arc::new(Source {
            file: file.clone(),
            shown,
            hash,
            width,
            height,
            format,
            lossy,
        });
        self.lock_sources().insert(file, Arc::clone(&source));
        Ok(source)
    }

    /// `resize_image`: notes the processed image and answers its name and
    /// size. `format` and `op` are as the template wrote them.
    pub(crate) fn resize(
        &self,
        path: &str,
        size: (Option<u32>, Option<u32>),
        op: &str,
        format: &str,
        quality: Option<u32>,
        from: &str,
    ) -> Result<Resized, String> {
        let op = Op::parse(op)?;
        let source = self.source(path, from)?;
        if source.format.is_none() {
            return Err(format!(
                "{} is an SVG: only JPEG, PNG and WebP images can be resized \
                 (get_image_metadata gives an SVG's size)",
                source.shown
            ));
        }
        let format = Format::parse(format, source.lossy)?;
        if size.0 == Some(0) || size.1 == Some(0) {
            return Err("width and height must be at least 1".into());
        }
        let quality = match (format, quality) {
            (Format::Jpeg, None) => Some(75),
            (Format::Jpeg, Some(q @ 1..=100)) => Some(q as u8),
            (_, Some(q)) if !(1..=100).contains(&q) => {
                return Err(format!("quality {q} is not within 1 to 100"));
            }
            _ => None,
        };
        let target = op.target(size.0, size.1, (source.width, source.height))?;
        let operation = Operation {
            op,
            size: target,
            format,
            quality,
        };
        let name = operation.file_name(&source.hash);
        let resized = Resized {
            name: name.clone(),
            width: target.0,
            height: target.1,
            orig_width: source.width,
            orig_height: source.height,
        };
        self.lock_wanted().entry(name).or_insert_with(|| Wanted {
            source,
            operation,
            used_by: from.to_owned(),
        });
        Ok(resized)
    }

    /// What was asked for so far, by file name.
    pub(crate) fn wanted(&self) -> BTreeMap<String, Wanted> {
        self.lock_wanted().clone()
    }

    /// (cached file, path in the output) of every processed image asked for.
    pub(crate) fn copies(&self) -> Vec<(PathBuf, String)> {
        (self.lock_wanted().keys())
            .map(|name| (self.cache.join(name), format!("{OUTPUT_DIR}/{name}")))
            .collect()
    }

    /// Encodes the processed images missing from the cache, each source
    /// decoded once, in parallel. Returns how many were encoded, or every
    /// error (a source that cannot be decoded names the file that asked).
    pub(crate) fn encode_missing(&self) -> Result<usize, Vec<anyhow::Error>> {
        encode::missing(&self.cache, &self.wanted())
    }

    /// Removes cached files that this build did not ask for (after a
    /// successful build).
    pub(crate) fn prune(&self) -> std::io::Result<usize> {
        let wanted = self.lock_wanted();
        let Ok(entries) = std::fs::read_dir(&self.cache) else {
            return Ok(0);
        };
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let keep = name.to_str().is_some_and(|n| wanted.contains_key(n));
            if !keep && entry.file_type()?.is_file() {
                std::fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn lock_sources(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<Source>>> {
        self.sources.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_wanted(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Wanted>> {
        self.wanted.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `get_image_metadata`'s `format` and `mime` for a source.
pub(crate) fn format_and_mime(source: &Source) -> (&'static str, &'static str) {
    match source.format {
        None => ("svg", "image/svg+xml"),
        Some(ImageFormat::Jpeg) => ("jpg", "image/jpeg"),
        Some(ImageFormat::Png) => ("png", "image/png"),
        Some(ImageFormat::WebP) => ("webp", "image/webp"),
        Some(other) => (
            other.extensions_str().first().copied().unwrap_or("unknown"),
            other.to_mime_type(),
        ),
    }
}

#[cfg(test)]
mod tests;
