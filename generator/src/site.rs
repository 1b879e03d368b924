//! The site: one owner of configuration, content and templates whose
//! [`Site::build`] loads, renders and writes.

use letterbox_forms::handler::escape_html;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use rayon::prelude::*;
use tera::{Context, Value};

use crate::config::Config;
use crate::content::{self, Content, Page, Section, SortBy};
use crate::forms::{
    ADMIN_OUTPUT, FORMS_SCRIPT, FormSettings, build_manifest, builtin_assets, rewrite_forms,
};
use crate::markdown::{BrokenLink, Rendered};
use crate::output::Staging;
use crate::render::{Lookup, Templates, Urls, html, map, opt};
use crate::taxonomy::{self, Taxonomies};
use crate::{extras, paginate};

/// What to build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder (holding `site.toml`).
    pub root: PathBuf,
    /// Output folder; a relative path is taken from `root`.
    pub output: PathBuf,
    /// Include pages with `draft = true`.
    pub drafts: bool,
    /// Overrides `base_url` from `site.toml`.
    pub base_url: Option<String>,
}

impl BuildOptions {
    /// Options for building `root` into `root/dist`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            output: PathBuf::from("dist"),
            drafts: false,
            base_url: None,
        }
    }
}

/// What a successful build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSummary {
    pub pages: usize,
    pub sections: usize,
    /// Files copied from `static/` and from `content/` (page assets included).
    pub static_files: usize,
    pub forms: usize,
    pub elapsed: Duration,
    /// The output folder.
    pub output: PathBuf,
    /// `<root>/.letterbox/forms.json`.
    pub manifest: PathBuf,
}

impl fmt::Display for BuildSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Built {} pages, {} sections, {} static files, {} forms in {} ms",
            self.pages,
            self.sections,
            self.static_files,
            self.forms,
            self.elapsed.as_millis()
        )
    }
}

/// Every error of a failed build.
#[derive(Debug)]
pub struct BuildError {
    pub errors: Vec<anyhow::Error>,
}

impl From<anyhow::Error> for BuildError {
    fn from(e: anyhow::Error) -> Self {
        Self { errors: vec![e] }
    }
}

impl From<Vec<anyhow::Error>> for BuildError {
    fn from(errors: Vec<anyhow::Error>) -> Self {
        Self { errors }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.errors {
            writeln!(f, "error: {e:#}")?;
        }
        let n = self.errors.len();
        write!(
            f,
            "build failed with {n} error{}",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for BuildError {}

/// Path of the form manifest inside a site root.
pub fn manifest_path(root: &Path) -> PathBuf {
    root.join(".letterbox").join("forms.json")
}

/// Loads and builds a site in one go.
pub fn build(options: &BuildOptions) -> Result<BuildSummary, BuildError> {
    let start = Instant::now();
    let site = Site::load(options)?;
    let mut summary = site.build()?;
    summary.elapsed = start.elapsed();
    Ok(summary)
}

/// A loaded site.
#[derive(Debug)]
pub struct Site {
    pub root: PathBuf,
    pub output: PathBuf,
    pub config: Config,
    pub content: Content,
    pub templates: Templates,
}

/// One file to produce from a template.
struct Job {
    kind: JobKind,
    template: String,
    /// Path inside the output folder.
    out: String,
    /// Source file, for messages.
    source: String,
}

enum JobKind {
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

impl Site {
    /// Reads `site.toml`, `content/` and `templates/`. Errors in content and
    /// templates are all reported together.
    pub fn load(options: &BuildOptions) -> Result<Self, BuildError> {
        let root = options.root.clone();
        let mut config = Config::load(&root)?;
        if let Some(base_url) = &options.base_url {
            config.base_url = base_url.clone();
        }
        let output = if options.output.is_absolute() {
            options.output.clone()
        } else {
            root.join(&options.output)
        };
        check_output(&root, &output)?;
        let (templates, content) = rayon::join(
            || Templates::load(&root),
            || content::load(&root, options.drafts),
        );
        let mut errors = Vec::new();
        let content = content.map_err(|e| errors.extend(e)).ok();
        let templates = templates.map_err(|e| errors.push(e)).ok();
        match (content, templates) {
            (Some(content), Some(templates)) if errors.is_empty() => Ok(Self {
                root,
                output,
                config,
                content,
                templates,
            }),
            _ => Err(errors.into()),
        }
    }

    /// Renders every page and section, writes them with the static files
    /// into a fresh folder and swaps it in place of the output folder, then
    /// writes the form manifest.
    pub fn build(&self) -> Result<BuildSummary, BuildError> {
        let start = Instant::now();
        let output = self.render(self.render_markdown())?;
        let mut summary = self.write(&output)?;
        summary.elapsed = start.elapsed();
        Ok(summary)
    }

    fn urls(&self) -> Urls {
        Urls {
            base_path: self.config.base_path(),
            origin: self.config.origin(),
        }
    }

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
    /// Broken links are in [`Markdown::errors`].
    pub fn render_markdown(&self) -> Markdown {
        let urls = self.urls();
        let md = self.config.markdown.clone();
        let mut errors: Vec<anyhow::Error> = Vec::new();
        let content_paths = self.content_paths();
        // Shortcode templates run before the site model exists: `get_url`
        // (base path, `@/` paths) works in them; `get_page` does not yet.
        let mut bodies = (self.content.pages.iter().map(|p| p.body.as_str()))
            .chain(self.content.sections.iter().map(|s| s.body.as_str()));
        if bodies.any(crate::shortcodes::may_have_shortcodes) {
            self.templates.set_lookup(Lookup {
                urls: urls.clone(),
                paths: (content_paths.iter())
                    .map(|(rel, path)| ((*rel).to_owned(), (*path).to_owned()))
                    .collect(),
                ..Lookup::default()
            });
        }
        let resolve =
            |dest: &str, bundle: Option<&str>| resolve_link(dest, bundle, &content_paths, &urls);
        let page_md: Vec<(Rendered, Vec<BrokenLink>)> = self
            .content
            .pages
            .par_iter()
            .map(|p| {
                let bundle = p.rel.ends_with("/index.md").then_some(p.path.as_str());
                crate::shortcodes::render_markdown(&self.templates, &p.body, &p.source, &md, &|d| {
                    resolve(d, bundle)
                })
            })
            .collect();
        let section_md: Vec<(Rendered, Vec<BrokenLink>)> = self
            .content
            .sections
            .par_iter()
            .map(|s| {
                crate::shortcodes::render_markdown(&self.templates, &s.body, &s.source, &md, &|d| {
                    resolve(d, None)
                })
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
        let broken = page_md.iter().chain(&section_md).map(|(_, b)| b);
        for ((source, body_line), links) in page_sources.chain(section_sources).zip(broken) {
            for link in links {
                errors.push(anyhow!(
                    "{source}:{}: {}",
                    link.line + body_line - 1,
                    link.message
                ));
            }
        }
        Markdown {
            pages: page_md.into_iter().map(|(r, _)| r).collect(),
            sections: section_md.into_iter().map(|(r, _)| r).collect(),
            errors,
        }
    }

    /// Re-renders the Markdown of pages `indices` (into `markdown.pages`)
    /// exactly as [`Site::render_markdown`] does; returns their broken links.
    pub fn rerender_pages(&self, markdown: &mut Markdown, indices: &[usize]) -> Vec<anyhow::Error> {
        let urls = self.urls();
        let md = self.config.markdown.clone();
        let content_paths = self.content_paths();
        let pages = &self.content.pages;
        if (indices.iter()).any(|&i| crate::shortcodes::may_have_shortcodes(&pages[i].body)) {
            self.templates.set_lookup(Lookup {
                urls: urls.clone(),
                paths: (content_paths.iter())
                    .map(|(rel, path)| ((*rel).to_owned(), (*path).to_owned()))
                    .collect(),
                ..Lookup::default()
            });
        }
        let mut errors = Vec::new();
        for &i in indices {
            let p = &pages[i];
            let bundle = p.rel.ends_with("/index.md").then_some(p.path.as_str());
            let (rendered, broken) = crate::shortcodes::render_markdown(
                &self.templates,
                &p.body,
                &p.source,
                &md,
                &|d| resolve_link(d, bundle, &content_paths, &urls),
            );
            for link in broken {
                errors.push(anyhow!(
                    "{}:{}: {}",
                    p.source,
                    link.line + p.body_line - 1,
                    link.message
                ));
            }
            markdown.pages[i] = rendered;
        }
        errors
    }

    /// The template stage of [`Site::build`]: every output file rendered
    /// into memory (forms discovered), nothing written yet.
    pub fn render(&self, markdown: Markdown) -> Result<Output, BuildError> {
        self.render_from(&markdown.pages, &markdown.sections, markdown.errors)
    }

    /// [`Site::render`] from borrowed Markdown results (`serve` keeps them
    /// between rebuilds); `errors` are the Markdown stage's.
    pub fn render_from(
        &self,
        page_md: &[Rendered],
        section_md: &[Rendered],
        mut errors: Vec<anyhow::Error>,
    ) -> Result<Output, BuildError> {
        let urls = self.urls();
        errors.extend(self.broken_anchors(page_md, section_md));

        // Site model: each section's pages and subsections, in order.
        let section_index: HashMap<&str, usize> = self
            .content
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| (s.rel.as_str(), i))
            .collect();
        let mut section_pages: Vec<Vec<usize>> = vec![Vec::new(); self.content.sections.len()];
        for (i, page) in self.content.pages.iter().enumerate() {
            let s = section_index
                .get(page.section.as_str())
                .copied()
                .unwrap_or(0);
            section_pages[s].push(i);
        }
        for (s, pages) in section_pages.iter_mut().enumerate() {
            sort_pages(
                pages,
                &self.content.pages,
                self.content.sections[s].meta.sort_by,
            );
        }
        let mut subsections: Vec<Vec<usize>> = vec![Vec::new(); self.content.sections.len()];
        for (i, section) in self.content.sections.iter().enumerate() {
            if let Some(parent) = section.parent.as_deref().and_then(|p| section_index.get(p)) {
                subsections[*parent].push(i);
            }
        }
        for subs in &mut subsections {
            let sections = &self.content.sections;
            subs.sort_by(|&a, &b| {
                let (a, b) = (&sections[a], &sections[b]);
                (a.meta.weight.is_none(), a.meta.weight, &a.rel).cmp(&(
                    b.meta.weight.is_none(),
                    b.meta.weight,
                    &b.rel,
                ))
            });
        }

        // Taxonomies (terms' pages newest first) and page neighbours.
        let taxonomies = match taxonomy::declared(&self.config.taxonomies) {
            Ok(declared) => taxonomy::collect(&declared, &self.content.pages, &self.root, |idx| {
                sort_pages(idx, &self.content.pages, SortBy::Date)
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
        let neighbours = extras::neighbours(self.content.pages.len(), &section_pages);
        let extras_model = extras::Model {
            config: &self.config,
            content: &self.content,
            page_md,
            section_pages: &section_pages,
            taxonomies: &taxonomies,
            urls: &urls,
        };

        // Output paths: two sources writing one file is an error naming both.
        let mut jobs = Vec::new();
        let mut copies: Vec<(PathBuf, String, String)> = Vec::new(); // (from, out, source)
        let mut aliases: Vec<(String, String, String)> = Vec::new(); // (out, target url, source)
        for (i, section) in self.content.sections.iter().enumerate() {
            let template = section.template_name();
            if let Some(by) = section.meta.paginate_by {
                let count = paginate::pager_count(section_pages[i].len(), by);
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
        for (t, taxonomy) in taxonomies.list.iter().enumerate() {
            let declared = self
                .config
                .taxonomies
                .iter()
                .any(|c| c.name == taxonomy.config.name);
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
                let count = taxonomy
                    .config
                    .paginate_by
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
        for (i, page) in self.content.pages.iter().enumerate() {
            let parent = section_index
                .get(page.section.as_str())
                .map(|&s| &self.content.sections[s]);
            let template = page.template_name(parent);
            let out = out_path(&page.path);
            let folder = out.trim_end_matches("index.html").to_owned();
            for (from, rel) in &page.assets {
                copies.push((from.clone(), format!("{folder}{rel}"), page.source.clone()));
            }
            for alias in &page.meta.aliases {
                let alias_path = format!("/{}/", alias.trim_matches('/'));
                let alias_out = if alias.ends_with(".html") {
                    alias.trim_matches('/').to_owned()
                } else {
                    out_path(&alias_path)
                };
                aliases.push((alias_out, urls.url(&page.path), page.source.clone()));
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
        let assets = builtin_assets();
        for (from, rel) in &self.content.files {
            copies.push((from.clone(), rel.clone(), format!("content/{rel}")));
        }
        match static_files(&self.root) {
            Ok(files) => copies.extend(files),
            Err(e) => errors.push(e),
        }
        // `robots.txt` from the template unless static/ has one.
        let robots = !copies.iter().any(|(_, out, _)| out == "robots.txt");
        if robots {
            jobs.push(Job {
                kind: JobKind::Robots,
                template: "robots.txt".to_owned(),
                out: "robots.txt".to_owned(),
                source: self.templates.display_name("robots.txt"),
            });
        }
        let extra_claims = extras_model.file_claims();
        let mut claimed: HashMap<&str, &str> = HashMap::new();
        let outputs = jobs
            .iter()
            .map(|j| (j.out.as_str(), j.source.as_str()))
            .chain(aliases.iter().map(|(o, _, s)| (o.as_str(), s.as_str())))
            .chain(copies.iter().map(|(_, o, s)| (o.as_str(), s.as_str())))
            .chain(assets.iter().map(|(o, _)| (*o, "(built-in) letterbox")))
            .chain(extra_claims.iter().map(|(o, s)| (o.as_str(), s.as_str())));
        for (out, source) in outputs {
            if let Some(first) = claimed.insert(out, source) {
                errors.push(anyhow!(
                    "{first} and {source} both write {out} in the output folder"
                ));
            }
        }
        for job in &jobs {
            if !self.templates.contains(&job.template) {
                errors.push(anyhow!(
                    "{}: template `{}` not found (looked in templates/ and the built-in templates)",
                    job.source,
                    job.template
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }

        // Template values, built once and shared (maps are reference counted).
        let config_value = config_value(&self.config, &urls);
        let mut ancestors_of: Vec<Vec<usize>> = Vec::with_capacity(self.content.sections.len());
        for section in &self.content.sections {
            let mut chain = Vec::new();
            let mut cur = section.parent.as_deref();
            while let Some(p) = cur.and_then(|p| section_index.get(p)) {
                if chain.contains(p) {
                    break;
                }
                chain.push(*p);
                cur = self.content.sections[*p].parent.as_deref();
            }
            chain.reverse();
            ancestors_of.push(chain);
        }
        let section_refs: Vec<Value> = self
            .content
            .sections
            .iter()
            .map(|s| section_ref(s, &urls))
            .collect();
        let term_refs = taxonomies.term_refs(&urls);
        let page_values: Vec<Value> = self
            .content
            .pages
            .par_iter()
            .zip(page_md.par_iter())
            .enumerate()
            .map(|(i, (page, rendered))| {
                let parent = section_index
                    .get(page.section.as_str())
                    .copied()
                    .unwrap_or(0);
                let mut ancestors: Vec<Value> = ancestors_of[parent]
                    .iter()
                    .map(|&a| section_refs[a].clone())
                    .collect();
                ancestors.push(section_refs[parent].clone());
                let (higher, lower) = neighbours[i];
                let neighbour = |n: Option<usize>| {
                    n.map_or_else(Value::none, |n| {
                        extras::page_ref(&self.content.pages[n], &urls)
                    })
                };
                let more = [
                    ("taxonomies", taxonomies.page_value(i, &term_refs)),
                    ("higher", neighbour(higher)),
                    ("lower", neighbour(lower)),
                ];
                page_value(page, rendered, &urls, ancestors, more)
            })
            .collect();
        let section_values: Vec<Value> = self
            .content
            .sections
            .par_iter()
            .enumerate()
            .map(|(i, section)| {
                let pages: Vec<Value> = section_pages[i]
                    .iter()
                    .map(|&p| page_values[p].clone())
                    .collect();
                let subs: Vec<Value> = subsections[i]
                    .iter()
                    .map(|&s| section_refs[s].clone())
                    .collect();
                let ancestors: Vec<Value> = ancestors_of[i]
                    .iter()
                    .map(|&a| section_refs[a].clone())
                    .collect();
                section_value(section, &section_md[i], &urls, pages, subs, ancestors)
            })
            .collect();
        let fingerprints = std::sync::Arc::new(crate::postprocess::Fingerprints::new(
            copies
                .iter()
                .map(|(from, out, _)| (out.as_str(), from.as_path())),
        ));
        let mut lookup = Lookup {
            urls: urls.clone(),
            fingerprints: std::sync::Arc::clone(&fingerprints),
            ..Lookup::default()
        };
        for (page, value) in self.content.pages.iter().zip(&page_values) {
            lookup.pages.insert(page.rel.clone(), value.clone());
            lookup.paths.insert(page.rel.clone(), page.path.clone());
        }
        for (section, value) in self.content.sections.iter().zip(&section_values) {
            lookup.sections.insert(section.rel.clone(), value.clone());
            lookup
                .paths
                .insert(section.rel.clone(), section.path.clone());
        }
        // Taxonomy values: each term's value (with its pages) built once,
        // shared by the list page, the term's pagers and `get_taxonomy`.
        let taxonomy_values: Vec<Value> = taxonomies.list.iter().map(|t| t.value(&urls)).collect();
        let term_values: Vec<Vec<Value>> = taxonomies
            .list
            .par_iter()
            .map(|t| {
                t.terms
                    .par_iter()
                    .map(|term| term.value(t, &urls, &page_values))
                    .collect()
            })
            .collect();
        let terms_values: Vec<Value> = term_values.iter().map(|v| Value::from(v.clone())).collect();
        lookup.terms = taxonomies.term_paths();
        for (t, taxonomy) in taxonomies.list.iter().enumerate() {
            let value = taxonomy.value_with_terms(&urls, terms_values[t].clone());
            lookup
                .taxonomies
                .insert(taxonomy.config.name.clone(), value);
        }
        self.templates.set_lookup(lookup);
        let (extra_outs, extra_texts): (Vec<String>, Vec<String>) = match extras_model.files() {
            Ok(files) => files.into_iter().unzip(),
            Err(e) => {
                errors.push(e);
                Default::default()
            }
        };
        let sitemap_url = urls.permalink("/sitemap.xml");
        // Pager URLs of each paginated list, built once per list.
        let section_paginators: Vec<Option<paginate::Paginator>> = self
            .content
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let by = s.meta.paginate_by?;
                Some(paginate::Paginator::new(
                    &s.path,
                    section_pages[i].len(),
                    by,
                    &urls,
                ))
            })
            .collect();
        let term_paginators: Vec<Vec<Option<paginate::Paginator>>> = taxonomies
            .list
            .iter()
            .map(|t| {
                t.terms
                    .iter()
                    .map(|term| {
                        let by = t.config.paginate_by?;
                        Some(paginate::Paginator::new(
                            &term.path,
                            term.pages.len(),
                            by,
                            &urls,
                        ))
                    })
                    .collect()
            })
            .collect();

        // Render, discover forms, in parallel.
        let settings = FormSettings {
            api_url: self.config.api_url.clone(),
            overrides: self.config.forms.clone(),
            script_url: Some(urls.url(&format!("/{FORMS_SCRIPT}"))),
        };
        let templates = &self.templates;
        let rendered: Vec<anyhow::Result<(String, Vec<letterbox_forms::Form>)>> = jobs
            .par_iter()
            .map(|job| {
                let mut ctx = Context::new();
                ctx.insert_value("config", config_value.clone());
                let pager_path: String;
                let path = match job.kind {
                    JobKind::Page(i) => {
                        ctx.insert_value("page", page_values[i].clone());
                        self.content.pages[i].path.as_str()
                    }
                    JobKind::Section(i) | JobKind::Pager(i, _) => {
                        let n = match job.kind {
                            JobKind::Pager(_, n) => n,
                            _ => 1,
                        };
                        let section = &self.content.sections[i];
                        ctx.insert_value("section", section_values[i].clone());
                        let paginator =
                            section_paginators[i]
                                .as_ref()
                                .map_or_else(Value::none, |p| {
                                    let items = section_values[i]
                                        .get_from_path("pages")
                                        .and_then(Value::as_array)
                                        .unwrap_or(&[]);
                                    p.value(items, n)
                                });
                        ctx.insert_value("paginator", paginator);
                        pager_path = paginate::pager_path(&section.path, n);
                        pager_path.as_str()
                    }
                    JobKind::TaxonomyList(t) => {
                        ctx.insert_value("taxonomy", taxonomy_values[t].clone());
                        ctx.insert_value("terms", terms_values[t].clone());
                        taxonomies.list[t].path.as_str()
                    }
                    JobKind::Term(t, k, n) => {
                        let taxonomy = &taxonomies.list[t];
                        let term = &taxonomy.terms[k];
                        let value = &term_values[t][k];
                        ctx.insert_value("taxonomy", taxonomy_values[t].clone());
                        ctx.insert_value("term", value.clone());
                        let paginator =
                            term_paginators[t][k]
                                .as_ref()
                                .map_or_else(Value::none, |p| {
                                    let items = value
                                        .get_from_path("pages")
                                        .and_then(Value::as_array)
                                        .unwrap_or(&[]);
                                    p.value(items, n)
                                });
                        ctx.insert_value("paginator", paginator);
                        pager_path = paginate::pager_path(&term.path, n);
                        pager_path.as_str()
                    }
                    JobKind::Robots => {
                        ctx.insert_value("sitemap_url", Value::from(sitemap_url.as_str()));
                        "/robots.txt"
                    }
                    JobKind::NotFound => "/404.html",
                    JobKind::Admin => "/admin/",
                };
                ctx.insert_value("current_path", Value::from(path));
                ctx.insert_value("current_url", Value::from(urls.url(path)));
                let out = templates.render(&job.template, &ctx, &job.source)?;
                if !job.out.ends_with(".html") {
                    return Ok((out, Vec::new()));
                }
                rewrite_forms(&out, &job.source, &settings)
                    .with_context(|| format!("{}: form discovery failed", job.source))
            })
            .collect();
        let mut files: Vec<(&str, String)> = Vec::with_capacity(jobs.len() + aliases.len());
        let mut forms = Vec::new();
        for (job, result) in jobs.iter().zip(rendered) {
            match result {
                Ok((text, found)) => {
                    files.push((job.out.as_str(), text));
                    forms.extend(found);
                }
                Err(e) => errors.push(e),
            }
        }
        for (out, target, _) in &aliases {
            files.push((out.as_str(), alias_html(target)));
        }
        for (out, text) in &assets {
            files.push((out, text.clone()));
        }
        files.extend(extra_outs.iter().map(String::as_str).zip(extra_texts));
        let mut form_count = 0;
        let manifest = build_manifest(forms).map_err(|e| vec![e]);
        let manifest_json = manifest.and_then(|m| {
            form_count = m.forms.len();
            serde_json::to_string_pretty(&m)
                .context("serialising the form manifest")
                .map_err(|e| vec![e])
        });
        let manifest_json = match manifest_json {
            Ok(json) => Some(json),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        // Post-processing: theme stylesheet, hashed assets, _headers, minify.
        let writes = |out: &str| copies.iter().any(|(_, o, _)| o == out);
        if self.config.markdown.highlight_code && !writes(crate::highlight::THEME_CSS) {
            match crate::highlight::theme_css(&self.config.markdown.highlight_theme) {
                Ok(css) => files.push((crate::highlight::THEME_CSS, css)),
                Err(e) => errors.push(anyhow!("site.toml: [markdown] {e}")),
            }
        }
        let hashed = fingerprints.copies();
        if !hashed.is_empty() && !writes(crate::postprocess::HEADERS_FILE) {
            let pages: Vec<&str> = files
                .iter()
                .map(|(o, _)| *o)
                .filter(|o| o.ends_with(".html"))
                .collect();
            let names: Vec<String> = hashed.iter().map(|(_, o)| o.clone()).collect();
            let text = crate::postprocess::headers_file(&urls.base_path, &pages, &names);
            files.push((crate::postprocess::HEADERS_FILE, text));
        }
        if self.config.minify {
            crate::postprocess::minify_html_files(&mut files);
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        Ok(Output {
            files: files.into_iter().map(|(o, t)| (o.to_owned(), t)).collect(),
            copies: copies
                .into_iter()
                .map(|(from, out, _)| (from, out))
                .chain(hashed)
                .collect(),
            manifest_json,
            forms: form_count,
        })
    }

    /// The write stage of [`Site::build`]: everything written into a fresh
    /// folder (each folder created once, files in parallel), swapped in
    /// place of the output folder, then the form manifest.
    pub fn write(&self, output: &Output) -> Result<BuildSummary, BuildError> {
        let start = Instant::now();
        let staging = Staging::new(&self.output)?;
        let mut write_errors = staging.write_all(
            output
                .files
                .par_iter()
                .map(|(o, t)| (o.as_str(), t.as_bytes())),
        );
        write_errors.extend(
            output
                .copies
                .par_iter()
                .map(|(from, out)| staging.copy(from, out))
                .filter_map(Result::err)
                .collect::<Vec<_>>(),
        );
        if self.config.precompress && write_errors.is_empty() {
            write_errors.extend(crate::postprocess::precompress(
                &staging,
                &output.files,
                &output.copies,
            ));
        }
        if !write_errors.is_empty() {
            return Err(write_errors.into());
        }
        staging.commit()?;
        let manifest_file = manifest_path(&self.root);
        if let Some(json) = &output.manifest_json {
            write_manifest(&manifest_file, json)?;
        }
        Ok(BuildSummary {
            pages: self.content.pages.len(),
            sections: self.content.sections.len(),
            static_files: output.copies.len(),
            forms: output.forms,
            elapsed: start.elapsed(),
            output: self.output.clone(),
            manifest: manifest_file,
        })
    }
}

/// Result of the Markdown stage ([`Site::render_markdown`]).
#[derive(Debug)]
pub struct Markdown {
    /// One per page of `Site::content.pages`, same order.
    pub pages: Vec<Rendered>,
    /// One per section of `Site::content.sections`, same order.
    pub sections: Vec<Rendered>,
    /// Broken links.
    pub errors: Vec<anyhow::Error>,
}

/// Result of the template stage ([`Site::render`]): what [`Site::write`] writes.
#[derive(Debug)]
pub struct Output {
    /// (path inside the output folder, contents).
    pub files: Vec<(String, String)>,
    /// (source file, path inside the output folder).
    pub copies: Vec<(PathBuf, String)>,
    manifest_json: Option<String>,
    forms: usize,
}

impl Output {
    /// The form manifest as JSON, when the site has forms.
    pub fn manifest_json(&self) -> Option<&str> {
        self.manifest_json.as_deref()
    }

    /// How many forms the manifest holds.
    pub fn forms(&self) -> usize {
        self.forms
    }
}

impl Site {
    /// `@/page.md#anchor` links whose anchor is no heading of the target,
    /// as `file:line: message`.
    fn broken_anchors(&self, page_md: &[Rendered], section_md: &[Rendered]) -> Vec<anyhow::Error> {
        let ids: HashMap<&str, &[String]> = self
            .content
            .pages
            .iter()
            .map(|p| p.rel.as_str())
            .zip(page_md.iter().map(|r| r.ids.as_slice()))
            .chain(
                self.content
                    .sections
                    .iter()
                    .map(|s| s.rel.as_str())
                    .zip(section_md.iter().map(|r| r.ids.as_slice())),
            )
            .collect();
        let bodies: Vec<(&str, usize, &str)> = self
            .content
            .pages
            .iter()
            .map(|p| (p.source.as_str(), p.body_line, p.body.as_str()))
            .chain(
                self.content
                    .sections
                    .iter()
                    .map(|s| (s.source.as_str(), s.body_line, s.body.as_str())),
            )
            .collect();
        bodies
            .par_iter()
            .flat_map_iter(|&(source, body_line, body)| {
                crate::anchors::broken_anchors(body, &ids)
                    .into_iter()
                    .map(move |l| anyhow!("{source}:{}: {}", l.line + body_line - 1, l.message))
            })
            .collect()
    }
}

pub(crate) fn write_manifest(path: &Path, json: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// Rewrites a Markdown link destination: `@/blog/a.md#x` becomes that
/// page's URL, a root-relative `/x/` gets the base path, and in a page
/// bundle (`bundle` is the page's site path) a relative `pic.png` becomes
/// `/blog/a/pic.png`, so summaries shown elsewhere keep working.
fn resolve_link(
    dest: &str,
    bundle: Option<&str>,
    content_paths: &HashMap<&str, &str>,
    urls: &Urls,
) -> Result<Option<String>, String> {
    if let Some(target) = dest.strip_prefix("@/") {
        let (file, anchor) = target
            .split_once('#')
            .map_or((target, None), |(f, a)| (f, Some(a)));
        let path = content_paths
            .get(file)
            .ok_or_else(|| format!("broken link `{dest}`: no page or section `content/{file}`"))?;
        let mut url = urls.url(path);
        if let Some(anchor) = anchor {
            url.push('#');
            url.push_str(anchor);
        }
        return Ok(Some(url));
    }
    let is_absolute = dest.contains(':') || dest.starts_with("//");
    if is_absolute || dest.starts_with('#') || dest.starts_with('?') || dest.is_empty() {
        return Ok(None);
    }
    if dest.starts_with('/') {
        let base = &urls.base_path;
        let prefixed = dest == base.as_str() || dest.starts_with(&format!("{base}/"));
        return Ok((!base.is_empty() && !prefixed).then(|| urls.url(dest)));
    }
    Ok(bundle.map(|page| urls.url(&format!("{page}{dest}"))))
}

/// The output folder must not be the site itself nor hold it, or the swap
/// would replace the sources.
fn check_output(root: &Path, output: &Path) -> anyhow::Result<()> {
    let norm = |p: &Path| -> PathBuf {
        let abs = if p.is_absolute() {
            p.to_owned()
        } else {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_owned())
        };
        let mut out = PathBuf::new();
        for c in abs.components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                other => out.push(other),
            }
        }
        out
    };
    let (root, output) = (norm(root), norm(output));
    if root.starts_with(&output) {
        anyhow::bail!(
            "output folder {} would contain the site itself; choose a folder such as dist",
            output.display()
        );
    }
    for source in ["content", "templates", "static"] {
        if output.starts_with(root.join(source)) {
            anyhow::bail!("output folder {} is inside {source}/", output.display());
        }
    }
    Ok(())
}

/// `/blog/hello/` → `blog/hello/index.html`; `/` → `index.html`.
fn out_path(site_path: &str) -> String {
    format!("{}index.html", site_path.trim_start_matches('/'))
}

fn static_files(root: &Path) -> anyhow::Result<Vec<(PathBuf, String, String)>> {
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

/// Orders a section's pages.
fn sort_pages(indices: &mut [usize], pages: &[Page], sort_by: SortBy) {
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

fn config_value(config: &Config, urls: &Urls) -> Value {
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

fn toc_value(rendered: &Rendered) -> Value {
    Value::from_serializable(&rendered.toc)
}

fn page_value(
    page: &Page,
    rendered: &Rendered,
    urls: &Urls,
    ancestors: Vec<Value>,
    more: impl IntoIterator<Item = (&'static str, Value)>,
) -> Value {
    let meta = &page.meta;
    let title = meta.title.clone().unwrap_or_default();
    map([
        ("title", Value::from(title)),
        ("description", opt(meta.description.as_deref())),
        ("content", html(&rendered.html)),
        (
            "summary",
            rendered.summary.as_deref().map_or_else(Value::none, html),
        ),
        ("toc", toc_value(rendered)),
        ("word_count", Value::from(rendered.word_count)),
        (
            "reading_time",
            Value::from(rendered.word_count.div_ceil(200).max(1)),
        ),
        ("date", opt(page.date.as_ref().map(|d| d.text.as_str()))),
        (
            "updated",
            opt(page.updated.as_ref().map(|d| d.text.as_str())),
        ),
        ("draft", Value::from(meta.draft)),
        ("slug", Value::from(page.slug.as_str())),
        ("weight", meta.weight.map_or_else(Value::none, Value::from)),
        (
            "tags",
            Value::from(
                meta.tags
                    .iter()
                    .map(|t| Value::from(t.as_str()))
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "aliases",
            Value::from(
                meta.aliases
                    .iter()
                    .map(|t| Value::from(t.as_str()))
                    .collect::<Vec<_>>(),
            ),
        ),
        ("extra", Value::from_serializable(&meta.extra)),
        ("path", Value::from(page.path.as_str())),
        ("url", Value::from(urls.url(&page.path))),
        ("permalink", Value::from(urls.permalink(&page.path))),
        ("relative_path", Value::from(page.rel.as_str())),
        ("section", Value::from(page.section.as_str())),
        ("ancestors", Value::from(ancestors)),
    ]
    .into_iter()
    .chain(more))
}

fn section_value(
    section: &Section,
    rendered: &Rendered,
    urls: &Urls,
    pages: Vec<Value>,
    subsections: Vec<Value>,
    ancestors: Vec<Value>,
) -> Value {
    let meta = &section.meta;
    map([
        ("title", opt(meta.title.as_deref())),
        ("description", opt(meta.description.as_deref())),
        ("content", html(&rendered.html)),
        ("toc", toc_value(rendered)),
        ("path", Value::from(section.path.as_str())),
        ("url", Value::from(urls.url(&section.path))),
        ("permalink", Value::from(urls.permalink(&section.path))),
        ("relative_path", Value::from(section.rel.as_str())),
        ("weight", meta.weight.map_or_else(Value::none, Value::from)),
        ("extra", Value::from_serializable(&meta.extra)),
        ("pages", Value::from(pages)),
        ("subsections", Value::from(subsections)),
        ("ancestors", Value::from(ancestors)),
    ])
}

fn alias_html(target: &str) -> String {
    let target = escape_html(target);
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Moved</title>\n\
         <link rel=\"canonical\" href=\"{target}\">\n<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n\
         </head>\n<body>\n<p>This page has moved to <a href=\"{target}\">{target}</a>.</p>\n</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn links() {
        let paths: HashMap<&str, &str> = [("blog/a.md", "/blog/a/")].into_iter().collect();
        let sub = Urls {
            base_path: "/docs".into(),
            origin: String::new(),
        };
        let root = Urls::default();
        let r = |d: &str, b: Option<&str>, u: &Urls| resolve_link(d, b, &paths, u);
        assert_eq!(
            r("@/blog/a.md", None, &sub),
            Ok(Some("/docs/blog/a/".into()))
        );
        assert_eq!(
            r("@/blog/a.md#h", None, &root),
            Ok(Some("/blog/a/#h".into()))
        );
        assert!(
            r("@/nope.md", None, &root)
                .unwrap_err()
                .contains("content/nope.md")
        );
        assert_eq!(r("/about/", None, &sub), Ok(Some("/docs/about/".into())));
        assert_eq!(r("/docs/about/", None, &sub), Ok(None));
        assert_eq!(r("/about/", None, &root), Ok(None));
        assert_eq!(
            r("pic.png", Some("/blog/b/"), &sub),
            Ok(Some("/docs/blog/b/pic.png".into()))
        );
        assert_eq!(r("pic.png", None, &sub), Ok(None));
        assert_eq!(r("https://x.org", Some("/b/"), &sub), Ok(None));
        assert_eq!(r("#top", Some("/b/"), &sub), Ok(None));
    }

    #[test]
    fn out_paths() {
        assert_eq!(out_path("/"), "index.html");
        assert_eq!(out_path("/blog/hello/"), "blog/hello/index.html");
    }

    #[test]
    fn output_may_not_hold_the_site() {
        let root = Path::new("/tmp/site");
        assert!(check_output(root, Path::new("/tmp/site/dist")).is_ok());
        assert!(check_output(root, Path::new("/tmp/site")).is_err());
        assert!(check_output(root, Path::new("/tmp")).is_err());
        assert!(check_output(root, Path::new("/tmp/site/dist/..")).is_err());
        assert!(check_output(root, Path::new("/tmp/site/static/out")).is_err());
    }

    #[test]
    fn summary_line() {
        let s = BuildSummary {
            pages: 3,
            sections: 2,
            static_files: 1,
            forms: 1,
            elapsed: Duration::from_millis(12),
            output: PathBuf::from("dist"),
            manifest: PathBuf::from(".letterbox/forms.json"),
        };
        assert_eq!(
            s.to_string(),
            "Built 3 pages, 2 sections, 1 static files, 1 forms in 12 ms"
        );
    }
}
