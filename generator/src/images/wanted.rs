//! What a build's templates asked of the images: the sources read and
//! the processed images wanted (filled in while rendering, encoded after).

use std::path::PathBuf;
use std::sync::Arc;

use image::ImageFormat;

use super::ops::Operation;

/// A source image as read once per build.
#[derive(Debug)]
pub(crate) struct Source {
    pub file: PathBuf,
    /// As shown in messages: `content/blog/trip/photo.jpg`.
    pub shown: String,
    /// Hash of the bytes (hexadecimal).
    pub hash: String,
    pub width: u32,
    pub height: u32,
    /// `None` for SVG.
    pub format: Option<ImageFormat>,
    /// Stored lossily without transparency: `auto` makes a JPEG of it.
    pub lossy: bool,
}

/// A processed image a page asked for.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    pub source: Arc<Source>,
    pub operation: Operation,
    /// The file being rendered when it was first asked for.
    pub used_by: String,
}
