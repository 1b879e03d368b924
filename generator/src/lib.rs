//! Letterbox: a static site generator whose forms are their own backend schema.
//!
//! [`build`] (or [`Site::load`] then [`Site::build`]: load → render →
//! write) builds a site; [`check`] checks one in memory, [`init`] makes one
//! and `serve` (feature `serve`, on by default) previews one.
//!
//! Inside, one private module per stage, each importing only the ones
//! below it: `serve`, `check`, then `model` (what the templates see),
//! `forms` (form discovery in rendered HTML, the manifest), `markdown`
//! (render, shortcodes, highlighting, `@/` links), `content` (`content/`,
//! front matter, taxonomies, pagination), `templates` (Tera, its functions
//! and lookups), `output` (write, feeds, sitemap, search index,
//! post-processing, Sass), `config` (`site.toml`), `images`
//! (`resize_image`: processing and its cache), and at the bottom
//! `diagnostic` (errors at a file, line and column) and `text`.

pub mod check;
pub mod cli;
mod config;
mod content;
mod diagnostic;
mod forms;
mod images;
pub mod init;
mod markdown;
mod model;
mod output;
#[cfg(feature = "pull")]
pub mod pull;
#[cfg(feature = "serve")]
pub mod serve;
mod site;
mod templates;
mod text;

pub use diagnostic::BuildError;
pub use site::{BuildOptions, BuildSummary, Markdown, Output, Site, build, manifest_path};
