//! The Markdown stage: Markdown to HTML with heading ids and a table of
//! contents ([`render`]), shortcodes, code highlighting, `@/` links and
//! their anchors.

pub(crate) mod anchors;
pub(crate) mod highlight;
pub(crate) mod links;
pub(crate) mod render;
pub(crate) mod shortcodes;

pub(crate) use render::{BrokenLink, Heading, HeadingIds, Rendered};
