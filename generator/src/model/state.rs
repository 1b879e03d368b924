//! The model's state: what it is made of ([`SiteParts`]), the [`Model`]
//! of one build and its shared template values.

use super::jobs::{Alias, Copied, Job};
use crate::config::Config;
use crate::content::Content;
use crate::content::paginate::Paginator;
use crate::content::taxonomy::Taxonomies;
use crate::forms::FormSettings;
use crate::output::postprocess::Fingerprints;
use crate::output::sass;
use crate::templates::{Templates, Urls};
use std::path::Path;
use std::sync::Arc;
use tera::Value;

/// What the model is made of: the loaded site's parts, not the whole
/// [`Site`](crate::Site) (which owns the model's stage).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SiteParts<'a> {
    pub root: &'a Path,
    pub config: &'a Config,
    pub content: &'a Content,
    pub templates: &'a Templates,
}

impl SiteParts<'_> {
    /// How the site's URLs are made, from `base_url`.
    pub(crate) fn urls(&self) -> Urls {
        Urls {
            base_path: self.config.base_path(),
            origin: self.config.origin(),
        }
    }
}

/// The site model of one build. Indices are those of `Site::content`.
#[derive(Debug)]
pub(crate) struct Model {
    pub urls: Urls,
    pub jobs: Vec<Job>,
    /// Redirect pages.
    pub aliases: Vec<Alias>,
    /// Copied files.
    pub copies: Vec<Copied>,
    /// Built-in files: the form and inbox scripts, the theme's stylesheet.
    pub assets: Vec<(&'static str, String)>,
    /// Stylesheets of `sass/`, compiled with the jobs.
    pub stylesheets: Vec<sass::Stylesheet>,
    /// Each page's section.
    pub page_section: Vec<usize>,
    /// Each section's pages in the section's order.
    pub section_pages: Vec<Vec<usize>>,
    pub(super) subsections: Vec<Vec<usize>>,
    /// Each section's ancestors, outermost first.
    pub(super) ancestors_of: Vec<Vec<usize>>,
    pub taxonomies: Taxonomies,
    pub fingerprints: Arc<Fingerprints>,
    pub(crate) settings: FormSettings,
    pub(super) sitemap_url: String,
    pub(super) values: Values,
}

/// Template values, built once and shared (Tera's maps and arrays are
/// reference counted, so a page's value in a list is no copy).
#[derive(Debug)]
pub(super) struct Values {
    pub(super) config: Value,
    /// `config` as the other languages see it (their title, description…).
    pub(super) lang_configs: std::collections::BTreeMap<String, Value>,
    pub(super) pages: Vec<Value>,
    pub(super) sections: Vec<Value>,
    /// Sections without pages and subsections: `get_section(…, metadata_only=true)`.
    pub(super) section_meta: Vec<Value>,
    pub(super) taxonomies: Vec<Value>,
    /// `[taxonomy][term]`.
    pub(super) terms: Vec<Vec<Value>>,
    /// Each taxonomy's terms as one list value.
    pub(super) term_lists: Vec<Value>,
    pub(super) section_paginators: Vec<Option<Paginator>>,
    pub(super) term_paginators: Vec<Vec<Option<Paginator>>>,
}

impl Default for Values {
    fn default() -> Self {
        Self {
            config: Value::none(),
            lang_configs: std::collections::BTreeMap::new(),
            pages: Vec::new(),
            sections: Vec::new(),
            section_meta: Vec::new(),
            taxonomies: Vec::new(),
            terms: Vec::new(),
            term_lists: Vec::new(),
            section_paginators: Vec::new(),
            term_paginators: Vec::new(),
        }
    }
}
