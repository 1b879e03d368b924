//! The files a build writes besides rendered templates: feeds (site,
//! section, term), `sitemap.xml` and `search_index.json`; and the small
//! template values that tie pages together (`page.higher` / `page.lower`).
//! All linear in the number of pages (plus sorting the site feed).

use rayon::prelude::*;
use tera::Value;

use crate::config::Config;
use crate::content::taxonomy::Taxonomies;
use crate::content::{Content, Page};
use crate::output::feeds::{self, Entry, Feed};
use crate::output::search;
use crate::output::sitemap;
use crate::templates::{Urls, map, opt};

/// Everything the extras need from a build in progress.
pub(crate) struct Model<'a> {
    pub config: &'a Config,
    pub content: &'a Content,
    /// The pages' template values, which hold their HTML (`content`) and
    /// `summary`.
    pub page_values: &'a [Value],
    /// Each section's pages in the section's order.
    pub section_pages: &'a [Vec<usize>],
    pub taxonomies: &'a Taxonomies,
    pub urls: &'a Urls,
}

/// A short reference to a page, for `page.higher` and `page.lower` (not a
/// whole page value, so neighbours do not nest).
pub(crate) fn page_ref(page: &Page, urls: &Urls) -> Value {
    map([
        (
            "title",
            Value::from(page.meta.title.as_deref().unwrap_or("")),
        ),
        ("description", opt(page.meta.description.as_deref())),
        ("date", opt(page.date.as_ref().map(|d| d.text.as_str()))),
        ("slug", Value::from(page.slug.as_str())),
        ("path", Value::from(page.path.as_str())),
        ("url", Value::from(urls.url(&page.path))),
        ("permalink", Value::from(urls.permalink(&page.path))),
        ("relative_path", Value::from(page.rel.as_str())),
    ])
}

/// `(higher, lower)` of every page: the page before it and after it in its
/// section's order (for a date-sorted section: newer and older).
pub(crate) fn neighbours(
    pages: usize,
    section_pages: &[Vec<usize>],
) -> Vec<(Option<usize>, Option<usize>)> {
    let mut out = vec![(None, None); pages];
    for list in section_pages {
        for (k, &p) in list.iter().enumerate() {
            let higher = k.checked_sub(1).map(|h| list[h]);
            let lower = list.get(k + 1).copied();
            out[p] = (higher, lower);
        }
    }
    out
}

/// A string field of a template value (none when missing or not a string).
fn text_field<'v>(value: &'v Value, key: &'v str) -> Option<&'v str> {
    value.get_from_path(key).and_then(Value::as_str)
}

/// Newest first by `date`, then by path; undated pages left out.
fn dated_newest_first(pages: &[Page], indices: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut dated: Vec<usize> = indices.filter(|&i| pages[i].date.is_some()).collect();
    dated.sort_by(|&a, &b| {
        let key = |p: &Page| std::cmp::Reverse(p.date.as_ref().map_or(0, |d| d.timestamp));
        (key(&pages[a]), &pages[a].rel).cmp(&(key(&pages[b]), &pages[b].rel))
    });
    dated
}

impl Model<'_> {
    /// Most entries of a feed.
    fn feed_limit(&self) -> usize {
        match self.config.feed_limit {
            0 => usize::MAX,
            n => n,
        }
    }

    fn entries(&self, indices: &[usize]) -> Vec<Entry<'_>> {
        let limit = self.feed_limit();
        indices
            .iter()
            .take(limit)
            .map(|&i| {
                let page = &self.content.pages[i];
                let value = &self.page_values[i];
                Entry {
                    title: page.meta.title.as_deref().unwrap_or(&page.slug),
                    permalink: self.urls.permalink(&page.path),
                    description: page.meta.description.as_deref(),
                    summary: text_field(value, "summary"),
                    content: text_field(value, "content").unwrap_or(""),
                    date: page.date.as_ref(),
                    updated: page.updated.as_ref(),
                    tags: page.meta.tags.iter().map(String::as_str).collect(),
                }
            })
            .collect()
    }

    fn feed<'s>(
        &'s self,
        (title, description, language): (String, &'s str, &'s str),
        page_path: &str,
        entries: Vec<Entry<'s>>,
    ) -> Feed<'s> {
        Feed {
            title,
            description,
            language,
            author: &self.config.author,
            link: self.urls.permalink(page_path),
            self_link: String::new(),
            base: self.urls.permalink("/"),
            entries,
        }
    }

    /// Paths of the files [`Model::files`] writes, with what asked for
    /// them (for collision messages), without producing them.
    pub(crate) fn file_claims(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for lang in self.config.all_languages() {
            if self.config.feeds_in(&lang) {
                let dir = self.lang_dir(&lang);
                for name in ["atom.xml", "rss.xml"] {
                    out.push((
                        format!("{dir}{name}"),
                        "site.toml (generate_feeds)".to_owned(),
                    ));
                }
            }
        }
        for s in self
            .content
            .sections
            .iter()
            .filter(|s| s.meta.generate_feeds)
        {
            let dir = s.path.trim_start_matches('/');
            out.push((format!("{dir}atom.xml"), s.source.clone()));
            out.push((format!("{dir}rss.xml"), s.source.clone()));
        }
        for t in &self.taxonomies.list {
            for term in &t.terms {
                if let Some(path) = t.feed_path(term) {
                    out.push((
                        path.trim_start_matches('/').to_owned(),
                        format!("taxonomy `{}` (feed = true)", t.config.name),
                    ));
                }
            }
        }
        out.push(("sitemap.xml".to_owned(), "(built-in) sitemap".to_owned()));
        for lang in self.config.all_languages() {
            if self.config.search_index_in(&lang) {
                out.push((
                    self.search_index_name(&lang),
                    "site.toml (build_search_index)".to_owned(),
                ));
            }
        }
        out
    }

    /// The output folder of a language's site feed: `""`, `fr/`.
    fn lang_dir(&self, lang: &str) -> String {
        let prefix = self.config.lang_prefix(lang);
        match prefix.strip_prefix('/') {
            Some(code) => format!("{code}/"),
            None => String::new(),
        }
    }

    /// `search_index.json` of the default language, `search_index.fr.json`.
    fn search_index_name(&self, lang: &str) -> String {
        if lang == self.config.language {
            "search_index.json".to_owned()
        } else {
            format!("search_index.{lang}.json")
        }
    }

    /// Feeds, sitemap and search index: `(path in the output, text)`.
    /// The same paths as [`Model::file_claims`]. With `edited` (pages whose
    /// bodies alone changed), only the files that show those bodies: the
    /// feeds listing one of them, and the search index (joined from
    /// `search_entries`, see [`Model::search_entries`]).
    pub(crate) fn files(
        &self,
        edited: Option<&[usize]>,
        search_entries: &[String],
    ) -> anyhow::Result<Vec<(String, String)>> {
        let pages = &self.content.pages;
        let limit = self.feed_limit();
        let wanted = |list: &[usize]| {
            edited.is_none_or(|edited| list.iter().take(limit).any(|p| edited.contains(p)))
        };
        // (folder in the output, feed, whether RSS too): built cheaply here,
        // written in parallel below (escaping page HTML is the costly part).
        let mut jobs: Vec<(String, Feed<'_>, bool)> = Vec::new();
        for lang in self.config.all_languages() {
            if !self.config.feeds_in(&lang) {
                continue;
            }
            let mine = (0..pages.len()).filter(|&p| pages[p].lang == lang);
            let all = dated_newest_first(pages, mine);
            if wanted(&all) {
                let dir = self.lang_dir(&lang);
                let language = self.language_str(&lang);
                let about = (
                    self.config.title_in(&lang).to_owned(),
                    self.config.description_in(&lang),
                    language,
                );
                let feed = self.feed(about, &format!("/{dir}"), self.entries(&all));
                jobs.push((dir, feed, true));
            }
        }
        for (i, s) in self.content.sections.iter().enumerate() {
            if !s.meta.generate_feeds {
                continue;
            }
            let list = dated_newest_first(pages, self.section_pages[i].iter().copied());
            if !wanted(&list) {
                continue;
            }
            let title = (s.meta.title.as_deref()).unwrap_or(self.config.title_in(&s.lang));
            let description =
                (s.meta.description.as_deref()).unwrap_or(self.config.description_in(&s.lang));
            let about = (title.to_owned(), description, self.language_str(&s.lang));
            let feed = self.feed(about, &s.path, self.entries(&list));
            jobs.push((s.path.trim_start_matches('/').to_owned(), feed, true));
        }
        for t in self.taxonomies.list.iter().filter(|t| t.config.feed) {
            for term in &t.terms {
                let list = dated_newest_first(pages, term.pages.iter().copied());
                if !wanted(&list) {
                    continue;
                }
                let title = format!("{} – {}", term.name, self.config.title_in(&t.lang));
                let about = (
                    title,
                    self.config.description_in(&t.lang),
                    self.language_str(&t.lang),
                );
                let feed = self.feed(about, &term.path, self.entries(&list));
                jobs.push((term.path.trim_start_matches('/').to_owned(), feed, false));
            }
        }
        let write_feeds = || -> Vec<(String, String)> {
            jobs.par_iter_mut()
                .flat_map_iter(|(dir, feed, rss)| {
                    feed.self_link = self.urls.permalink(&format!("/{dir}atom.xml"));
                    let mut out = vec![(format!("{dir}atom.xml"), feeds::atom(feed))];
                    if *rss {
                        feed.self_link = self.urls.permalink(&format!("/{dir}rss.xml"));
                        out.push((format!("{dir}rss.xml"), feeds::rss(feed)));
                    }
                    out
                })
                .collect()
        };
        let sitemap = || edited.is_none().then(|| self.sitemap());
        let (mut out, sitemap) = rayon::join(write_feeds, sitemap);
        out.extend(sitemap.map(|text| ("sitemap.xml".to_owned(), text)));
        for lang in self.config.all_languages() {
            if !self.config.search_index_in(&lang) {
                continue;
            }
            let mine: Vec<String> = (search_entries.iter().zip(pages))
                .filter(|(_, page)| page.lang == lang)
                .map(|(entry, _)| entry.clone())
                .collect();
            let json = search::join_entries(&mine);
            out.push((self.search_index_name(&lang), json));
        }
        Ok(out)
    }

    /// `lang` borrowed from the configuration (which outlives the feeds).
    fn language_str(&self, lang: &str) -> &str {
        (self.config.languages.get_key_value(lang))
            .map_or(self.config.language.as_str(), |(code, _)| code.as_str())
    }

    /// Each page's entry of the search index, as JSON (none when the site
    /// has no index). Kept by `serve`, which renews only edited pages'.
    pub(crate) fn search_entries(&self) -> anyhow::Result<Vec<String>> {
        let any = (self.config.all_languages().iter()).any(|l| self.config.search_index_in(l));
        if !any {
            return Ok(Vec::new());
        }
        (0..self.content.pages.len())
            .into_par_iter()
            .map(|p| self.search_entry(p))
            .collect()
    }

    /// Page `p`'s entry of the search index, as JSON.
    pub(crate) fn search_entry(&self, p: usize) -> anyhow::Result<String> {
        let page = &self.content.pages[p];
        search::entry_json(&search::Item {
            title: page.meta.title.as_deref().unwrap_or(&page.slug),
            url: self.urls.url(&page.path),
            description: page.meta.description.as_deref().unwrap_or(""),
            text: search::plain_text(
                text_field(&self.page_values[p], "content").unwrap_or(""),
                search::TEXT_LIMIT,
            ),
        })
    }

    /// Sections, pages, taxonomy lists and terms; `lastmod` is a page's
    /// `updated` or `date`, and for a list the newest of its pages.
    fn sitemap(&self) -> String {
        let pages = &self.content.pages;
        let last = |p: usize| {
            let page = &pages[p];
            page.updated
                .as_ref()
                .or(page.date.as_ref())
                .map(|d| d.timestamp)
        };
        let newest = |list: &[usize]| list.iter().filter_map(|&p| last(p)).max();
        let mut entries = Vec::with_capacity(pages.len() + self.content.sections.len());
        let sections = &self.content.sections;
        let mut section_alternates = self.alternates(
            sections
                .iter()
                .map(|s| (s.translation_key(), s.lang.as_str(), s.path.as_str())),
        );
        for (i, s) in sections.iter().enumerate() {
            entries.push(sitemap::Entry {
                permalink: self.urls.permalink(&s.path),
                lastmod: newest(&self.section_pages[i]),
                alternates: std::mem::take(&mut section_alternates[i]),
            });
        }
        let mut page_alternates = self.alternates(
            pages
                .iter()
                .map(|p| (p.translation_key(), p.lang.as_str(), p.path.as_str())),
        );
        for (i, p) in pages.iter().enumerate() {
            entries.push(sitemap::Entry {
                permalink: self.urls.permalink(&p.path),
                lastmod: last(i),
                alternates: std::mem::take(&mut page_alternates[i]),
            });
        }
        for t in &self.taxonomies.list {
            if t.terms.is_empty() {
                continue;
            }
            entries.push(sitemap::Entry {
                permalink: self.urls.permalink(&t.path),
                lastmod: t.terms.iter().filter_map(|term| newest(&term.pages)).max(),
                alternates: Vec::new(),
            });
            for term in &t.terms {
                entries.push(sitemap::Entry {
                    permalink: self.urls.permalink(&term.path),
                    lastmod: newest(&term.pages),
                    alternates: Vec::new(),
                });
            }
        }
        sitemap::sitemap(&entries)
    }

    /// Each item's `(language, permalink)` alternates for the sitemap:
    /// every item sharing its translation key, in the site's language
    /// order; none for an item in one language only.
    fn alternates<'p>(
        &self,
        items: impl Iterator<Item = (String, &'p str, &'p str)>,
    ) -> Vec<Vec<(String, String)>> {
        let items: Vec<_> = items.collect();
        let languages = self.config.all_languages();
        let rank = |lang: &str| languages.iter().position(|l| l == lang);
        let mut groups: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        for (i, (key, ..)) in items.iter().enumerate() {
            groups.entry(key.as_str()).or_default().push(i);
        }
        (items.iter())
            .map(|(key, ..)| {
                let mut group = groups[key.as_str()].clone();
                if group.len() < 2 {
                    return Vec::new();
                }
                group.sort_by_key(|&i| rank(items[i].1));
                (group.iter())
                    .map(|&i| (items[i].1.to_owned(), self.urls.permalink(items[i].2)))
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_follow_section_order() {
        let n = neighbours(4, &[vec![3], vec![2, 0, 1]]);
        assert_eq!(n[3], (None, None));
        assert_eq!(n[2], (None, Some(0)));
        assert_eq!(n[0], (Some(2), Some(1)));
        assert_eq!(n[1], (Some(0), None));
    }
}
