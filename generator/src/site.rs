//! The site: one owner of configuration, content and templates whose
//! [`Site::build`] loads, renders and writes.

use letterbox_forms::Manifest;
use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use rayon::prelude::*;

use crate::config::{CONFIG_FILE, Config};
use crate::content::{self, Content};
use crate::diagnostic::{BuildError, Diagnostic, warn};
use crate::forms::{manifest_json, unused_overrides, write_manifest};
use crate::markdown::HeadingIds;
use crate::model::{JobOutput, Model, SiteParts};
use crate::output::aliases::alias_html;
use crate::output::postprocess::finish_files;
use crate::output::{Staging, check_output};
use crate::templates::{Reads, Templates, Urls};

mod markdown;
pub use markdown::Markdown;

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
    /// Processed images (`resize_image`) in the output, and how many of
    /// them this build encoded (the others came from the cache).
    pub images: usize,
    pub images_encoded: usize,
    pub elapsed: Duration,
    /// The output folder.
    pub output: PathBuf,
    /// `<root>/.letterbox/forms.json`.
    pub manifest: PathBuf,
    /// Time per stage, in order (`--verbose` prints them).
    pub stages: Vec<(&'static str, Duration)>,
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
        )?;
        match self.images {
            0 => Ok(()),
            n => write!(f, " ({n} images, {} encoded)", self.images_encoded),
        }
    }
}

/// Path of the form manifest inside a site root.
pub fn manifest_path(root: &Path) -> PathBuf {
    root.join(".letterbox").join("forms.json")
}

/// Loads and builds a site in one go.
pub fn build(options: &BuildOptions) -> Result<BuildSummary, BuildError> {
    let start = Instant::now();
    let mut summary = Site::load(options)?.build()?;
    summary.elapsed = start.elapsed();
    Ok(summary)
}

/// A loaded site.
#[derive(Debug)]
pub struct Site {
    pub root: PathBuf,
    pub output: PathBuf,
    pub(crate) config: Config,
    /// What `content/` holds (public for tests that pick pages by date).
    pub content: Content,
    pub(crate) templates: Templates,
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
        let taxonomies: Vec<String> = (config.taxonomies.iter()).map(|t| t.name.clone()).collect();
        let languages = content::Languages {
            default: config.language.clone(),
            others: (config.other_languages().into_iter())
                .map(|code| {
                    let prefix = config.lang_prefix(&code);
                    (code, prefix)
                })
                .collect(),
        };
        // The grammars take a while to decode: loaded meanwhile, they are
        // ready when the Markdown stage meets its first code block.
        let highlight = config.markdown.highlight_code;
        let ((templates, content), ()) = rayon::join(
            || {
                rayon::join(
                    || Templates::load(&root),
                    || content::load(&root, options.drafts, &taxonomies, &languages),
                )
            },
            || {
                if highlight {
                    crate::markdown::highlight::syntaxes();
                }
            },
        );
        let mut errors = Vec::new();
        let content = content.map_err(|e| errors.extend(e)).ok();
        let templates = templates.map_err(|e| errors.extend(e)).ok();
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
    ///
    /// Each rendered file is written as soon as it is rendered, and only
    /// its name is kept: holding every file's text until a separate write
    /// stage made the largest part of a big site's peak memory. The swap
    /// still happens only once everything succeeded.
    pub fn build(mut self) -> Result<BuildSummary, BuildError> {
        self.build_once()
    }

    /// [`Site::build`] leaving the site to the caller (the CLI does not
    /// free it: the process ends next). The pages' bodies are freed once
    /// their Markdown is rendered, so a site builds once.
    pub(crate) fn build_once(&mut self) -> Result<BuildSummary, BuildError> {
        let start = Instant::now();
        let bodies = (self.content.pages.iter_mut())
            .map(|p| Cow::Owned(std::mem::take(&mut p.body)))
            .collect();
        // Bodies are kept for the anchor check (links with `@/`) and for
        // form problems, reported at their line in the body.
        let keep = |body: &str| body.contains("@/") || body.contains("data-form");
        let (mut markdown, bodies) = self.render_markdown_of(bodies, keep);
        for (page, body) in self.content.pages.iter_mut().zip(bodies) {
            page.body = body.into_owned();
        }
        let rendered = Instant::now();
        let mut errors = std::mem::take(&mut markdown.errors);
        errors.extend(self.broken_anchors(&markdown.pages, &markdown.sections));
        self.free_markdown_inputs(&mut markdown);
        let staging = Staging::new(&self.output)?;
        let (output, _) = self.render_into(&mut markdown, errors, Some(&staging))?;
        drop(markdown);
        let written = Instant::now();
        let mut summary = self.write_into(staging, &output)?;
        summary.elapsed = start.elapsed();
        summary.stages = vec![
            ("markdown", rendered - start),
            ("render and write", written - rendered),
            ("finish and swap", written.elapsed()),
        ];
        Ok(summary)
    }

    /// Frees what a build reads no more once the Markdown is rendered and
    /// its anchors checked: the bodies left (but for those that write a
    /// form), the heading ids, and each worker's cache of highlighted
    /// lines.
    fn free_markdown_inputs(&mut self, markdown: &mut Markdown) {
        (self.content.pages.par_iter_mut())
            .filter(|p| !p.body.contains("data-form"))
            .for_each(|p| p.body = String::new());
        for page in &mut markdown.pages {
            page.ids = HeadingIds::default();
        }
        rayon::broadcast(|_| crate::markdown::highlight::clear_line_cache());
    }

    pub(crate) fn urls(&self) -> Urls {
        self.parts().urls()
    }

    /// The parts the model is made of.
    pub(crate) fn parts(&self) -> SiteParts<'_> {
        SiteParts {
            root: &self.root,
            config: &self.config,
            content: &self.content,
            templates: &self.templates,
        }
    }

    /// The template stage of [`Site::build`]: every output file rendered
    /// into memory (forms discovered), nothing written yet.
    pub fn render(&self, mut markdown: Markdown) -> Result<Output, BuildError> {
        let errors = std::mem::take(&mut markdown.errors);
        self.render_kept(&mut markdown, errors)
            .map(|(output, _)| output)
    }

    /// [`Site::render`] from Markdown results that the caller keeps
    /// (`serve`, between rebuilds), also returning the model and what each
    /// job looked up and found, which `serve` keeps for its fast rebuilds.
    /// `errors` are the Markdown stage's. The pages' body values move into
    /// the template values (taken from `markdown.page_bodies`).
    pub(crate) fn render_kept(
        &self,
        markdown: &mut Markdown,
        errors: Vec<anyhow::Error>,
    ) -> Result<(Output, Kept), BuildError> {
        let mut errors = errors;
        errors.extend(self.broken_anchors(&markdown.pages, &markdown.sections));
        self.render_into(markdown, errors, None)
    }

    /// [`Site::render_kept`] once the anchors are checked (`errors` hold
    /// the broken ones); with `stream`, each job's file is finished
    /// (minified, precompressed) and written there as soon as it is
    /// rendered, and the output holds its name only (in `written`).
    // Long: the render stage in order (model, jobs rendered in parallel with
    // the extras and Sass, manifest, post-processing), sharing the model and
    // the one list of errors.
    fn render_into(
        &self,
        markdown: &mut Markdown,
        mut errors: Vec<anyhow::Error>,
        stream: Option<&Staging>,
    ) -> Result<(Output, Kept), BuildError> {
        let mut model = Model::new(self.parts(), &mut errors);
        if !errors.is_empty() {
            return Err(errors.into());
        }
        // The output folders are made while the values are built: making
        // them is mostly waiting on the file system. (The job paths are
        // copied: building the values borrows the model.)
        let folders = stream.map(|staging| {
            let outs: Vec<String> = (model.jobs.iter()).map(|j| j.out.clone()).collect();
            (staging, outs)
        });
        let make_dirs = || {
            (folders.as_ref())
                .map(|(staging, outs)| staging.make_dirs(outs.iter().map(String::as_str)))
        };
        let (dir_errors, ()) = rayon::join(make_dirs, || {
            model.build_values(self.parts(), &mut markdown.page_bodies, &markdown.sections);
        });
        errors.extend(dir_errors.into_iter().flatten());
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let (((extra_files, search_entries), css), rendered) = rayon::join(
            || {
                rayon::join(
                    || {
                        let extras = model.extras(self.parts());
                        let entries = extras.search_entries();
                        let files = (entries.as_ref().map_err(|e| anyhow!("{e:#}")))
                            .and_then(|entries| extras.files(None, entries));
                        (files, entries.unwrap_or_default())
                    },
                    || {
                        (model.stylesheets.par_iter())
                            .map(|s| {
                                crate::output::sass::compile(s, &self.root, self.config.minify)
                            })
                            .collect::<Vec<_>>()
                    },
                )
            },
            || {
                (0..model.jobs.len())
                    .into_par_iter()
                    .map(|j| {
                        let mut output = model.render_job(self.parts(), j);
                        if let Some(staging) = stream {
                            let out = model.jobs[j].out.as_str();
                            output.result = (output.result).and_then(|(text, forms)| {
                                self.write_finished(staging, out, text)
                                    .map(|()| (String::new(), forms))
                                    .map_err(|e| vec![e])
                            });
                        }
                        output
                    })
                    .collect::<Vec<JobOutput>>()
            },
        );
        let mut files: Vec<(&str, String)> =
            Vec::with_capacity(model.jobs.len() + model.aliases.len());
        let mut written: Vec<&str> = Vec::new();
        let mut reads = Vec::with_capacity(model.jobs.len());
        let mut job_forms = Vec::with_capacity(model.jobs.len());
        for (job, output) in model.jobs.iter().zip(rendered) {
            reads.push(output.reads);
            match output.result {
                Ok((text, found)) => {
                    if stream.is_some() {
                        written.push(job.out.as_str());
                    } else {
                        files.push((job.out.as_str(), text));
                    }
                    job_forms.push(found);
                }
                Err(e) => {
                    errors.extend(e);
                    job_forms.push(Vec::new());
                }
            }
        }
        for alias in &model.aliases {
            files.push((alias.out.as_str(), alias_html(&alias.target)));
        }
        for (out, text) in &model.assets {
            files.push((out, text.clone()));
        }
        for (sheet, result) in model.stylesheets.iter().zip(css) {
            match result {
                Ok(text) => files.push((sheet.out.as_str(), text)),
                Err(e) => errors.push(e),
            }
        }
        match &extra_files {
            Ok(extra) => files.extend(extra.iter().map(|(o, t)| (o.as_str(), t.clone()))),
            Err(e) => errors.push(anyhow!("{e:#}")),
        }
        let manifest = match manifest_json(job_forms.iter().flatten().cloned()) {
            Ok(manifest) => Some(manifest),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        if let Some((manifest, _)) = &manifest
            && !model.settings.overrides.is_empty()
        {
            let site_toml =
                std::fs::read_to_string(self.root.join(CONFIG_FILE)).unwrap_or_default();
            for warning in unused_overrides(manifest, &model.settings, &site_toml) {
                warn(&warning);
            }
        }
        // Post-processing: theme stylesheet, hashed assets, _headers, minify.
        let hashed = model.fingerprints.copies();
        let copied = |out: &str| model.copies.iter().any(|c| c.out == out);
        let base_path = &model.urls.base_path;
        let finished = finish_files(
            &mut files,
            &written,
            &self.config,
            copied,
            &hashed,
            base_path,
        );
        if let Err(e) = finished {
            errors.push(e);
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let output = Output {
            files: files.into_iter().map(|(o, t)| (o.to_owned(), t)).collect(),
            copies: (model.copies.iter())
                .map(|c| (c.from.clone(), c.out.clone()))
                .chain(hashed)
                .chain(self.templates.images().copies())
                .collect(),
            manifest: manifest.map(|(manifest, json)| BuiltManifest { manifest, json }),
        };
        let kept = Kept {
            model,
            reads,
            forms: job_forms,
            search_entries,
        };
        Ok((output, kept))
    }

    /// The write stage of [`Site::build`]: the processed images missing
    /// from the cache encoded, everything written into a fresh folder (each
    /// folder created once, files in parallel), swapped in place of the
    /// output folder, then the form manifest; unused cached images pruned.
    pub fn write(&self, output: &Output) -> Result<BuildSummary, BuildError> {
        self.write_into(Staging::new(&self.output)?, output)
    }

    /// A job's finished file (see [`Site::render_into`]): minified and
    /// precompressed as `site.toml` asks, written into `staging`.
    fn write_finished(&self, staging: &Staging, out: &str, mut text: String) -> anyhow::Result<()> {
        if self.config.minify {
            crate::output::postprocess::minify_html_file(out, &mut text);
        }
        staging.write_in_made_dir(out, text.as_bytes())?;
        if self.config.precompress {
            crate::output::postprocess::precompress_file(staging, out, text.as_bytes())?;
        }
        Ok(())
    }

    /// [`Site::write`] into `staging`, which may hold files already.
    fn write_into(&self, staging: Staging, output: &Output) -> Result<BuildSummary, BuildError> {
        let start = Instant::now();
        let images = self.templates.images();
        let images_encoded = images.encode_missing()?;
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
            write_errors.extend(crate::output::postprocess::precompress(
                &staging,
                &output.files,
                &output.copies,
            ));
        }
        if !write_errors.is_empty() {
            return Err(write_errors.into());
        }
        staging.commit()?;
        if let Err(e) = images.prune() {
            let cache = ".letterbox/images";
            warn(&Diagnostic::new(cache, None, format!("pruning: {e}")));
        }
        let manifest_file = manifest_path(&self.root);
        if let Some(json) = output.manifest_json() {
            write_manifest(&manifest_file, json)?;
        }
        Ok(BuildSummary {
            pages: self.content.pages.len(),
            sections: self.content.sections.len(),
            static_files: output.copies.len().saturating_sub(images.wanted().len()),
            forms: output.forms(),
            images: images.wanted().len(),
            images_encoded,
            elapsed: start.elapsed(),
            output: self.output.clone(),
            manifest: manifest_file,
            stages: Vec::new(),
        })
    }
}

/// What a build's template stage leaves for `serve`'s fast rebuilds.
#[derive(Debug)]
#[cfg_attr(not(feature = "serve"), allow(dead_code))] // serve's fast rebuilds
pub(crate) struct Kept {
    pub model: Model,
    /// What each job (by index in `model.jobs`) looked up.
    pub reads: Vec<Reads>,
    /// The forms each job's output holds.
    pub forms: Vec<Vec<letterbox_forms::Form>>,
    /// Each page's search index entry (none without an index).
    pub search_entries: Vec<String>,
}

/// Result of the template stage ([`Site::render`]): what [`Site::write`] writes.
#[derive(Debug)]
pub struct Output {
    /// (path inside the output folder, contents).
    pub(crate) files: Vec<(String, String)>,
    /// (source file, path inside the output folder).
    pub(crate) copies: Vec<(PathBuf, String)>,
    manifest: Option<BuiltManifest>,
}

/// The form manifest a build found, and its JSON (what is written).
#[derive(Debug)]
struct BuiltManifest {
    manifest: Manifest,
    json: String,
}

impl Output {
    /// The form manifest as JSON, when the site has forms.
    pub fn manifest_json(&self) -> Option<&str> {
        self.manifest.as_ref().map(|m| m.json.as_str())
    }

    /// The form manifest, when the site has forms.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_ref().map(|m| &m.manifest)
    }

    /// How many forms the manifest holds.
    pub fn forms(&self) -> usize {
        self.manifest().map_or(0, |m| m.forms.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn summary_line() {
        let s = BuildSummary {
            pages: 3,
            sections: 2,
            static_files: 1,
            forms: 1,
            images: 0,
            images_encoded: 0,
            elapsed: Duration::from_millis(12),
            output: PathBuf::from("dist"),
            manifest: PathBuf::from(".letterbox/forms.json"),
            stages: Vec::new(),
        };
        assert_eq!(
            s.to_string(),
            "Built 3 pages, 2 sections, 1 static files, 1 forms in 12 ms"
        );
    }
}
