//! `[[taxonomies]]` in `site.toml`: which taxonomies a site has.

use std::collections::HashMap;

use serde::Deserialize;

use crate::text::slugify;

/// The name of the taxonomy every site has.
pub(crate) const TAGS: &str = "tags";

/// One `[[taxonomies]]` entry of `site.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaxonomyConfig {
    /// The front-matter key and the name shown in templates, e.g. `categories`.
    pub name: String,
    /// Write an Atom feed per term: `/<taxonomy>/<term>/atom.xml`.
    #[serde(default)]
    pub feed: bool,
    /// Split each term page into pages of this many entries.
    #[serde(default)]
    pub paginate_by: Option<usize>,
}

impl TaxonomyConfig {
    /// `tags` with default settings, for sites that do not declare it.
    pub(crate) fn tags() -> Self {
        Self {
            name: TAGS.to_owned(),
            feed: false,
            paginate_by: None,
        }
    }
}

/// The declared taxonomies with `tags` first when it is not declared.
/// Checks names are non-empty, unique by slug, and `paginate_by` is not 0.
pub(crate) fn declared(configured: &[TaxonomyConfig]) -> Result<Vec<TaxonomyConfig>, String> {
    let mut out = Vec::with_capacity(configured.len() + 1);
    if !configured.iter().any(|t| t.name == TAGS) {
        out.push(TaxonomyConfig::tags());
    }
    let mut seen: HashMap<String, &str> = HashMap::new();
    for t in configured {
        let slug = slugify(&t.name);
        if slug.is_empty() {
            return Err(format!(
                "taxonomy name `{}` has no letters or digits to make a URL of",
                t.name
            ));
        }
        if let Some(first) = seen.insert(slug.clone(), &t.name) {
            return Err(format!(
                "taxonomies `{first}` and `{}` would both be at /{slug}/",
                t.name
            ));
        }
        if t.paginate_by == Some(0) {
            return Err(format!(
                "taxonomy `{}`: paginate_by must be at least 1",
                t.name
            ));
        }
        out.push(t.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tags_are_implicit_and_names_are_checked() {
        let d = declared(&[]).unwrap();
        assert_eq!(d, vec![TaxonomyConfig::tags()]);
        let cats = TaxonomyConfig {
            name: "categories".into(),
            feed: true,
            paginate_by: Some(2),
        };
        let d = declared(std::slice::from_ref(&cats)).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[1], cats);
        let dup = TaxonomyConfig {
            name: "Categories".into(),
            ..cats.clone()
        };
        assert!(
            declared(&[cats.clone(), dup])
                .unwrap_err()
                .contains("/categories/")
        );
        let zero = TaxonomyConfig {
            paginate_by: Some(0),
            ..cats
        };
        assert!(declared(&[zero]).unwrap_err().contains("paginate_by"));
    }
}
