//! Letterbox: a static site generator whose forms are their own backend schema.
//!
//! The pipeline, one module per stage: [`config`] (`site.toml`), [`content`]
//! (walk `content/`, front matter), [`markdown`], [`render`] (Tera),
//! [`forms`] (form discovery in rendered HTML), [`output`] (atomic write).
//! [`site::Site`] owns them all; [`build`] runs the whole thing.

pub mod anchors;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod data;
pub mod extras;
pub mod feeds;
pub mod forms;
pub mod highlight;
pub mod init;
pub mod located;
pub mod markdown;
pub mod model;
pub mod output;
pub mod paginate;
pub mod postprocess;
pub mod render;
pub mod sass;
pub mod search;
pub mod serve;
pub mod shortcodes;
pub mod site;
pub mod sitemap;
pub mod taxonomy;

pub use site::{BuildError, BuildOptions, BuildSummary, Site, build, manifest_path};
