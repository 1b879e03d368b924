//! Taxonomies: `tags` and any other declared with `[[taxonomies]]` in
//! `site.toml`. Pages name their terms in front matter (`tags = [...]` or
//! `[taxonomies] categories = [...]`); the build gets a list page per
//! taxonomy (`/tags/`), a page per term (`/tags/<slug>/`), optionally
//! paginated, and optionally an Atom feed per term.
//!
//! Everything here is O(pages × terms per page): one pass over the pages
//! with a hash map from term slug to term.

use std::collections::HashMap;
use std::path::Path;

use tera::Value;

use crate::config::taxonomies::{TAGS, TaxonomyConfig};
use crate::content::Page;
use crate::templates::{Urls, map};
use crate::text::slugify;

/// One term of a taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    /// As first written in front matter.
    pub name: String,
    pub slug: String,
    /// Site path, e.g. `/tags/rust/`.
    pub path: String,
    /// Indices into the site's pages, newest first once sorted.
    pub pages: Vec<usize>,
}

/// One taxonomy and its terms, sorted by name (case-insensitive).
#[derive(Debug, Clone)]
pub(crate) struct Taxonomy {
    pub config: TaxonomyConfig,
    /// The language of its pages (each language has its own taxonomies).
    pub lang: String,
    pub slug: String,
    /// Site path of the list page, e.g. `/tags/`.
    pub path: String,
    pub terms: Vec<Term>,
}

/// Every taxonomy of the site, and which terms each page has.
#[derive(Debug, Clone, Default)]
pub(crate) struct Taxonomies {
    pub list: Vec<Taxonomy>,
    /// For each page, `(taxonomy, term)` indices, in taxonomy order and
    /// then in the order the page lists them.
    pub page_terms: Vec<Vec<(usize, usize)>>,
}

/// The terms of `page` for taxonomy `name`: `tags` also reads the
/// top-level `tags` key.
fn terms_of<'a>(page: &'a Page, name: &str) -> impl Iterator<Item = &'a String> {
    let top = if name == TAGS {
        page.meta.tags.as_slice()
    } else {
        &[]
    };
    let nested = page
        .meta
        .taxonomies
        .get(name)
        .map_or(&[][..], Vec::as_slice);
    top.iter().chain(nested)
}

/// The taxonomies declared for one language: its code, its URL prefix
/// (`""` or `/fr`) and the taxonomies.
pub(crate) struct Declared {
    pub lang: String,
    pub prefix: String,
    pub taxonomies: Vec<TaxonomyConfig>,
}

/// Groups pages by term, each page into its own language's taxonomies.
/// `sort` orders a term's pages (newest first).
/// Errors: a page using an undeclared taxonomy, a term without letters or
/// digits; each names the file and, when found, the line.
pub(crate) fn collect(
    declared: &[Declared],
    pages: &[Page],
    root: &Path,
    sort: impl Fn(&mut [usize]) + Sync,
) -> Result<Taxonomies, Vec<anyhow::Error>> {
    let mut errors = Vec::new();
    let mut list: Vec<Taxonomy> = (declared.iter())
        .flat_map(|d| d.taxonomies.iter().map(move |c| (d, c)))
        .map(|(d, c)| {
            let slug = slugify(&c.name);
            Taxonomy {
                config: c.clone(),
                lang: d.lang.clone(),
                path: format!("{}/{slug}/", d.prefix),
                slug,
                terms: Vec::new(),
            }
        })
        .collect();
    let mut index: Vec<HashMap<String, usize>> = vec![HashMap::new(); list.len()];
    let mut page_terms = Vec::with_capacity(pages.len());
    // A site has few terms, each on many pages: each is slugified once.
    let mut slugs: HashMap<&str, String> = HashMap::new();
    for (p, page) in pages.iter().enumerate() {
        for name in page.meta.taxonomies.keys() {
            if !(list.iter()).any(|t| &t.config.name == name && t.lang == page.lang) {
                errors.push(crate::diagnostic::error(
                    &page.source,
                    key_line(root, &page.source, name),
                    format!("taxonomy `{name}` is not declared in site.toml (add `[[taxonomies]]` with `name = \"{name}\"`)"),
                ));
            }
        }
        let mut mine = Vec::new();
        for (t, taxonomy) in list.iter_mut().enumerate() {
            if taxonomy.lang != page.lang {
                continue;
            }
            for term in terms_of(page, &taxonomy.config.name) {
                let slug = (slugs.entry(term.as_str()))
                    .or_insert_with(|| slugify(term))
                    .clone();
                if slug.is_empty() {
                    errors.push(crate::diagnostic::error(
                        &page.source,
                        key_line(root, &page.source, &taxonomy.config.name),
                        format!(
                            "{} term `{term}` has no letters or digits to make a URL of",
                            taxonomy.config.name
                        ),
                    ));
                    continue;
                }
                let next = taxonomy.terms.len();
                let i = *index[t].entry(slug.clone()).or_insert(next);
                if i == next {
                    taxonomy.terms.push(Term {
                        name: term.trim().to_owned(),
                        path: format!("{}{slug}/", taxonomy.path),
                        slug,
                        pages: Vec::new(),
                    });
                }
                // A page listing one term twice counts once.
                if taxonomy.terms[i].pages.last() != Some(&p) {
                    taxonomy.terms[i].pages.push(p);
                    mine.push((t, i));
                }
            }
        }
        page_terms.push(mine);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    sort_terms_by_name(&mut list, &mut page_terms);
    {
        use rayon::prelude::*;
        list.par_iter_mut()
            .flat_map(|t| t.terms.par_iter_mut())
            .for_each(|term| sort(&mut term.pages));
    }
    Ok(Taxonomies { list, page_terms })
}

/// Sorts each taxonomy's terms by name (case ignored, then slug), and
/// renumbers the terms `page_terms` points at to the new order.
fn sort_terms_by_name(list: &mut [Taxonomy], page_terms: &mut [Vec<(usize, usize)>]) {
    for (t, taxonomy) in list.iter_mut().enumerate() {
        let mut order: Vec<usize> = (0..taxonomy.terms.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&taxonomy.terms[a], &taxonomy.terms[b]);
            (a.name.to_lowercase(), &a.slug).cmp(&(b.name.to_lowercase(), &b.slug))
        });
        let mut new_index = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let mut terms: Vec<Option<Term>> = std::mem::take(&mut taxonomy.terms)
            .into_iter()
            .map(Some)
            .collect();
        taxonomy.terms = order.iter().filter_map(|&old| terms[old].take()).collect();
        for mine in page_terms.iter_mut() {
            for (pt, term) in mine.iter_mut() {
                if *pt == t {
                    *term = new_index[*term];
                }
            }
        }
    }
}

/// `content/x.md:LINE` of the front-matter line that starts with `key`,
/// or just the file.
fn key_line(root: &Path, source: &str, key: &str) -> Option<usize> {
    let line = std::fs::read_to_string(root.join(source))
        .ok()
        .and_then(|text| {
            text.lines().position(|l| {
                l.trim_start()
                    .strip_prefix(key)
                    .is_some_and(|rest| matches!(rest.trim_start().chars().next(), Some('=' | ':')))
            })
        });
    line.map(|i| i + 1)
}

impl Taxonomy {
    /// `taxonomy` in templates.
    pub(crate) fn value(&self, urls: &Urls) -> Value {
        map(self.pairs(urls))
    }

    /// `get_taxonomy(kind=…)`: `taxonomy` plus `terms` (each as `term`).
    pub(crate) fn value_with_terms(&self, urls: &Urls, terms: Value) -> Value {
        map(self.pairs(urls).into_iter().chain([("terms", terms)]))
    }

    fn pairs(&self, urls: &Urls) -> [(&'static str, Value); 7] {
        [
            ("name", Value::from(self.config.name.as_str())),
            ("slug", Value::from(self.slug.as_str())),
            ("path", Value::from(self.path.as_str())),
            ("url", Value::from(urls.url(&self.path))),
            ("permalink", Value::from(urls.permalink(&self.path))),
            ("feed", Value::from(self.config.feed)),
            (
                "paginate_by",
                self.config
                    .paginate_by
                    .map_or_else(Value::none, Value::from),
            ),
        ]
    }

    /// Site path of a term's Atom feed, when the taxonomy has feeds.
    pub(crate) fn feed_path(&self, term: &Term) -> Option<String> {
        self.config.feed.then(|| format!("{}atom.xml", term.path))
    }
}

impl Term {
    /// A short reference: `page.taxonomies.tags[i]`.
    pub(crate) fn ref_value(&self, urls: &Urls) -> Value {
        map(self.ref_pairs(urls))
    }

    fn ref_pairs(&self, urls: &Urls) -> [(&'static str, Value); 6] {
        [
            ("name", Value::from(self.name.as_str())),
            ("slug", Value::from(self.slug.as_str())),
            ("path", Value::from(self.path.as_str())),
            ("url", Value::from(urls.url(&self.path))),
            ("permalink", Value::from(urls.permalink(&self.path))),
            ("page_count", Value::from(self.pages.len())),
        ]
    }

    /// `term` in templates (and each entry of `terms`): the reference plus
    /// its pages (shared values, not copies) and the feed URL.
    pub(crate) fn value(&self, taxonomy: &Taxonomy, urls: &Urls, page_values: &[Value]) -> Value {
        let pages: Vec<Value> = self.pages.iter().map(|&p| page_values[p].clone()).collect();
        let feed = taxonomy
            .feed_path(self)
            .map_or_else(Value::none, |p| Value::from(urls.url(&p)));
        let more = [("pages", Value::from(pages)), ("feed_url", feed)];
        map(self.ref_pairs(urls).into_iter().chain(more))
    }
}

impl Taxonomies {
    /// `page.taxonomies`: taxonomy name → list of term references, for
    /// every declared taxonomy (empty lists included).
    pub(crate) fn page_value(&self, page: usize, lang: &str, term_refs: &[Vec<Value>]) -> Value {
        let mut by_name: std::collections::BTreeMap<String, Vec<Value>> = self
            .list
            .iter()
            .filter(|t| t.lang == lang)
            .map(|t| (t.config.name.clone(), Vec::new()))
            .collect();
        for &(t, term) in self.page_terms.get(page).map_or(&[][..], Vec::as_slice) {
            if self.list[t].lang != lang {
                continue;
            }
            if let Some(list) = by_name.get_mut(&self.list[t].config.name) {
                list.push(term_refs[t][term].clone());
            }
        }
        Value::from(by_name)
    }

    /// Reference values of every term, `[taxonomy][term]`.
    pub(crate) fn term_refs(&self, urls: &Urls) -> Vec<Vec<Value>> {
        self.list
            .iter()
            .map(|t| t.terms.iter().map(|term| term.ref_value(urls)).collect())
            .collect()
    }

    /// Site path of a term by language, taxonomy name and term slug, for
    /// `get_taxonomy_url`.
    pub(crate) fn term_paths(&self) -> HashMap<(String, String, String), String> {
        let mut out = HashMap::new();
        for t in &self.list {
            for term in &t.terms {
                let key = (t.lang.clone(), t.config.name.clone(), term.slug.clone());
                out.entry(key).or_insert_with(|| term.path.clone());
            }
        }
        out
    }
}
