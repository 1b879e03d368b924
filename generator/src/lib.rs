//! Letterbox: a static site generator whose forms are their own backend schema.
//!
//! The pipeline, one folder per stage, each importing only the ones below it:
//! [`config`] (`site.toml`), [`content`] (walk `content/`, front matter,
//! sections, taxonomies, pagination), [`markdown`] (render, shortcodes,
//! highlighting, anchors), [`templates`] (Tera), [`forms`] (form discovery
//! in rendered HTML), [`model`] (what the templates see), [`output`] (write,
//! feeds, sitemap, search index, post-processing, Sass). [`site::Site`] owns
//! them all; [`build`] runs the whole thing.

pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod diagnostic;
pub mod forms;
pub mod init;
pub mod markdown;
pub mod model;
pub mod output;
pub mod serve;
pub mod site;
pub mod templates;
pub mod text;

pub use site::{BuildError, BuildOptions, BuildSummary, Site, build, manifest_path};
