//! The template values: built once per build, refreshed after a body
//! edit, and handed to the templates' lookups.

use super::extras;
use super::jobs::JobKind;
use super::state::{Model, SiteParts, Values};
use crate::content::paginate::Paginator;
use crate::content::{Page, Section, SortBy};
use crate::markdown::{Heading, Rendered};
use crate::templates::{Lookup, Reads, Urls, html, map, opt};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use tera::Value;

impl Model {
    /// Builds every template value from the Markdown results and hands the
    /// lookups (`get_page`, `get_section`, `get_taxonomy`) to the templates.
    /// Each page's HTML and summary move into its value (read them there:
    /// [`extras::Model`] does), so no page's HTML is kept twice.
    // Long: one pass in dependency order (references, translations,
    // neighbours, then pages, sections, taxonomies, terms and paginators,
    // each reading the ones before); split, every step would take and
    // return the same half-built set of values.
    pub(crate) fn build_values(
        &mut self,
        site: SiteParts<'_>,
        page_bodies: &mut [BodyValues],
        section_md: &[Rendered],
    ) {
        let content = &site.content;
        let urls = &self.urls;
        let section_refs: Vec<Value> = (content.sections.iter())
            .map(|s| section_ref(s, urls))
            .collect();
        let term_refs = self.taxonomies.term_refs(urls);
        let languages = site.config.all_languages();
        let page_translations = translations(
            content.pages.iter().map(|p| {
                (
                    p.translation_key(),
                    p.lang.as_str(),
                    p.meta.title.as_deref(),
                    p.path.as_str(),
                )
            }),
            &languages,
            urls,
        );
        let section_translations = translations(
            content.sections.iter().map(|s| {
                (
                    s.translation_key(),
                    s.lang.as_str(),
                    s.meta.title.as_deref(),
                    s.path.as_str(),
                )
            }),
            &languages,
            urls,
        );
        let neighbours = extras::neighbours(content.pages.len(), &self.section_pages);
        // One reference per page, shared by the pages it neighbours (a
        // template value's clone shares its data).
        let page_refs: Vec<Value> = (content.pages.par_iter())
            .map(|p| extras::page_ref(p, urls))
            .collect();
        let pages: Vec<Value> = (content.pages.par_iter())
            .zip(page_bodies.par_iter_mut())
            .enumerate()
            .map(|(i, (page, body))| {
                let parent = self.page_section[i];
                let ancestors = (self.ancestors_of[parent].iter().chain([&parent]))
                    .map(|&a| section_refs[a].clone())
                    .collect();
                let (higher, lower) = neighbours[i];
                let neighbour =
                    |n: Option<usize>| n.map_or_else(Value::none, |n| page_refs[n].clone());
                let more = [
                    ("lang", Value::from(page.lang.as_str())),
                    ("translations", page_translations[i].clone()),
                    (
                        "taxonomies",
                        self.taxonomies.page_value(i, &page.lang, &term_refs),
                    ),
                    ("higher", neighbour(higher)),
                    ("lower", neighbour(lower)),
                ];
                page_value(page, body, urls, ancestors, more)
            })
            .collect();
        let section_meta: Vec<Value> = (content.sections.par_iter())
            .enumerate()
            .map(|(i, section)| {
                let ancestors = (self.ancestors_of[i].iter())
                    .map(|&a| section_refs[a].clone())
                    .collect();
                let subsections = (self.subsections[i].iter())
                    .map(|&s| section_refs[s].clone())
                    .collect();
                let value =
                    section_meta_value(section, &section_md[i], urls, ancestors, subsections);
                with_fields(
                    &value,
                    [
                        ("lang", Value::from(section.lang.as_str())),
                        ("translations", section_translations[i].clone()),
                    ],
                )
            })
            .collect();
        self.values = Values {
            config: config_value(site.config, &site.config.language, urls),
            lang_configs: (site.config.other_languages().into_iter())
                .map(|lang| {
                    let value = config_value(site.config, &lang, urls);
                    (lang, value)
                })
                .collect(),
            pages,
            section_meta,
            ..Values::default()
        };
        self.values.sections = (0..content.sections.len())
            .map(|s| self.section_value(s))
            .collect();
        // Each term's value (with its pages) is built once, shared by the
        // list page, the term's pagers and `get_taxonomy`.
        self.values.taxonomies = (self.taxonomies.list.iter())
            .map(|t| t.value(urls))
            .collect();
        self.values.terms = (self.taxonomies.list.par_iter())
            .map(|t| {
                (t.terms.par_iter())
                    .map(|term| term.value(t, urls, &self.values.pages))
                    .collect()
            })
            .collect();
        self.values.term_lists = (self.values.terms.iter())
            .map(|v| Value::from(v.clone()))
            .collect();
        self.values.section_paginators = (content.sections.iter())
            .enumerate()
            .map(|(i, s)| {
                let by = s.meta.paginate_by?;
                Some(Paginator::new(
                    &s.path,
                    self.section_pages[i].len(),
                    by,
                    urls,
                ))
            })
            .collect();
        self.values.term_paginators = (self.taxonomies.list.iter())
            .map(|t| {
                (t.terms.iter())
                    .map(|term| {
                        let by = t.config.paginate_by?;
                        Some(Paginator::new(&term.path, term.pages.len(), by, urls))
                    })
                    .collect()
            })
            .collect();

        self.install_lookup(site);
    }

    /// Hands the lookups (`get_page`, `get_section`, `get_taxonomy`,
    /// `get_url`) over this model's values to the site's templates.
    pub(crate) fn install_lookup(&self, site: SiteParts<'_>) {
        let content = &site.content;
        let mut lookup = Lookup {
            urls: self.urls.clone(),
            fingerprints: Arc::clone(&self.fingerprints),
            terms: self.taxonomies.term_paths(),
            languages: crate::templates::Languages {
                default: site.config.language.clone(),
                translations: (site.config.all_languages().into_iter())
                    .map(|lang| {
                        let strings = (site.config.language(&lang))
                            .map(|l| l.translations.clone())
                            .unwrap_or_default();
                        (lang, strings)
                    })
                    .collect(),
            },
            ..Lookup::default()
        };
        for (page, value) in content.pages.iter().zip(&self.values.pages) {
            lookup.pages.insert(page.rel.clone(), value.clone());
            lookup.paths.insert(page.rel.clone(), page.path.clone());
        }
        for (i, section) in content.sections.iter().enumerate() {
            let rel = &section.rel;
            (lookup.sections).insert(rel.clone(), self.values.sections[i].clone());
            (lookup.section_meta).insert(rel.clone(), self.values.section_meta[i].clone());
            lookup.paths.insert(rel.clone(), section.path.clone());
        }
        for (t, taxonomy) in self.taxonomies.list.iter().enumerate() {
            let key = (taxonomy.lang.clone(), taxonomy.config.name.clone());
            lookup.taxonomies.insert(key, self.taxonomy_lookup_value(t));
        }
        site.templates.set_lookup(lookup);
    }

    /// Section `s` with its pages.
    fn section_value(&self, s: usize) -> Value {
        let pages: Vec<Value> = (self.section_pages[s].iter())
            .map(|&p| self.values.pages[p].clone())
            .collect();
        with_fields(
            &self.values.section_meta[s],
            [("pages", Value::from(pages))],
        )
    }

    fn taxonomy_lookup_value(&self, t: usize) -> Value {
        self.taxonomies.list[t].value_with_terms(&self.urls, self.values.term_lists[t].clone())
    }

    /// After the bodies of `edited` pages were rendered again (`page_bodies`),
    /// refreshes every value that holds them (the pages, their sections,
    /// their terms, the lookups) and returns the jobs to render again: the
    /// pages, their sections' and terms' lists, and every job whose last
    /// render (`reads`, by job) looked up a value that changed.
    #[cfg_attr(not(feature = "serve"), allow(dead_code))] // serve's fast rebuilds
    pub(crate) fn update_bodies(
        &mut self,
        site: SiteParts<'_>,
        page_bodies: &mut [BodyValues],
        edited: &[usize],
        reads: &[Reads],
    ) -> Vec<usize> {
        let content = &site.content;
        let sections: HashSet<usize> = edited.iter().map(|&p| self.page_section[p]).collect();
        let terms: HashSet<(usize, usize)> = (edited.iter())
            .flat_map(|&p| {
                self.taxonomies
                    .page_terms
                    .get(p)
                    .into_iter()
                    .flatten()
                    .copied()
            })
            .collect();
        let taxonomies: HashSet<usize> = terms.iter().map(|&(t, _)| t).collect();

        for &p in edited {
            let body = page_bodies[p].take();
            self.values.pages[p] = with_fields(&self.values.pages[p], body);
        }
        for &s in &sections {
            self.values.sections[s] = self.section_value(s);
        }
        for &(t, k) in &terms {
            let taxonomy = &self.taxonomies.list[t];
            self.values.terms[t][k] =
                taxonomy.terms[k].value(taxonomy, &self.urls, &self.values.pages);
        }
        for &t in &taxonomies {
            self.values.term_lists[t] = Value::from(self.values.terms[t].clone());
        }
        let changed_taxonomies: Vec<((String, String), Value)> = (taxonomies.iter())
            .map(|&t| {
                let taxonomy = &self.taxonomies.list[t];
                let key = (taxonomy.lang.clone(), taxonomy.config.name.clone());
                (key, self.taxonomy_lookup_value(t))
            })
            .collect();
        let values = &self.values;
        site.templates.update_lookup(|lookup| {
            for &p in edited {
                (lookup.pages).insert(content.pages[p].rel.clone(), values.pages[p].clone());
            }
            for &s in &sections {
                let rel = content.sections[s].rel.clone();
                lookup.sections.insert(rel, values.sections[s].clone());
            }
            lookup.taxonomies.extend(changed_taxonomies);
        });

        let page_rels: HashSet<&str> = edited
            .iter()
            .map(|&p| content.pages[p].rel.as_str())
            .collect();
        let section_rels: HashSet<&str> = sections
            .iter()
            .map(|&s| content.sections[s].rel.as_str())
            .collect();
        let taxonomy_names: HashSet<&str> = (taxonomies.iter())
            .map(|&t| self.taxonomies.list[t].config.name.as_str())
            .collect();
        (self.jobs.iter().enumerate())
            .filter(|(j, job)| {
                let holds_edit = match job.kind {
                    JobKind::Page(p) => edited.contains(&p),
                    JobKind::Section(s) | JobKind::Pager(s, _) => sections.contains(&s),
                    JobKind::TaxonomyList(t) => taxonomies.contains(&t),
                    JobKind::Term(t, k, _) => terms.contains(&(t, k)),
                    JobKind::Robots | JobKind::NotFound | JobKind::Admin => false,
                };
                let read = &reads[*j];
                holds_edit
                    || read.pages.iter().any(|r| page_rels.contains(r.as_str()))
                    || read
                        .sections
                        .iter()
                        .any(|r| section_rels.contains(r.as_str()))
                    || read
                        .taxonomies
                        .iter()
                        .any(|r| taxonomy_names.contains(r.as_str()))
            })
            .map(|(j, _)| j)
            .collect()
    }
}

/// The `paginator` of pager `n` of a list value (none for a list that is
/// not paginated).
pub(super) fn paginator(paginator: &Option<Paginator>, list: &Value, n: usize) -> Value {
    paginator.as_ref().map_or_else(Value::none, |p| {
        let items = (list.get_from_path("pages"))
            .and_then(Value::as_array)
            .unwrap_or(&[]);
        p.value(items, n)
    })
}

/// Orders a section's pages.
pub(crate) fn sort_pages(indices: &mut [usize], pages: &[Page], sort_by: SortBy) {
    match sort_by {
        SortBy::Date => indices.sort_by(|&a, &b| {
            let (a, b) = (&pages[a], &pages[b]);
            let key = |p: &Page| p.date.as_ref().map(|d| std::cmp::Reverse(d.timestamp));
            (key(a).is_none(), key(a), title_of(a), &a.rel).cmp(&(
                key(b).is_none(),
                key(b),
                title_of(b),
                &b.rel,
            ))
        }),
        SortBy::Weight => indices.sort_by(|&a, &b| {
            let (a, b) = (&pages[a], &pages[b]);
            (a.meta.weight.is_none(), a.meta.weight, title_of(a), &a.rel).cmp(&(
                b.meta.weight.is_none(),
                b.meta.weight,
                title_of(b),
                &b.rel,
            ))
        }),
        SortBy::Title => indices.sort_by(|&a, &b| {
            let (a, b) = (&pages[a], &pages[b]);
            (title_of(a).to_lowercase(), &a.rel).cmp(&(title_of(b).to_lowercase(), &b.rel))
        }),
    }
}

fn title_of(page: &Page) -> &str {
    page.meta.title.as_deref().unwrap_or(&page.slug)
}

/// `config` as the pages of `lang` see it.
fn config_value(config: &crate::config::Config, lang: &str, urls: &Urls) -> Value {
    let languages = config.all_languages().into_iter().map(Value::from);
    map([
        ("title", Value::from(config.title_in(lang))),
        ("base_url", Value::from(config.base_url.as_str())),
        ("base_path", Value::from(urls.base_path.as_str())),
        ("description", Value::from(config.description_in(lang))),
        ("language", Value::from(config.language.as_str())),
        ("default_language", Value::from(config.language.as_str())),
        ("languages", Value::from(languages.collect::<Vec<_>>())),
        ("author", Value::from(config.author.as_str())),
        ("api_url", Value::from(config.api_url.as_str())),
        ("extra", Value::from_serializable(&config.extra)),
        ("generate_feeds", Value::from(config.feeds_in(lang))),
        ("feed_limit", Value::from(config.feed_limit)),
        (
            "build_search_index",
            Value::from(config.search_index_in(lang)),
        ),
        ("date_format", Value::from(config.date_format.as_str())),
        ("markdown", Value::from_serializable(&config.markdown)),
    ])
}

/// Each item's `translations`: every item sharing its translation key
/// (itself included), as `{lang, title, path, url, permalink}`, in the
/// order of `languages`.
fn translations<'a>(
    items: impl Iterator<Item = (String, &'a str, Option<&'a str>, &'a str)>,
    languages: &[String],
    urls: &Urls,
) -> Vec<Value> {
    let items: Vec<_> = items.collect();
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (key, ..)) in items.iter().enumerate() {
        groups.entry(key.as_str()).or_default().push(i);
    }
    let rank = |lang: &str| languages.iter().position(|l| l == lang);
    let group_values: BTreeMap<&str, Value> = (groups.iter())
        .map(|(key, members)| {
            let mut members = members.clone();
            members.sort_by_key(|&i| rank(items[i].1));
            let list = members.iter().map(|&i| {
                let (_, lang, title, path) = &items[i];
                map([
                    ("lang", Value::from(*lang)),
                    ("title", opt(*title)),
                    ("path", Value::from(*path)),
                    ("url", Value::from(urls.url(path))),
                    ("permalink", Value::from(urls.permalink(path))),
                ])
            });
            (*key, Value::from(list.collect::<Vec<_>>()))
        })
        .collect();
    (items.iter())
        .map(|(key, ..)| group_values[key.as_str()].clone())
        .collect()
}

/// A short reference to a section: for ancestors and subsection lists.
fn section_ref(section: &Section, urls: &Urls) -> Value {
    map([
        ("title", opt(section.meta.title.as_deref())),
        ("description", opt(section.meta.description.as_deref())),
        ("path", Value::from(section.path.as_str())),
        ("url", Value::from(urls.url(&section.path))),
        ("permalink", Value::from(urls.permalink(&section.path))),
        ("relative_path", Value::from(section.rel.as_str())),
        ("extra", Value::from_serializable(&section.meta.extra)),
    ])
}

/// `toc`: `[{level, id, title, children}]`, built directly (serde's way
/// through `Value::from_serializable` cost 5% of a build).
pub(super) fn toc_value(toc: &[Heading]) -> Value {
    // Most headings have no children: they share one empty list.
    toc_list(toc, &Value::from(Vec::<Value>::new()))
}

fn toc_list(toc: &[Heading], empty: &Value) -> Value {
    if toc.is_empty() {
        return empty.clone();
    }
    let headings = toc.iter().map(|h| {
        map([
            ("level", Value::from(h.level)),
            ("id", Value::from(h.id.as_str())),
            ("title", Value::from(h.title.as_str())),
            ("children", toc_list(&h.children, empty)),
        ])
    });
    Value::from(headings.collect::<Vec<_>>())
}

/// The fields of a page's value that come from its Markdown body
/// (`content`, `summary`, `toc`, `word_count`, `reading_time`): all that a
/// body edit changes. The Markdown stage makes them on the worker that
/// rendered the page, while its HTML is still in cache, so that worker
/// also frees the HTML and headings it allocated (glibc frees another
/// thread's memory under that thread's arena lock: those waits were 4% of
/// a 10,000-page build) and a site's HTML is never held twice.
#[derive(Debug, Clone, Default)]
pub(crate) struct BodyValues(Option<[(&'static str, Value); 5]>);

impl BodyValues {
    /// Takes the HTML, summary and table of contents out of `rendered`.
    pub(crate) fn take_from(rendered: &mut Rendered) -> Self {
        let content = std::mem::take(&mut rendered.html);
        let summary = rendered.summary.take();
        let toc = std::mem::take(&mut rendered.toc);
        Self(Some([
            ("content", html(&content)),
            ("summary", summary.as_deref().map_or_else(Value::none, html)),
            ("toc", toc_value(&toc)),
            ("word_count", Value::from(rendered.word_count)),
            (
                "reading_time",
                Value::from(rendered.word_count.div_ceil(200).max(1)),
            ),
        ]))
    }

    /// The fields, moved out (into the page's value): taking them again
    /// gives none, so a stale body can never come back.
    fn take(&mut self) -> impl Iterator<Item = (&'static str, Value)> + use<> {
        self.0.take().into_iter().flatten()
    }
}

/// `value` (a map) with `fields` set, built as [`map`] builds maps.
pub(super) fn with_fields(
    value: &Value,
    fields: impl IntoIterator<Item = (&'static str, Value)>,
) -> Value {
    let mut entries: BTreeMap<tera::value::Key<'static>, Value> = value
        .as_map()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    entries.extend(fields.into_iter().map(|(k, v)| (k.into(), v)));
    Value::from(entries)
}

fn page_value(
    page: &Page,
    body: &mut BodyValues,
    urls: &Urls,
    ancestors: Vec<Value>,
    more: impl IntoIterator<Item = (&'static str, Value)>,
) -> Value {
    let meta = &page.meta;
    let title = meta.title.clone().unwrap_or_default();
    let strings = |list: &[String]| {
        Value::from(
            list.iter()
                .map(|t| Value::from(t.as_str()))
                .collect::<Vec<_>>(),
        )
    };
    map([
        ("title", Value::from(title)),
        ("description", opt(meta.description.as_deref())),
        ("date", opt(page.date.as_ref().map(|d| d.text.as_str()))),
        (
            "updated",
            opt(page.updated.as_ref().map(|d| d.text.as_str())),
        ),
        ("draft", Value::from(meta.draft)),
        ("slug", Value::from(page.slug.as_str())),
        ("weight", meta.weight.map_or_else(Value::none, Value::from)),
        ("tags", strings(&meta.tags)),
        ("aliases", strings(&meta.aliases)),
        ("extra", Value::from_serializable(&meta.extra)),
        ("path", Value::from(page.path.as_str())),
        ("url", Value::from(urls.url(&page.path))),
        ("permalink", Value::from(urls.permalink(&page.path))),
        ("relative_path", Value::from(page.rel.as_str())),
        ("section", Value::from(page.section.as_str())),
        ("ancestors", Value::from(ancestors)),
    ]
    .into_iter()
    .chain(body.take())
    .chain(more))
}

/// A section with an empty `pages` (as Zola's `metadata_only`); its
/// subsections are references.
fn section_meta_value(
    section: &Section,
    rendered: &Rendered,
    urls: &Urls,
    ancestors: Vec<Value>,
    subsections: Vec<Value>,
) -> Value {
    let meta = &section.meta;
    map([
        ("title", opt(meta.title.as_deref())),
        ("description", opt(meta.description.as_deref())),
        ("content", html(&rendered.html)),
        ("toc", toc_value(&rendered.toc)),
        ("path", Value::from(section.path.as_str())),
        ("url", Value::from(urls.url(&section.path))),
        ("permalink", Value::from(urls.permalink(&section.path))),
        ("relative_path", Value::from(section.rel.as_str())),
        ("weight", meta.weight.map_or_else(Value::none, Value::from)),
        ("extra", Value::from_serializable(&meta.extra)),
        ("ancestors", Value::from(ancestors)),
        ("pages", Value::from(Vec::<Value>::new())),
        ("subsections", Value::from(subsections)),
    ])
}
