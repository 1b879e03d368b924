//! What `resize_image` is asked for: the operation (Zola's five), the
//! output format, the size it gives and the name of the file it makes.

use image::ImageFormat;
use sha2::{Digest as _, Sha256};

/// How the source is brought to the asked size (as in Zola).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// Exactly `width` × `height`, the aspect ratio not kept.
    Scale,
    /// `width` wide, the height from the aspect ratio.
    FitWidth,
    /// `height` high, the width from the aspect ratio.
    FitHeight,
    /// Within `width` × `height`, aspect kept; never enlarged.
    Fit,
    /// Covers `width` × `height`, aspect kept, then cropped to it (centred).
    Fill,
}

impl Op {
    pub(crate) const NAMES: &str = "scale, fit_width, fit_height, fit, fill";

    pub(crate) fn parse(name: &str) -> Result<Self, String> {
        Ok(match name {
            "scale" => Self::Scale,
            "fit_width" => Self::FitWidth,
            "fit_height" => Self::FitHeight,
            "fit" => Self::Fit,
            "fill" => Self::Fill,
            _ => return Err(format!("unknown op `{name}` (ops: {})", Self::NAMES)),
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Scale => "scale",
            Self::FitWidth => "fit_width",
            Self::FitHeight => "fit_height",
            Self::Fit => "fit",
            Self::Fill => "fill",
        }
    }

    /// The output size for a source of `orig` (width, height).
    pub(crate) fn target(
        self,
        width: Option<u32>,
        height: Option<u32>,
        orig: (u32, u32),
    ) -> Result<(u32, u32), String> {
        let need = |what: &str| format!("op `{}` needs {what}", self.name());
        let (ow, oh) = (f64::from(orig.0.max(1)), f64::from(orig.1.max(1)));
        let scaled = |v: f64| (v.round() as u32).max(1);
        Ok(match self {
            Self::Scale | Self::Fill => (
                width.ok_or_else(|| need("width and height"))?,
                height.ok_or_else(|| need("width and height"))?,
            ),
            Self::FitWidth => {
                let w = width.ok_or_else(|| need("width"))?;
                (w, scaled(oh * f64::from(w) / ow))
            }
            Self::FitHeight => {
                let h = height.ok_or_else(|| need("height"))?;
                (scaled(ow * f64::from(h) / oh), h)
            }
            Self::Fit => {
                let w = width.ok_or_else(|| need("width and height"))?;
                let h = height.ok_or_else(|| need("width and height"))?;
                if orig.0 <= w && orig.1 <= h {
                    orig
                } else {
                    let ratio = (f64::from(w) / ow).min(f64::from(h) / oh);
                    (scaled(ow * ratio).min(w), scaled(oh * ratio).min(h))
                }
            }
        })
    }
}

/// The encoder of a processed image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Jpeg,
    Png,
    /// Lossless only: the `image` crate's WebP encoder has no lossy mode.
    WebP,
}

impl Format {
    /// `auto` is the better of JPEG and PNG for the source: JPEG for a
    /// `lossy` one (a JPEG, or a lossy WebP without transparency: a
    /// photograph), PNG for the others (a PNG, a lossless or transparent
    /// WebP), as Zola chooses.
    pub(crate) fn parse(name: &str, lossy: bool) -> Result<Self, String> {
        Ok(match name {
            "auto" if lossy => Self::Jpeg,
            "auto" => Self::Png,
            "jpg" | "jpeg" => Self::Jpeg,
            "png" => Self::Png,
            "webp" => Self::WebP,
            _ => {
                return Err(format!(
                    "unknown format `{name}` (formats: auto, jpg, png, webp)"
                ));
            }
        })
    }

    pub(crate) fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::WebP => "webp",
        }
    }
}

/// One processed image: everything its bytes depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Operation {
    pub op: Op,
    pub size: (u32, u32),
    pub format: Format,
    /// JPEG quality (1–100); lossless formats have none.
    pub quality: Option<u8>,
}

impl Operation {
    /// `<hash>.<ext>`: a hash of the source's hash and the operation, so the
    /// same work always has the same name and other work another.
    pub(crate) fn file_name(&self, source_hash: &str) -> String {
        // The version of the resampling and encoding: a change to them
        // bumps it, so cached files made the old way are not reused.
        const VERSION: u32 = 1;
        let key = format!(
            "v{VERSION}:{source_hash}:{}:{}x{}:{}:{}",
            self.op.name(),
            self.size.0,
            self.size.1,
            self.format.extension(),
            self.quality.unwrap_or(0)
        );
        let digest = Sha256::digest(key.as_bytes());
        format!("{}.{}", hex(&digest[..8]), self.format.extension())
    }
}

/// Lowercase hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether an image is stored lossily without transparency (see
/// [`Format::parse`]): a JPEG; a WebP whose image is a `VP8 ` chunk with
/// no `ALPH` chunk (a `VP8L` one is lossless).
pub(crate) fn is_lossy_and_opaque(format: ImageFormat, bytes: &[u8]) -> bool {
    match format {
        ImageFormat::Jpeg => true,
        ImageFormat::WebP => {
            // RIFF <size> WEBP, then chunks: a fourcc, a little-endian
            // size, the data padded to an even length.
            let mut at = 12;
            let mut lossy = false;
            while let Some(chunk) = bytes.get(at..at + 8) {
                let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]) as usize;
                match &chunk[..4] {
                    b"VP8 " => lossy = true,
                    b"VP8L" | b"ALPH" => return false,
                    _ => {}
                }
                at = at
                    .saturating_add(8)
                    .saturating_add(size)
                    .saturating_add(size & 1);
            }
            lossy
        }
        _ => false,
    }
}
