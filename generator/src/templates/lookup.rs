//! What the template functions look things up in, and how site paths
//! become URLs.

use std::collections::HashMap;
use std::sync::Arc;
use tera::Value;

/// Template values of every page and section by path relative to
/// `content/`, and what URLs need; shared by the template functions.
#[derive(Debug, Default, Clone)]
pub(crate) struct Lookup {
    pub pages: HashMap<String, Value>,
    pub sections: HashMap<String, Value>,
    /// Sections without pages and subsections (`metadata_only=true`).
    pub section_meta: HashMap<String, Value>,
    /// Site path (without base path) by content path, for `@/` links.
    pub paths: HashMap<String, String>,
    /// Hashed names of assets asked for with `cachebust=true`.
    pub fingerprints: Arc<crate::output::postprocess::Fingerprints>,
    pub urls: Urls,
    /// Site path of every taxonomy term by (taxonomy name, term slug).
    pub terms: HashMap<(String, String), String>,
    /// `get_taxonomy` values by taxonomy name.
    pub taxonomies: HashMap<String, Value>,
}

impl Lookup {
    /// `get_url(path="style.css", cachebust=true)`: the URL of a copy of
    /// the asset named after its content hash (`/style.3f2a9c1b.css`).
    pub(crate) fn cachebust_url(&self, path: &str) -> Result<String, String> {
        let hashed = self.fingerprints.hashed_path(path)?;
        Ok(self.urls.url(&format!("/{hashed}")))
    }

    /// `get_taxonomy_url(kind="tags", name="Rust")`: the term page's URL;
    /// the name is matched by its slug.
    pub(crate) fn taxonomy_url(&self, kind: &str, name: &str) -> Result<String, String> {
        let slug = crate::text::slugify(name);
        self.terms
            .get(&(kind.to_owned(), slug))
            .map(|path| self.urls.url(path))
            .ok_or_else(|| {
                format!("get_taxonomy_url: no term `{name}` in taxonomy `{kind}` (is any page tagged with it?)")
            })
    }

    /// `get_url(path=…)`: `@/blog/hello.md` is the URL of that content
    /// file; an absolute URL is returned as is; anything else is a path
    /// inside the site and gets the base path.
    pub(crate) fn url_for(&self, path: &str) -> Result<String, String> {
        if let Some(content) = path.strip_prefix("@/") {
            let (file, anchor) = content
                .split_once('#')
                .map_or((content, ""), |(f, a)| (f, a));
            let site_path = self
                .paths
                .get(file)
                .ok_or_else(|| format!("get_url: no page or section `{content}` in content/"))?;
            let mut url = self.urls.url(site_path);
            if !anchor.is_empty() {
                url.push('#');
                url.push_str(anchor);
            }
            return Ok(url);
        }
        if path.contains("://") || path.starts_with("//") || path.starts_with("mailto:") {
            return Ok(path.to_owned());
        }
        Ok(self.urls.url(&format!("/{}", path.trim_start_matches('/'))))
    }
}

/// Turns site paths into URLs and permalinks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Urls {
    /// e.g. `/docs` (no trailing slash), or empty.
    pub base_path: String,
    /// e.g. `https://example.org`, or empty.
    pub origin: String,
}

impl Urls {
    /// `/blog/hello/` → `/docs/blog/hello/`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_path)
    }

    /// `/blog/hello/` → `https://example.org/docs/blog/hello/`.
    pub(crate) fn permalink(&self, path: &str) -> String {
        format!("{}{}{path}", self.origin, self.base_path)
    }
}
