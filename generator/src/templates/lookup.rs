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
    /// Site path of every taxonomy term by (language, taxonomy name, term
    /// slug): each language has its own terms.
    pub terms: HashMap<(String, String, String), String>,
    /// `get_taxonomy` values by (language, taxonomy name).
    pub taxonomies: HashMap<(String, String), Value>,
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

    /// The language `lang=…` asks for (default: the site's default
    /// language); an error for a language the site does not have.
    fn lang<'a>(&'a self, function: &str, lang: Option<&'a str>) -> Result<&'a str, String> {
        match lang {
            None => Ok(&self.languages.default),
            Some(lang) if self.languages.translations.contains_key(lang) => Ok(lang),
            Some(lang) => Err(format!("{function}: `{lang}` is no language of this site")),
        }
    }

    /// `get_taxonomy(kind="tags", lang="fr")`: the taxonomy with its terms
    /// in that language (default: the default language).
    pub(crate) fn taxonomy(&self, kind: &str, lang: Option<&str>) -> Result<Value, String> {
        let lang = self.lang("get_taxonomy", lang)?;
        let key = (lang.to_owned(), kind.to_owned());
        self.taxonomies.get(&key).cloned().ok_or_else(|| {
            if lang == self.languages.default {
                format!("get_taxonomy: no taxonomy `{kind}` (declare it with [[taxonomies]] in site.toml)")
            } else {
                format!("get_taxonomy: no taxonomy `{kind}` in `{lang}` (declare it with [[taxonomies]], or `taxonomies` under [languages.{lang}], in site.toml)")
            }
        })
    }

    /// `get_taxonomy_url(kind="tags", name="Rust", lang="fr")`: the term
    /// page's URL in that language (default: the default language); the
    /// name is matched by its slug.
    pub(crate) fn taxonomy_url(
        &self,
        kind: &str,
        name: &str,
        lang: Option<&str>,
    ) -> Result<String, String> {
        let lang = self.lang("get_taxonomy_url", lang)?;
        let slug = crate::text::slugify(name);
        self.terms
            .get(&(lang.to_owned(), kind.to_owned(), slug))
            .map(|path| self.urls.url(path))
            .ok_or_else(|| {
                let tagged = if lang == self.languages.default {
                    "is any page tagged with it?".to_owned()
                } else {
                    format!("is any `{lang}` page tagged with it?")
                };
                format!("get_taxonomy_url: no term `{name}` in taxonomy `{kind}` ({tagged})")
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// English (the default) and French, each with its own `tags`.
    fn bilingual() -> Lookup {
        let mut lookup = Lookup {
            languages: Languages {
                default: "en".into(),
                translations: [
                    ("en".into(), Default::default()),
                    ("fr".into(), Default::default()),
                ]
                .into(),
            },
            urls: Urls {
                base_path: "/docs".into(),
                origin: String::new(),
            },
            ..Lookup::default()
        };
        for (lang, slug, path) in [
            ("en", "news", "/tags/news/"),
            ("fr", "nouvelles", "/fr/tags/nouvelles/"),
        ] {
            let key = (lang.to_owned(), "tags".to_owned(), slug.to_owned());
            lookup.terms.insert(key, path.to_owned());
            let key = (lang.to_owned(), "tags".to_owned());
            lookup.taxonomies.insert(key, Value::from(lang));
        }
        lookup
    }

    #[test]
    fn taxonomy_urls_per_language() {
        let lookup = bilingual();
        assert_eq!(
            lookup.taxonomy_url("tags", "News", None).unwrap(),
            "/docs/tags/news/"
        );
        assert_eq!(
            lookup
                .taxonomy_url("tags", "Nouvelles", Some("fr"))
                .unwrap(),
            "/docs/fr/tags/nouvelles/"
        );
        let err = lookup.taxonomy_url("tags", "news", Some("fr")).unwrap_err();
        assert!(err.contains("is any `fr` page tagged with it?"), "{err}");
        let err = lookup.taxonomy_url("tags", "nouvelles", None).unwrap_err();
        assert!(err.contains("(is any page tagged with it?)"), "{err}");
        let err = lookup.taxonomy_url("tags", "news", Some("de")).unwrap_err();
        assert_eq!(err, "get_taxonomy_url: `de` is no language of this site");
    }

    #[test]
    fn taxonomies_per_language() {
        let lookup = bilingual();
        assert_eq!(lookup.taxonomy("tags", None).unwrap(), Value::from("en"));
        assert_eq!(
            lookup.taxonomy("tags", Some("fr")).unwrap(),
            Value::from("fr")
        );
        let err = lookup.taxonomy("tags", Some("de")).unwrap_err();
        assert_eq!(err, "get_taxonomy: `de` is no language of this site");
        let err = lookup.taxonomy("categories", Some("fr")).unwrap_err();
        assert!(err.contains("no taxonomy `categories` in `fr`"), "{err}");
        let err = lookup.taxonomy("categories", None).unwrap_err();
        assert!(err.contains("declare it with [[taxonomies]]"), "{err}");
    }
}
