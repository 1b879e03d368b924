//! Planning a build: the model of the site's structure and every output
//! file with its source.

use super::jobs::{
    Alias, Copied, Job, JobKind, THEME_CSS_SOURCE, THEME_STYLESHEET, out_path, static_files,
};
use super::state::{Model, SiteParts, Values};
use super::values::sort_pages;
use crate::content::SortBy;
use crate::content::paginate::{self};
use crate::content::taxonomy::{self, Taxonomies};
use crate::diagnostic::{Diagnostic, warn};
use crate::forms::{ADMIN_OUTPUT, FORMS_SCRIPT, FormSettings, builtin_assets};
use crate::output::postprocess::Fingerprints;
use crate::output::sass;
use anyhow::anyhow;
use std::collections::HashMap;
use std::sync::Arc;

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

        let taxonomies = collect_taxonomies(&site, errors);

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
            (self.copies.iter()).map(|c| (c.out.as_str(), c.from.as_path())),
        ));
    }

    /// Jobs, aliases and copies; two sources writing one file is an error
    /// naming both, and so is a job whose template does not exist.
    fn plan_outputs(&mut self, site: SiteParts<'_>, errors: &mut Vec<anyhow::Error>) {
        self.plan_sections(site);
        self.plan_taxonomies(site);
        self.plan_pages(site);
        self.plan_site_files(site, errors);
        self.check_claims(site, errors);
    }

    /// Each section and its pagers (and the `page/1/` alias of a paginated one).
    fn plan_sections(&mut self, site: SiteParts<'_>) {
        let content = &site.content;
        let urls = &self.urls;
        let (jobs, aliases) = (&mut self.jobs, &mut self.aliases);
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
                aliases.push(Alias {
                    out: out_path(&format!("{}page/1/", section.path)),
                    target: urls.url(&section.path),
                    source: section.source.clone(),
                });
            }
            jobs.push(Job {
                kind: JobKind::Section(i),
                template,
                out: out_path(&section.path),
                source: section.source.clone(),
            });
        }
    }

    /// Each taxonomy's list page and its terms' pagers.
    fn plan_taxonomies(&mut self, site: SiteParts<'_>) {
        let urls = &self.urls;
        let (jobs, aliases) = (&mut self.jobs, &mut self.aliases);
        for (t, taxonomy) in self.taxonomies.list.iter().enumerate() {
            let declared = (site.config.taxonomies_in(&taxonomy.lang).iter())
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
                    aliases.push(Alias {
                        out: out_path(&format!("{}page/1/", term.path)),
                        target: urls.url(&term.path),
                        source: source.clone(),
                    });
                }
            }
        }
    }

    /// Each page, its co-located files and its aliases.
    fn plan_pages(&mut self, site: SiteParts<'_>) {
        let content = &site.content;
        let urls = &self.urls;
        let (jobs, copies, aliases) = (&mut self.jobs, &mut self.copies, &mut self.aliases);
        for (i, page) in content.pages.iter().enumerate() {
            let parent = content.sections.get(self.page_section[i]);
            let out = out_path(&page.path);
            let folder = out.trim_end_matches("index.html").to_owned();
            for (from, rel) in &page.assets {
                copies.push(Copied {
                    from: from.clone(),
                    out: format!("{folder}{rel}"),
                    source: page.source.clone(),
                });
            }
            for alias in &page.meta.aliases {
                let alias_out = if alias.ends_with(".html") {
                    alias.trim_matches('/').to_owned()
                } else {
                    out_path(&format!("/{}/", alias.trim_matches('/')))
                };
                aliases.push(Alias {
                    out: alias_out,
                    target: urls.url(&page.path),
                    source: page.source.clone(),
                });
            }
            let template = page.template_name(parent);
            // The built-in page.html shows the title as the page's heading.
            if page.meta.title.is_none() && !site.templates.is_user(&template) {
                warn(&Diagnostic::new(
                    &page.source,
                    None,
                    "no `title` in the front matter; the page's heading will be empty",
                ));
            }
            jobs.push(Job {
                kind: JobKind::Page(i),
                template,
                out,
                source: page.source.clone(),
            });
        }
    }

    /// What every site has: the 404 page, the admin inbox, `content/` and
    /// `static/` files, Sass, `robots.txt` and the theme's stylesheet.
    fn plan_site_files(&mut self, site: SiteParts<'_>, errors: &mut Vec<anyhow::Error>) {
        let content = &site.content;
        let (jobs, copies) = (&mut self.jobs, &mut self.copies);
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
            copies.push(Copied {
                from: from.clone(),
                out: rel.clone(),
                source: format!("content/{rel}"),
            });
        }
        match static_files(site.root) {
            Ok(files) => copies.extend(files),
            Err(e) => errors.push(e),
        }
        match sass::find(site.root) {
            Ok(sheets) => self.stylesheets = sheets,
            Err(e) => errors.push(e),
        }
        // `robots.txt` from the template unless static/ has one.
        if !copies.iter().any(|c| c.out == "robots.txt") {
            jobs.push(Job {
                kind: JobKind::Robots,
                template: "robots.txt".to_owned(),
                out: "robots.txt".to_owned(),
                source: site.templates.display_name("robots.txt"),
            });
        }
        // The built-in theme's stylesheet, unless static/ has its own.
        if !copies.iter().any(|c| c.out == THEME_STYLESHEET) {
            (self.assets).push((THEME_STYLESHEET, THEME_CSS_SOURCE.to_owned()));
        }
    }

    /// Two sources writing one file is an error naming both, and so is a
    /// job whose template does not exist.
    fn check_claims(&self, site: SiteParts<'_>, errors: &mut Vec<anyhow::Error>) {
        let extra_claims = self.extras(site).file_claims();
        let mut claimed: HashMap<&str, &str> = HashMap::new();
        let outputs = (self.jobs.iter())
            .map(|j| (j.out.as_str(), j.source.as_str()))
            .chain((self.aliases.iter()).map(|a| (a.out.as_str(), a.source.as_str())))
            .chain((self.copies.iter()).map(|c| (c.out.as_str(), c.source.as_str())))
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
}

/// Every language's taxonomies and their terms (each term's pages newest
/// first); a problem is pushed onto `errors` and leaves them empty.
fn collect_taxonomies(site: &SiteParts<'_>, errors: &mut Vec<anyhow::Error>) -> Taxonomies {
    let content = &site.content;
    let declared = (site.config.all_languages().into_iter())
        .map(|lang| {
            let taxonomies = crate::config::taxonomies::declared(site.config.taxonomies_in(&lang))?;
            Ok(taxonomy::Declared {
                prefix: site.config.lang_prefix(&lang),
                lang,
                taxonomies,
            })
        })
        .collect::<Result<Vec<_>, String>>();
    match declared {
        Ok(declared) => taxonomy::collect(&declared, &content.pages, site.root, |idx| {
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
    }
}
