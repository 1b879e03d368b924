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
    /// The site's languages, for `trans` and `get_url(…, lang=…)`.
    pub languages: Languages,
}

/// The site's languages as the template functions see them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Languages {
    /// The default language's code.
    pub default: String,
    /// `[languages.<code>.translations]` by language code (every language
    /// of the site has an entry, empty or not).
    pub translations: HashMap<String, std::collections::BTreeMap<String, String>>,
}

impl Languages {
    /// `trans(key=…, lang=…)`: the text of `key` in `lang` (default: the
    /// site's default language).
    pub(crate) fn trans(&self, key: &str, lang: Option<&str>) -> Result<String, String> {
        let lang = lang.unwrap_or(&self.default);
        let strings = self.translations.get(lang).ok_or_else(|| {
            let mut known: Vec<&str> = self.translations.keys().map(String::as_str).collect();
            known.sort_unstable();
            format!(
                "trans: `{lang}` is no language of this site (it has: {})",
                known.join(", ")
            )
        })?;
        strings.get(key).cloned().ok_or_else(|| {
            format!("trans: no translation `{key}` in `{lang}` (add `{key} = \"…\"` under [languages.{lang}.translations] in site.toml)")
        })
    }

    /// `blog/hello.md` in `lang`: `blog/hello.fr.md` (the same for the
    /// default language).
    fn content_path(&self, file: &str, lang: &str) -> String {
        if lang == self.default {
            return file.to_owned();
        }
        match file.strip_suffix(".md") {
            Some(stem) => format!("{stem}.{lang}.md"),
            None => file.to_owned(),
        }
    }

    /// `/about/` in `lang`: `/fr/about/` (the same for the default language).
    fn site_path(&self, path: &str, lang: &str) -> String {
        let path = path.trim_start_matches('/');
        if lang == self.default {
            format!("/{path}")
        } else {
            format!("/{lang}/{path}")
        }
    }
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
    /// With `lang`, the same in that language: `@/blog/hello.md` is
    /// `blog/hello.fr.md`'s URL, `about/` becomes `/fr/about/`.
    pub(crate) fn url_for(&self, path: &str, lang: Option<&str>) -> Result<String, String> {
        if let Some(lang) = lang
            && !self.languages.translations.contains_key(lang)
        {
            return Err(format!("get_url: `{lang}` is no language of this site"));
        }
        if let Some(content) = path.strip_prefix("@/") {
            let (file, anchor) = content
                .split_once('#')
                .map_or((content, ""), |(f, a)| (f, a));
            let file = match lang {
                Some(lang) => self.languages.content_path(file, lang),
                None => file.to_owned(),
            };
            let site_path = self
                .paths
                .get(&file)
                .ok_or_else(|| format!("get_url: no page or section `{file}` in content/"))?;
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
        match lang {
            Some(lang) => Ok(self.urls.url(&self.languages.site_path(path, lang))),
            None => Ok(self.urls.url(&format!("/{}", path.trim_start_matches('/')))),
        }
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
