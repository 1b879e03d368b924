//! Letterbox: a static site generator whose forms are their own backend schema.
//!
//! The pipeline, one folder per stage, each importing only the ones below it:
//! [`config`] (`site.toml`), [`content`] (walk `content/`, front matter,
//! sections, taxonomies, pagination), [`markdown`] (render, shortcodes,
//! highlighting, anchors), [`templates`] (Tera), [`forms`] (form discovery
//! in rendered HTML), [`model`] (what the templates see), [`output`] (write,
//! feeds, sitemap, search index, post-processing, Sass). [`site::Site`] owns
//! them all; [`build`] runs the whole thing.

#![warn(unreachable_pub)]

pub mod check;
pub mod cli;
mod config;
mod content;
mod diagnostic;
mod forms;
pub mod init;
mod markdown;
mod model;
mod output;
#[cfg(feature = "serve")]
pub mod serve;
mod site;
mod templates;
mod text;

pub use diagnostic::BuildError;
pub use site::{BuildOptions, BuildSummary, Markdown, Output, Site, build, manifest_path};
