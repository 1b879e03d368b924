//! The Markdown stage of a build: every page and section rendered from
//! Markdown (in parallel), `@/` links and their anchors checked.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;

use super::Site;
use crate::content;
use crate::markdown::links::{link_error, resolve_link, shortcode_lookup};
use crate::markdown::{BrokenLink, HeadingIds, Rendered};
use crate::model::BodyValues;
use crate::templates::Urls;

/// One page out of the Markdown stage.
struct PageMarkdown {
    rendered: Rendered,
    /// Its HTML, summary and table of contents, as template values.
    body: BodyValues,
    broken: Vec<BrokenLink>,
}

/// Result of the Markdown stage ([`Site::render_markdown`]).
#[derive(Debug)]
pub struct Markdown {
    /// One per page of `Site::content.pages`, same order; their HTML,
    /// summary and table of contents are in `page_bodies`.
    pub(crate) pages: Vec<Rendered>,
    /// The template values of each page's body, same order (moved into the
    /// pages' values by the template stage).
    pub(crate) page_bodies: Vec<BodyValues>,
    /// One per section of `Site::content.sections`, same order.
    pub(crate) sections: Vec<Rendered>,
    /// Broken links.
    pub(crate) errors: Vec<anyhow::Error>,
}

impl Site {
    /// Site path of every page and section by its `rel` (for `@/` links).
    fn content_paths(&self) -> HashMap<&str, &str> {
        let pages = self
            .content
            .pages
            .iter()
            .map(|p| (p.rel.as_str(), p.path.as_str()));
        let sections = (self.content.sections.iter()).map(|s| (s.rel.as_str(), s.path.as_str()));
        pages.chain(sections).collect()
    }

    /// The Markdown stage of [`Site::build`]: every page and section
    /// rendered, in parallel, `@/` links resolved against the content.
    /// Broken links are in the result's errors.
    pub fn render_markdown(&self) -> Markdown {
        let bodies = (self.content.pages.iter())
            .map(|p| Cow::Borrowed(p.body.as_str()))
            .collect();
        self.render_markdown_of(bodies, |_| false).0
    }

    /// [`Site::render_markdown`] from the pages' `bodies` (by page index):
    /// each owned one is dropped once rendered unless `keep(body)`, and
    /// the bodies come back (empty where dropped), so a build never holds
    /// all the Markdown and all the HTML at once.
    pub(super) fn render_markdown_of<'b>(
        &self,
        bodies: Vec<Cow<'b, str>>,
        keep: impl Fn(&str) -> bool + Sync,
    ) -> (Markdown, Vec<Cow<'b, str>>) {
        let urls = self.urls();
        let md = self.config.markdown.clone();
        let mut errors: Vec<anyhow::Error> = Vec::new();
        let content_paths = self.content_paths();
        // Shortcode templates run before the site model exists: `get_url`
        // (base path, `@/` paths) works in them; `get_page` does not yet.
        // Every body is searched (all of the site's Markdown): in parallel.
        let section_bodies = self.content.sections.par_iter().map(|s| s.body.as_str());
        let all_bodies = (bodies.par_iter().map(|b| &**b)).chain(section_bodies);
        if all_bodies.any(crate::markdown::shortcodes::may_have_shortcodes) {
            self.templates
                .set_lookup(shortcode_lookup(&urls, &content_paths));
        }
        let (page_md, bodies): (Vec<PageMarkdown>, Vec<_>) = (self.content.pages.par_iter())
            .zip(bodies)
            .map(|(p, body)| {
                let page = self.page_markdown(p, &body, &md, &content_paths, &urls);
                let body = match body {
                    Cow::Owned(body) if !keep(&body) => Cow::Borrowed(""),
                    body => body,
                };
                (page, body)
            })
            .unzip();
        let section_md: Vec<(Rendered, Vec<BrokenLink>)> = self
            .content
            .sections
            .par_iter()
            .map(|s| {
                crate::markdown::shortcodes::render_markdown(
                    &self.templates,
                    &s.body,
                    &s.source,
                    &md,
                    &|d| resolve_link(d, None, &content_paths, &urls),
                )
            })
            .collect();
        let page_sources = self
            .content
            .pages
            .iter()
            .map(|p| (p.source.as_str(), p.body_line));
        let section_sources = self
            .content
            .sections
            .iter()
            .map(|s| (s.source.as_str(), s.body_line));
        let broken = (page_md.iter().map(|p| &p.broken)).chain(section_md.iter().map(|(_, b)| b));
        for ((source, body_line), links) in page_sources.chain(section_sources).zip(broken) {
            errors.extend(links.iter().map(|link| link_error(source, body_line, link)));
        }
        let (pages, page_bodies) = page_md.into_iter().map(|p| (p.rendered, p.body)).unzip();
        let markdown = Markdown {
            pages,
            page_bodies,
            sections: section_md.into_iter().map(|(r, _)| r).collect(),
            errors,
        };
        (markdown, bodies)
    }

    /// One page's Markdown; in a page bundle, relative links resolve
    /// against the page's folder. Its body values are made here, on the
    /// worker that rendered it (see [`BodyValues`]).
    fn page_markdown(
        &self,
        page: &content::Page,
        body: &str,
        md: &crate::config::MarkdownConfig,
        content_paths: &HashMap<&str, &str>,
        urls: &Urls,
    ) -> PageMarkdown {
        let bundle = page
            .rel
            .ends_with("/index.md")
            .then_some(page.path.as_str());
        let (mut rendered, broken) = crate::markdown::shortcodes::render_markdown(
            &self.templates,
            body,
            &page.source,
            md,
            &|d| resolve_link(d, bundle, content_paths, urls),
        );
        let body = BodyValues::take_from(&mut rendered);
        PageMarkdown {
            rendered,
            body,
            broken,
        }
    }

    /// Re-renders the Markdown of pages `indices` (into `markdown.pages`)
    /// exactly as [`Site::render_markdown`] does; returns their broken links.
    #[cfg_attr(not(feature = "serve"), allow(dead_code))] // serve's fast rebuilds
    pub(crate) fn rerender_pages(
        &self,
        markdown: &mut Markdown,
        indices: &[usize],
    ) -> Vec<anyhow::Error> {
        let urls = self.urls();
        let md = self.config.markdown.clone();
        let content_paths = self.content_paths();
        let pages = &self.content.pages;
        // Shortcodes see what they see in a full build; the site model's
        // lookup is put back afterwards.
        let shortcodes = (indices.iter())
            .any(|&i| crate::markdown::shortcodes::may_have_shortcodes(&pages[i].body));
        let model_lookup = shortcodes.then(|| {
            (self.templates)
                .swap_lookup(std::sync::Arc::new(shortcode_lookup(&urls, &content_paths)))
        });
        let mut errors = Vec::new();
        for &i in indices {
            let p = &pages[i];
            let page = self.page_markdown(p, &p.body, &md, &content_paths, &urls);
            errors
                .extend((page.broken.iter()).map(|link| link_error(&p.source, p.body_line, link)));
            markdown.page_bodies[i] = page.body;
            markdown.pages[i] = page.rendered;
        }
        if let Some(lookup) = model_lookup {
            self.templates.swap_lookup(lookup);
        }
        errors
    }

    /// `@/page.md#anchor` links whose anchor is no heading of the target,
    /// as `file:line: message`.
    pub(super) fn broken_anchors(
        &self,
        page_md: &[Rendered],
        section_md: &[Rendered],
    ) -> Vec<anyhow::Error> {
        self.broken_anchors_in(page_md, section_md, None)
    }

    /// [`Site::broken_anchors`] in the bodies of `pages` only, or of every
    /// page and section.
    pub(crate) fn broken_anchors_in<'a>(
        &'a self,
        page_md: &[Rendered],
        section_md: &[Rendered],
        pages: Option<&[usize]>,
    ) -> Vec<anyhow::Error> {
        let ids: HashMap<&str, &HeadingIds> = self
            .content
            .pages
            .iter()
            .map(|p| p.rel.as_str())
            .zip(page_md.iter().map(|r| &r.ids))
            .chain(
                self.content
                    .sections
                    .iter()
                    .map(|s| s.rel.as_str())
                    .zip(section_md.iter().map(|r| &r.ids)),
            )
            .collect();
        let content = &self.content;
        let page_body = |p: &'a content::Page| (p.source.as_str(), p.body_line, p.body.as_str());
        let bodies: Vec<(&str, usize, &str)> = match pages {
            Some(pages) => pages
                .iter()
                .map(|&i| page_body(&content.pages[i]))
                .collect(),
            None => (content.pages.iter().map(page_body))
                .chain(
                    (content.sections.iter())
                        .map(|s| (s.source.as_str(), s.body_line, s.body.as_str())),
                )
                .collect(),
        };
        bodies
            .par_iter()
            .flat_map_iter(|&(source, body_line, body)| {
                crate::markdown::anchors::broken_anchors(body, &ids)
                    .into_iter()
                    .map(move |l| {
                        crate::diagnostic::error(source, Some(l.line + body_line - 1), l.message)
                    })
            })
            .collect()
    }
}
