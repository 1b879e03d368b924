//! Loading content: walks `content/`, splits and parses front matter, and
//! works out every page's and section's place in the site (slug, URL path,
//! parent section, co-located assets), its taxonomies and its pagers.

mod front_matter;
mod load;
pub(crate) mod paginate;
pub(crate) mod taxonomy;

pub(crate) use front_matter::SortBy;
// What serve's fast rebuilds read again of an edited page.
#[cfg(feature = "serve")]
pub(crate) use front_matter::{PageFrontMatter, parse_front_matter, split_front_matter};
pub(crate) use load::{Content, Languages, Page, Section, load};

#[cfg(test)]
mod tests;
