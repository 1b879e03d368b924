//! The write stage and what it writes besides rendered pages: the atomic
//! write ([`Staging`]), feeds, the sitemap, the search index,
//! post-processing (hashed assets, `_headers`, minifying, compression), Sass
//! and alias pages.

pub(crate) mod aliases;
pub(crate) mod feeds;
pub(crate) mod postprocess;
pub(crate) mod sass;
pub(crate) mod search;
pub(crate) mod sitemap;
mod write;

pub(crate) use write::{Staging, check_output};
