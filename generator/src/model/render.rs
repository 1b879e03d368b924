//! Rendering one job, and the extras over the model.

use super::extras;
use super::jobs::{Job, JobKind, JobOutput};
use super::state::{Model, SiteParts};
use super::values::paginator;
use crate::content::paginate::{self};
use crate::forms::{FormSource, rewrite_forms_in};
use tera::{Context, Value};

impl Model {
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

    /// Renders job `j` (forms discovered in HTML output).
    pub(crate) fn render_job(&self, site: SiteParts<'_>, j: usize) -> JobOutput {
        let job = &self.jobs[j];
        let JobContext {
            mut ctx,
            lang,
            path,
        } = self.job_context(&site, job);
        let path = path.as_str();
        ctx.insert_value("current_path", Value::from(path));
        ctx.insert_value("current_url", Value::from(self.urls.url(path)));
        let (rendered, reads) = site
            .templates
            .render_recording(&job.template, &ctx, &job.source);
        // Form problems are reported at their line in the Markdown, when
        // the form is written there.
        let (body, path) = match job.kind {
            JobKind::Page(i) => {
                let page = &site.content.pages[i];
                (
                    Some((page.body.as_str(), page.body_line)),
                    Some(page.path.as_str()),
                )
            }
            JobKind::Section(i) | JobKind::Pager(i, _) => {
                let section = &site.content.sections[i];
                (
                    Some((section.body.as_str(), section.body_line)),
                    Some(section.path.as_str()),
                )
            }
            _ => (None, None),
        };
        let source = FormSource {
            file: &job.source,
            body,
            path,
            lang: Some(lang),
        };
        let result = rendered.map_err(|e| vec![e]).and_then(|out| {
            // Most files have no form: they are kept as rendered, not copied.
            if !job.out.ends_with(".html") || !out.contains("data-form") {
                return Ok((out, Vec::new()));
            }
            let (html, mut forms) = rewrite_forms_in(&out, source, &self.settings)?;
            if !site.config.languages.is_empty() && !forms.is_empty() {
                // The API answers in the page's language.
                let own = (site.config.language(lang)).map(|l| &l.form_messages);
                let texts =
                    letterbox_forms::validate::catalogue(lang, own.unwrap_or(&Default::default()));
                for form in &mut forms {
                    form.lang = Some(lang.to_owned());
                    form.messages = texts.clone();
                }
            }
            Ok((html, forms))
        });
        JobOutput { result, reads }
    }

    /// The template context of `job` before its URLs: `config` and `lang`
    /// of its language, and the value it renders (page, section and
    /// paginator, taxonomy and terms, …); with its language and path.
    fn job_context<'a>(&'a self, site: &SiteParts<'a>, job: &Job) -> JobContext<'a> {
        let values = &self.values;
        let mut ctx = Context::new();
        let lang = match job.kind {
            JobKind::Page(i) => site.content.pages[i].lang.as_str(),
            JobKind::Section(i) | JobKind::Pager(i, _) => site.content.sections[i].lang.as_str(),
            JobKind::TaxonomyList(t) | JobKind::Term(t, ..) => {
                self.taxonomies.list[t].lang.as_str()
            }
            _ => site.config.language.as_str(),
        };
        let config = values.lang_configs.get(lang).unwrap_or(&values.config);
        ctx.insert_value("config", config.clone());
        ctx.insert_value("lang", Value::from(lang));
        let path = match job.kind {
            JobKind::Page(i) => {
                ctx.insert_value("page", values.pages[i].clone());
                site.content.pages[i].path.clone()
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
                paginate::pager_path(&section.path, n)
            }
            JobKind::TaxonomyList(t) => {
                ctx.insert_value("taxonomy", values.taxonomies[t].clone());
                ctx.insert_value("terms", values.term_lists[t].clone());
                self.taxonomies.list[t].path.clone()
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
                paginate::pager_path(&term.path, n)
            }
            JobKind::Robots => {
                ctx.insert_value("sitemap_url", Value::from(self.sitemap_url.as_str()));
                "/robots.txt".to_owned()
            }
            JobKind::NotFound => "/404.html".to_owned(),
            JobKind::Admin => "/admin/".to_owned(),
        };
        JobContext { ctx, lang, path }
    }
}

/// What [`Model::job_context`] gives.
struct JobContext<'a> {
    ctx: Context,
    lang: &'a str,
    /// Its path in the site (`/blog/page/2/`).
    path: String,
}
