//! The template stage's model: which files a build renders from templates
//! ([`Job`]s) and the template values they draw from (pages, sections,
//! taxonomies, pagers), built once per build and shared between jobs.
//!
//! `serve` keeps the model between rebuilds: after a body-only edit,
//! [`Model::update_bodies`] refreshes the values that hold the edited
//! pages and names the jobs whose context or lookups held them, so only
//! those are rendered again.

pub(crate) mod extras;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, anyhow};
use rayon::prelude::*;
use tera::{Context, Value};

use crate::config::Config;
use crate::content::{Content, Page, Section, SortBy};

use crate::content::paginate::{self, Paginator};
use crate::content::taxonomy::{self, Taxonomies};
use crate::forms::{
    ADMIN_OUTPUT, FORMS_SCRIPT, FormSettings, FormSource, builtin_assets, rewrite_forms_in,
};
use crate::markdown::{Heading, Rendered};
use crate::output::postprocess::Fingerprints;
use crate::output::sass;
use crate::templates::{Lookup, Reads, Templates, Urls, html, map, opt};

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

/// Where the built-in templates' stylesheet is written.
pub(crate) const THEME_STYLESHEET: &str = "letterbox.css";
const THEME_CSS_SOURCE: &str = include_str!("../default_templates/letterbox.css");

/// One file to produce from a template.
#[derive(Debug)]
pub(crate) struct Job {
    pub kind: JobKind,
    pub template: String,
    /// Path inside the output folder.
    pub out: String,
    /// Source file, for messages.
    pub source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobKind {
    Page(usize),
    /// Pager 1 of a paginated section is the section itself.
    Section(usize),
    /// Pager `n` (≥ 2) of a paginated section.
    Pager(usize, usize),
    /// A taxonomy's list page (`/tags/`).
    TaxonomyList(usize),
    /// Pager `n` (1-based) of term `k` of taxonomy `t`.
    Term(usize, usize, usize),
    Robots,
    NotFound,
    Admin,
}

/// What one job rendered: the file's text with forms rewritten, the
/// forms found, and what the templates looked up.
#[derive(Debug)]
pub(crate) struct JobOutput {
    pub result: Result<(String, Vec<letterbox_forms::Form>), Vec<anyhow::Error>>,
    pub reads: Reads,
}

/// The site model of one build. Indices are those of `Site::content`.
#[derive(Debug)]
pub(crate) struct Model {
    pub urls: Urls,
    pub jobs: Vec<Job>,
    /// `(output path, target URL, source)` of redirect pages.
    pub aliases: Vec<(String, String, String)>,
    /// `(from, output path, source)` of copied files.
    pub copies: Vec<(PathBuf, String, String)>,
    /// Built-in files: the form and inbox scripts, the theme's stylesheet.
    pub assets: Vec<(&'static str, String)>,
    /// Stylesheets of `sass/`, compiled with the jobs.
    pub stylesheets: Vec<sass::Stylesheet>,
    /// Each page's section.
    pub page_section: Vec<usize>,
    /// Each section's pages in the section's order.
    pub section_pages: Vec<Vec<usize>>,
    subsections: Vec<Vec<usize>>,
    /// Each section's ancestors, outermost first.
    ancestors_of: Vec<Vec<usize>>,
    pub taxonomies: Taxonomies,
    pub fingerprints: Arc<Fingerprints>,
    pub(crate) settings: FormSettings,
    sitemap_url: String,
    values: Values,
}

/// Template values, built once and shared (Tera's maps and arrays are
/// reference counted, so a page's value in a list is no copy).
#[derive(Debug)]
struct Values {
    config: Value,
    pages: Vec<Value>,
    sections: Vec<Value>,
    /// Sections without pages and subsections: `get_section(…, metadata_only=true)`.
    section_meta: Vec<Value>,
    taxonomies: Vec<Value>,
    /// `[taxonomy][term]`.
    terms: Vec<Vec<Value>>,
    /// Each taxonomy's terms as one list value.
    term_lists: Vec<Value>,
    section_paginators: Vec<Option<Paginator>>,
    term_paginators: Vec<Vec<Option<Paginator>>>,
}

impl Default for Values {
    fn default() -> Self {
        Self {
            config: Value::none(),
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

impl Model {
    /// The site's structure: sections' pages, taxonomies and every output
    /// file with its source. Problems (two sources for one output, missing
    /// templates, bad taxonomies) are pushed onto `errors`; values are
    /// built later by [`Model::build_values`].
    pub(crate) fn new(site: SiteParts<'_>, errors: &mut Vec<anyhow::Error>) -> Self {
        let content = &site.content;
        let urls = site.urls();
        let section_index: HashMap<&str, usize> = (content.sections.iter().enumerate())
            .map(|(i, s)| (s.rel.as_str(), i))
            .collect();
        let page_section: Vec<usize> = (content.pages.iter())
            .map(|p| section_index.get(p.section.as_str()).copied().unwrap_or(0))
            .collect();
        let mut section_pages: Vec<Vec<usize>> = vec![Vec::new(); content.sections.len()];
        for (i, &s) in page_section.iter().enumerate() {
            section_pages[s].push(i);
        }
        for (s, pages) in section_pages.iter_mut().enumerate() {
            sort_pages(pages, &content.pages, content.sections[s].meta.sort_by);
        }
        let mut subsections: Vec<Vec<usize>> = vec![Vec::new(); content.sections.len()];
        for (i, section) in content.sections.iter().enumerate() {
            if let Some(parent) = section.parent.as_deref().and_then(|p| section_index.get(p)) {
                subsections[*parent].push(i);
            }
        }
        for subs in &mut subsections {
            let sections = &content.sections;
            subs.sort_by(|&a, &b| {
                let (a, b) = (&sections[a], &sections[b]);
                (a.meta.weight.is_none(), a.meta.weight, &a.rel).cmp(&(
                    b.meta.weight.is_none(),
                    b.meta.weight,
                    &b.rel,
                ))
            });
        }
        let ancestors_of = content
            .sections
            .iter()
            .map(|section| {
                let mut chain = Vec::new();
                let mut cur = section.parent.as_deref();
                while let Some(&p) = cur.and_then(|p| section_index.get(p)) {
                    if chain.contains(&p) {
                        break;
                    }
                    chain.push(p);
                    cur = content.sections[p].parent.as_deref();
                }
                chain.reverse();
                chain
            })
            .collect();

        // Taxonomies (terms' pages newest first).
        let taxonomies = match crate::config::taxonomies::declared(&site.config.taxonomies) {
            Ok(declared) => taxonomy::collect(&declared, &content.pages, &site.root, |idx| {
                sort_pages(idx, &content.pages, SortBy::Date)
            })
            .unwrap_or_else(|e| {
                errors.extend(e);
                Taxonomies::default()
            }),
            Err(e) => {
                errors.push(anyhow!("site.toml: {e}"));
                Taxonomies::default()
            }
        };

        let mut model = Self {
            urls: urls.clone(),
            jobs: Vec::new(),
            aliases: Vec::new(),
            copies: Vec::new(),
            assets: builtin_assets().into(),
            stylesheets: Vec::new(),
            page_section,
            section_pages,
            subsections,
            ancestors_of,
            taxonomies,
            fingerprints: Arc::default(),
            settings: FormSettings {
                api_url: site.config.api_url.clone(),
                overrides: site.config.forms.clone(),
                script_url: Some(urls.url(&format!("/{FORMS_SCRIPT}"))),
            },
            sitemap_url: urls.permalink("/sitemap.xml"),
            values: Values::default(),
        };
        model.plan_outputs(site, errors);
        model.reset_fingerprints();
        model
    }

    /// Forgets which assets were asked for with `cachebust=true`.
    pub(crate) fn reset_fingerprints(&mut self) {
        self.fingerprints = Arc::new(Fingerprints::new(
            (self.copies.iter()).map(|(from, out, _)| (out.as_str(), from.as_path())),
        ));
    }

    /// Jobs, aliases and copies; two sources writing one file is an error
    /// naming both, and so is a job whose template does not exist.
    fn plan_outputs(&mut self, site: SiteParts<'_>, errors: &mut Vec<anyhow::Error>) {
        let content = &site.content;
        let urls = &self.urls;
        let (jobs, copies, aliases) = (&mut self.jobs, &mut self.copies, &mut self.aliases);
        for (i, section) in content.sections.iter().enumerate() {
            let template = section.template_name();
            if let Some(by) = section.meta.paginate_by {
                let count = paginate::pager_count(self.section_pages[i].len(), by);
                for n in 2..=count {
                    jobs.push(Job {
                        kind: JobKind::Pager(i, n),
                        template: template.clone(),
                        out: out_path(&paginate::pager_path(&section.path, n)),
                        source: section.source.clone(),
                    });
                }
                aliases.push((
                    out_path(&format!("{}page/1/", section.path)),
                    urls.url(&section.path),
                    section.source.clone(),
                ));
            }
            jobs.push(Job {
                kind: JobKind::Section(i),
                template,
                out: out_path(&section.path),
                source: section.source.clone(),
            });
        }
        for (t, taxonomy) in self.taxonomies.list.iter().enumerate() {
            let declared = (site.config.taxonomies.iter()).any(|c| c.name == taxonomy.config.name);
            if taxonomy.terms.is_empty() && !declared {
                continue;
            }
            let source = format!("site.toml (taxonomy `{}`)", taxonomy.config.name);
            jobs.push(Job {
                kind: JobKind::TaxonomyList(t),
                template: "taxonomy_list.html".to_owned(),
                out: out_path(&taxonomy.path),
                source: source.clone(),
            });
            for (k, term) in taxonomy.terms.iter().enumerate() {
                let count = (taxonomy.config.paginate_by)
                    .map_or(1, |by| paginate::pager_count(term.pages.len(), by));
                for n in 1..=count {
                    jobs.push(Job {
                        kind: JobKind::Term(t, k, n),
                        template: "taxonomy_single.html".to_owned(),
                        out: out_path(&paginate::pager_path(&term.path, n)),
                        source: source.clone(),
                    });
                }
                if taxonomy.config.paginate_by.is_some() {
                    aliases.push((
                        out_path(&format!("{}page/1/", term.path)),
                        urls.url(&term.path),
                        source.clone(),
                    ));
                }
            }
        }
        for (i, page) in content.pages.iter().enumerate() {
            let parent = content.sections.get(self.page_section[i]);
            let out = out_path(&page.path);
            let folder = out.trim_end_matches("index.html").to_owned();
            for (from, rel) in &page.assets {
                copies.push((from.clone(), format!("{folder}{rel}"), page.source.clone()));
            }
            for alias in &page.meta.aliases {
                let alias_out = if alias.ends_with(".html") {
                    alias.trim_matches('/').to_owned()
                } else {
                    out_path(&format!("/{}/", alias.trim_matches('/')))
                };
                aliases.push((alias_out, urls.url(&page.path), page.source.clone()));
            }
            let template = page.template_name(parent);
            // The built-in page.html shows the title as the page's heading.
            if page.meta.title.is_none() && !site.templates.is_user(&template) {
                eprintln!(
                    "warning: {}: no `title` in the front matter; the page's heading will be empty",
                    page.source
                );
            }
            jobs.push(Job {
                kind: JobKind::Page(i),
                template,
                out,
                source: page.source.clone(),
            });
        }
        jobs.push(Job {
            kind: JobKind::NotFound,
            template: "404.html".to_owned(),
            out: "404.html".to_owned(),
            source: "404.html".to_owned(),
        });
        // The admin inbox (built-in, or `templates/admin.html`).
        jobs.push(Job {
            kind: JobKind::Admin,
            template: "admin.html".to_owned(),
            out: ADMIN_OUTPUT.to_owned(),
            source: "admin.html".to_owned(),
        });
        for (from, rel) in &content.files {
            copies.push((from.clone(), rel.clone(), format!("content/{rel}")));
        }
        match static_files(&site.root) {
            Ok(files) => copies.extend(files),
            Err(e) => errors.push(e),
        }
        match sass::find(&site.root) {
            Ok(sheets) => self.stylesheets = sheets,
            Err(e) => errors.push(e),
        }
        // `robots.txt` from the template unless static/ has one.
        if !copies.iter().any(|(_, out, _)| out == "robots.txt") {
            jobs.push(Job {
                kind: JobKind::Robots,
                template: "robots.txt".to_owned(),
                out: "robots.txt".to_owned(),
                source: site.templates.display_name("robots.txt"),
            });
        }
        // The built-in theme's stylesheet, unless static/ has its own.
        if !copies.iter().any(|(_, out, _)| out == THEME_STYLESHEET) {
            (self.assets).push((THEME_STYLESHEET, THEME_CSS_SOURCE.to_owned()));
        }
        let extra_claims = self.extras(site).file_claims();
        let mut claimed: HashMap<&str, &str> = HashMap::new();
        let outputs = (self.jobs.iter())
            .map(|j| (j.out.as_str(), j.source.as_str()))
            .chain((self.aliases.iter()).map(|(o, _, s)| (o.as_str(), s.as_str())))
            .chain((self.copies.iter()).map(|(_, o, s)| (o.as_str(), s.as_str())))
            .chain((self.assets.iter()).map(|(o, _)| (*o, "(built-in) letterbox")))
            .chain((self.stylesheets.iter()).map(|s| (s.out.as_str(), s.display.as_str())))
            .chain((extra_claims.iter()).map(|(o, s)| (o.as_str(), s.as_str())));
        for (out, source) in outputs {
            if let Some(first) = claimed.insert(out, source) {
                errors.push(crate::diagnostic::error(
                    first,
                    None,
                    format!("writes {out} in the output folder, and so does {source}"),
                ));
            }
        }
        for job in &self.jobs {
            if !site.templates.contains(&job.template) {
                errors.push(crate::diagnostic::error(
                    &job.source,
                    None,
                    format!(
                        "template `{}` not found (looked in templates/ and the built-in templates)",
                        job.template
                    ),
                ));
            }
        }
    }

    /// The extras (feeds, sitemap, search index) over this model.
    pub(crate) fn extras<'a>(&'a self, site: SiteParts<'a>) -> extras::Model<'a> {
        extras::Model {
            config: site.config,
            content: site.content,
            page_values: &self.values.pages,
            section_pages: &self.section_pages,
            taxonomies: &self.taxonomies,
            urls: &self.urls,
        }
    }

    /// Builds every template value from the Markdown results and hands the
    /// lookups (`get_page`, `get_section`, `get_taxonomy`) to the templates.
    /// Each page's HTML and summary move into its value (read them there:
    /// [`extras::Model`] does), so no page's HTML is kept twice.
    pub(crate) fn build_values(
        &mut self,
        site: SiteParts<'_>,
        page_md: &mut [Rendered],
        section_md: &[Rendered],
    ) {
        let content = &site.content;
        let urls = &self.urls;
        let section_refs: Vec<Value> = (content.sections.iter())
            .map(|s| section_ref(s, urls))
            .collect();
        let term_refs = self.taxonomies.term_refs(urls);
        let neighbours = extras::neighbours(content.pages.len(), &self.section_pages);
        let pages: Vec<Value> = (content.pages.par_iter())
            .zip(page_md.par_iter_mut())
            .enumerate()
            .map(|(i, (page, rendered))| {
                let parent = self.page_section[i];
                let ancestors = (self.ancestors_of[parent].iter().chain([&parent]))
                    .map(|&a| section_refs[a].clone())
                    .collect();
                let (higher, lower) = neighbours[i];
                let neighbour = |n: Option<usize>| {
                    n.map_or_else(Value::none, |n| extras::page_ref(&content.pages[n], urls))
                };
                let more = [
                    ("taxonomies", self.taxonomies.page_value(i, &term_refs)),
                    ("higher", neighbour(higher)),
                    ("lower", neighbour(lower)),
                ];
                page_value(page, rendered, urls, ancestors, more)
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
                section_meta_value(section, &section_md[i], urls, ancestors, subsections)
            })
            .collect();
        self.values = Values {
            config: config_value(&site.config, urls),
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
            lookup
                .taxonomies
                .insert(taxonomy.config.name.clone(), self.taxonomy_lookup_value(t));
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

    /// Renders job `j` (forms discovered in HTML output).
    pub(crate) fn render_job(&self, site: SiteParts<'_>, j: usize) -> JobOutput {
        let job = &self.jobs[j];
        let values = &self.values;
        let mut ctx = Context::new();
        ctx.insert_value("config", values.config.clone());
        let pager_path: String;
        let path = match job.kind {
            JobKind::Page(i) => {
                ctx.insert_value("page", values.pages[i].clone());
                site.content.pages[i].path.as_str()
            }
            JobKind::Section(i) | JobKind::Pager(i, _) => {
                let n = match job.kind {
                    JobKind::Pager(_, n) => n,
                    _ => 1,
                };
                let section = &site.content.sections[i];
                let value = &values.sections[i];
                ctx.insert_value("section", value.clone());
                ctx.insert_value(
                    "paginator",
                    paginator(&values.section_paginators[i], value, n),
                );
                pager_path = paginate::pager_path(&section.path, n);
                pager_path.as_str()
            }
            JobKind::TaxonomyList(t) => {
                ctx.insert_value("taxonomy", values.taxonomies[t].clone());
                ctx.insert_value("terms", values.term_lists[t].clone());
                self.taxonomies.list[t].path.as_str()
            }
            JobKind::Term(t, k, n) => {
                let term = &self.taxonomies.list[t].terms[k];
                let value = &values.terms[t][k];
                ctx.insert_value("taxonomy", values.taxonomies[t].clone());
                ctx.insert_value("term", value.clone());
                ctx.insert_value(
                    "paginator",
                    paginator(&values.term_paginators[t][k], value, n),
                );
                pager_path = paginate::pager_path(&term.path, n);
                pager_path.as_str()
            }
            JobKind::Robots => {
                ctx.insert_value("sitemap_url", Value::from(self.sitemap_url.as_str()));
                "/robots.txt"
            }
            JobKind::NotFound => "/404.html",
            JobKind::Admin => "/admin/",
        };
        ctx.insert_value("current_path", Value::from(path));
        ctx.insert_value("current_url", Value::from(self.urls.url(path)));
        let (rendered, reads) = site
            .templates
            .render_recording(&job.template, &ctx, &job.source);
        // Form problems are reported at their line in the Markdown, when
        // the form is written there.
        let body = match job.kind {
            JobKind::Page(i) => {
                let page = &site.content.pages[i];
                Some((page.body.as_str(), page.body_line))
            }
            JobKind::Section(i) | JobKind::Pager(i, _) => {
                let section = &site.content.sections[i];
                Some((section.body.as_str(), section.body_line))
            }
            _ => None,
        };
        let source = FormSource {
            file: &job.source,
            body,
        };
        let result = rendered.map_err(|e| vec![e]).and_then(|out| {
            if !job.out.ends_with(".html") {
                return Ok((out, Vec::new()));
            }
            rewrite_forms_in(&out, source, &self.settings)
        });
        JobOutput { result, reads }
    }

    /// After the bodies of `edited` pages were rendered again (`page_md`),
    /// refreshes every value that holds them (the pages, their sections,
    /// their terms, the lookups) and returns the jobs to render again: the
    /// pages, their sections' and terms' lists, and every job whose last
    /// render (`reads`, by job) looked up a value that changed.
    #[cfg_attr(not(feature = "serve"), allow(dead_code))] // serve's fast rebuilds
    pub(crate) fn update_bodies(
        &mut self,
        site: SiteParts<'_>,
        page_md: &mut [Rendered],
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
            let body = take_body_fields(&mut page_md[p]);
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
        let changed_taxonomies: Vec<(String, Value)> = (taxonomies.iter())
            .map(|&t| {
                let name = self.taxonomies.list[t].config.name.clone();
                (name, self.taxonomy_lookup_value(t))
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
fn paginator(paginator: &Option<Paginator>, list: &Value, n: usize) -> Value {
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

/// `/blog/hello/` → `blog/hello/index.html`; `/` → `index.html`.
pub(crate) fn out_path(site_path: &str) -> String {
    format!("{}index.html", site_path.trim_start_matches('/'))
}

/// `(from, output path, source)` of every file under `static/`.
fn static_files(root: &std::path::Path) -> anyhow::Result<Vec<(PathBuf, String, String)>> {
    let dir = root.join("static");
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
        let rel = rel
            .to_str()
            .ok_or_else(|| anyhow!("{}: file name is not valid UTF-8", entry.path().display()))?
            .replace('\\', "/");
        files.push((
            entry.path().to_owned(),
            rel.clone(),
            format!("static/{rel}"),
        ));
    }
    Ok(files)
}

fn config_value(config: &crate::config::Config, urls: &Urls) -> Value {
    map([
        ("title", Value::from(config.title.as_str())),
        ("base_url", Value::from(config.base_url.as_str())),
        ("base_path", Value::from(urls.base_path.as_str())),
        ("description", Value::from(config.description.as_str())),
        ("language", Value::from(config.language.as_str())),
        ("author", Value::from(config.author.as_str())),
        ("api_url", Value::from(config.api_url.as_str())),
        ("extra", Value::from_serializable(&config.extra)),
        ("generate_feeds", Value::from(config.generate_feeds)),
        ("feed_limit", Value::from(config.feed_limit)),
        ("build_search_index", Value::from(config.build_search_index)),
        ("date_format", Value::from(config.date_format.as_str())),
        ("markdown", Value::from_serializable(&config.markdown)),
    ])
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
fn toc_value(toc: &[Heading]) -> Value {
    let headings = toc.iter().map(|h| {
        map([
            ("level", Value::from(h.level)),
            ("id", Value::from(h.id.as_str())),
            ("title", Value::from(h.title.as_str())),
            ("children", toc_value(&h.children)),
        ])
    });
    Value::from(headings.collect::<Vec<_>>())
}

/// The fields of a page's value that come from its Markdown body: all
/// that a body edit changes. The HTML and summary are taken out of
/// `rendered` (freed once copied into the value).
fn take_body_fields(rendered: &mut Rendered) -> [(&'static str, Value); 5] {
    let content = std::mem::take(&mut rendered.html);
    let summary = rendered.summary.take();
    [
        ("content", html(&content)),
        ("summary", summary.as_deref().map_or_else(Value::none, html)),
        ("toc", toc_value(&rendered.toc)),
        ("word_count", Value::from(rendered.word_count)),
        (
            "reading_time",
            Value::from(rendered.word_count.div_ceil(200).max(1)),
        ),
    ]
}

/// `value` (a map) with `fields` set, built as [`map`] builds maps.
fn with_fields(value: &Value, fields: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
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
    rendered: &mut Rendered,
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
    .chain(take_body_fields(rendered))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_paths() {
        assert_eq!(out_path("/"), "index.html");
        assert_eq!(out_path("/blog/hello/"), "blog/hello/index.html");
    }

    #[test]
    fn toc_value_is_the_serialised_toc() {
        let heading = |level, id: &str, children| Heading {
            level,
            id: id.to_owned(),
            title: format!("Title {id}"),
            children,
        };
        let toc = vec![
            heading(2, "a", vec![heading(3, "b", Vec::new())]),
            heading(2, "c", Vec::new()),
        ];
        assert_eq!(toc_value(&toc), Value::from_serializable(&toc));
        assert_eq!(
            toc_value(&[]),
            Value::from_serializable(&Vec::<Heading>::new())
        );
    }

    #[test]
    fn with_fields_replaces_and_keeps() {
        let value = map([("a", Value::from(1)), ("b", Value::from(2))]);
        let updated = with_fields(&value, [("b", Value::from(3)), ("c", Value::from(4))]);
        let expected = map([
            ("a", Value::from(1)),
            ("b", Value::from(3)),
            ("c", Value::from(4)),
        ]);
        assert_eq!(updated, expected);
    }
}
