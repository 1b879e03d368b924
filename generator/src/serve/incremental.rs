//! Faster rebuilds for `serve`: the last good build's loaded site, its
//! Markdown results and its template model are kept. When only the bodies
//! of existing pages changed (front matter parsed equal, same body line),
//! only those pages' Markdown is rendered again, and only the files that
//! show those bodies are rendered again: the pages, their sections' and
//! terms' lists, any file whose templates looked them up (`get_page`,
//! `get_section`, `get_taxonomy`, recorded per file by the last render),
//! the feeds listing them and the search index. When templates changed
//! (not shortcodes), they are parsed again and every file is rendered
//! again, without the Markdown stage. Files whose bytes changed are
//! written. An edit that asks for other processed images (`resize_image`)
//! takes a full build; one that does not encodes none. Anything else is refused ([`Incremental::update`] returns why)
//! and the caller runs a full build.
//!
//! The result equals a fresh full build byte for byte
//! (`tests/incremental.rs` checks it): values are refreshed by the same
//! functions that build them, and a file is skipped only when nothing in
//! its context or its lookups holds an edited body.

use std::collections::HashMap;
use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rayon::prelude::*;

use crate::content::{PageFrontMatter, parse_front_matter, split_front_matter};
use crate::diagnostic::BuildError;
use crate::forms::{manifest_json, write_manifest};
use crate::markdown::HeadingIds;
use crate::site::{BuildSummary, Kept, Markdown, Site, manifest_path};
use crate::templates::Templates;

/// A successful build kept for the next change.
#[derive(Debug)]
pub struct Incremental {
    site: Site,
    markdown: Markdown,
    kept: Kept,
    /// A hash of every output file as last written, by path in the output
    /// folder (the texts themselves are not kept).
    hashes: HashMap<String, u64>,
    /// The hashed asset copies (`get_url(…, cachebust=true)`) of the last
    /// build.
    hashed_copies: Vec<(PathBuf, String)>,
    manifest_json: Option<String>,
}

/// What a fast rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// Pages whose Markdown was rendered again.
    pub pages: usize,
    /// Output paths of the files rendered again from templates.
    pub rendered: Vec<String>,
    /// Output files written (their bytes changed).
    pub written: usize,
    pub forms: usize,
    pub elapsed: Duration,
}

impl Incremental {
    /// A full build of `site` (as [`Site::build`]) that keeps what the
    /// next [`Incremental::update`] needs.
    pub fn build(site: Site) -> Result<(Self, BuildSummary), BuildError> {
        let start = Instant::now();
        let mut markdown = site.render_markdown();
        let errors = std::mem::take(&mut markdown.errors);
        let (output, kept) = site.render_kept(&mut markdown, errors)?;
        let mut summary = site.write(&output)?;
        summary.elapsed = start.elapsed();
        let hashes = (output.files.par_iter())
            .map(|(out, text)| (out.clone(), hash(text)))
            .collect();
        let state = Self {
            site,
            markdown,
            hashed_copies: kept.model.fingerprints.copies(),
            kept,
            hashes,
            manifest_json: output.manifest_json().map(str::to_owned),
        };
        Ok((state, summary))
    }

    /// The kept site.
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// Applies `changed` (paths as the watcher reports them) when they are
    /// only page bodies; otherwise, or on any error, returns why a full
    /// build is needed (`self` is then consumed: its state may be partly
    /// updated). Written files replace the served ones one by one.
    // Long: the fast rebuild's steps in order, each of which may give up
    // for a full build; kept together so the conditions read as one.
    pub fn update(mut self, changed: &[PathBuf]) -> Result<(Self, Update), String> {
        let start = Instant::now();
        if self.site.config.precompress {
            return Err("precompress is on".into());
        }
        let (contents, templates_changed) = self.split_changes(changed)?;
        if templates_changed {
            self.reload_templates()?;
        }
        let mut edited = self.changed_pages(&contents)?;
        if templates_changed {
            // Shortcodes may include other templates: bodies that call them
            // are rendered again too.
            let content = &self.site.content;
            let calls = |body: &str| crate::markdown::shortcodes::may_have_shortcodes(body);
            if content.sections.iter().any(|s| calls(&s.body)) {
                return Err("a template changed and a section's body calls shortcodes".into());
            }
            for (p, page) in content.pages.iter().enumerate() {
                if calls(&page.body) && !edited.contains(&p) {
                    edited.push(p);
                }
            }
        }
        let old_ids: Vec<HeadingIds> = (edited.iter())
            .map(|&p| self.markdown.pages[p].ids.clone())
            .collect();
        let old_images: Vec<Vec<String>> = (edited.iter())
            .map(|&p| self.markdown.pages[p].images.clone())
            .collect();
        let site = &self.site;
        if !site.rerender_pages(&mut self.markdown, &edited).is_empty() {
            return Err("the Markdown has errors".into());
        }
        // Processed images are encoded and pruned by full builds only.
        if (edited.iter().zip(&old_images)).any(|(&p, old)| self.markdown.pages[p].images != *old) {
            return Err("an edit asks for other processed images".into());
        }
        // Links into an edited page can only break when its headings changed.
        let ids_changed =
            (edited.iter().zip(&old_ids)).any(|(&p, old)| self.markdown.pages[p].ids != *old);
        let (pages, sections) = (&self.markdown.pages, &self.markdown.sections);
        let checked = (!ids_changed).then_some(edited.as_slice());
        if !site.broken_anchors_in(pages, sections, checked).is_empty() {
            return Err("a link has a broken anchor".into());
        }

        let kept = &mut self.kept;
        let bodies = &mut self.markdown.page_bodies;
        let mut dirty = kept
            .model
            .update_bodies(site.parts(), bodies, &edited, &kept.reads);
        if templates_changed {
            dirty = (0..kept.model.jobs.len()).collect();
        }
        let outputs: Vec<_> = (dirty.par_iter())
            .map(|&j| kept.model.render_job(site.parts(), j))
            .collect();
        let mut files: Vec<(&str, String)> = Vec::with_capacity(dirty.len());
        for (&j, output) in dirty.iter().zip(outputs) {
            let (text, forms) = output.result.map_err(|e| {
                let errors: Vec<String> = e.iter().map(|e| format!("{e:#}")).collect();
                format!("the template stage failed: {}", errors.join("; "))
            })?;
            if kept.reads[j].images != output.reads.images {
                return Err("a template asks for other processed images".into());
            }
            kept.reads[j] = output.reads;
            kept.forms[j] = forms;
            files.push((kept.model.jobs[j].out.as_str(), text));
        }
        if kept.model.fingerprints.copies() != self.hashed_copies {
            return Err("the templates ask for other hashed assets".into());
        }
        let extras = kept.model.extras(site.parts());
        if !kept.search_entries.is_empty() {
            for &p in &edited {
                kept.search_entries[p] = extras.search_entry(p).map_err(|e| format!("{e:#}"))?;
            }
        }
        let extras =
            (extras.files(Some(&edited), &kept.search_entries)).map_err(|e| format!("{e:#}"))?;
        files.extend(
            extras
                .iter()
                .map(|(out, text)| (out.as_str(), text.clone())),
        );
        if site.config.minify {
            crate::output::postprocess::minify_html_files(&mut files);
        }

        let (manifest, json) = manifest_json(kept.forms.iter().flatten().cloned())
            .map_err(|_| "the form manifest has errors".to_owned())?;
        // The files whose bytes changed, written in parallel.
        let hashes = &self.hashes;
        let changes: Vec<(&str, &str, u64)> = (files.par_iter())
            .filter_map(|(out, text)| {
                let new = hash(text);
                match hashes.get(*out) {
                    Some(old) if *old == new => None,
                    Some(_) => Some(Ok((*out, text.as_str(), new))),
                    None => Some(Err("the set of output files changed".to_owned())),
                }
            })
            .collect::<Result<_, _>>()?;
        (changes.par_iter())
            .try_for_each(|(out, text, _)| write_file(&site.output, out, text))
            .map_err(|e| format!("{e:#}"))?;
        let written = changes.len();
        for (out, _, new) in changes {
            if let Some(old) = self.hashes.get_mut(out) {
                *old = new;
            }
        }
        if self.manifest_json.as_deref() != Some(json.as_str()) {
            write_manifest(&manifest_path(&site.root), &json).map_err(|e| format!("{e:#}"))?;
            self.manifest_json = Some(json);
        }
        let update = Update {
            pages: edited.len(),
            rendered: (dirty.iter())
                .map(|&j| kept.model.jobs[j].out.clone())
                .collect(),
            written,
            forms: manifest.forms.len(),
            elapsed: start.elapsed(),
        };
        Ok((self, update))
    }

    /// The changed files under `content/` (with their path relative to it),
    /// and whether a template changed;
    /// an error for anything else (static files, `site.toml`, shortcodes,
    /// which the Markdown stage uses).
    fn split_changes(&self, changed: &[PathBuf]) -> Result<(Vec<(PathBuf, String)>, bool), String> {
        let root = &self.site.root;
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
        let content_dir = canon(&root.join("content"));
        let templates_dir = canon(&root.join("templates"));
        let mut contents = Vec::new();
        let mut templates = false;
        for path in changed {
            let full = match (path.parent(), path.file_name()) {
                (Some(dir), Some(name)) => canon(dir).join(name),
                _ => path.clone(),
            };
            if let Ok(rel) = full.strip_prefix(&content_dir) {
                let Some(rel) = rel.to_str().map(|r| r.replace('\\', "/")) else {
                    return Err(format!("{}: name is not UTF-8", path.display()));
                };
                contents.push((full, rel));
                continue;
            }
            let Ok(rel) = full.strip_prefix(&templates_dir) else {
                return Err(format!(
                    "{} is not in content/ or templates/",
                    path.display()
                ));
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            // Hidden files are no templates (as in `Templates::load`).
            if rel.split('/').any(|c| c.starts_with('.')) {
                continue;
            }
            if rel.starts_with("shortcodes/") || rel == "shortcodes" {
                return Err(format!(
                    "templates/{rel}: shortcodes run in the Markdown stage"
                ));
            }
            templates = true;
        }
        Ok((contents, templates))
    }

    /// Parses `templates/` again for the kept model; every file is then
    /// rendered again. Errors (the full build reports them) and a template
    /// that a file needs but no longer exists are refused.
    fn reload_templates(&mut self) -> Result<(), String> {
        let templates = Templates::load(&self.site.root).map_err(|errors| {
            (errors.iter().map(|e| format!("{e:#}")))
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        if let Some(job) = (self.kept.model.jobs.iter()).find(|j| !templates.contains(&j.template))
        {
            return Err(format!("template `{}` is missing", job.template));
        }
        self.site.templates = templates;
        // Hashed assets are handed out anew, as the templates ask for them.
        self.kept.model.reset_fingerprints();
        self.kept.model.install_lookup(self.site.parts());
        Ok(())
    }

    /// Indices of the pages whose bodies changed, their new bodies set in
    /// the kept content; an error when a change is anything else.
    /// `changed`: (file, path relative to `content/`), as
    /// [`Incremental::split_changes`] gives them.
    fn changed_pages(&mut self, changed: &[(PathBuf, String)]) -> Result<Vec<usize>, String> {
        let mut indices = Vec::new();
        for (full, rel) in changed {
            let rel = rel.as_str();
            // Hidden files and folders are no content (as in `content::load`).
            if rel.split('/').any(|c| c.starts_with('.')) {
                continue;
            }
            let content = &self.site.content;
            let Some(i) = content.pages.iter().position(|p| p.rel == rel) else {
                // A file that came and went (an editor's backup) is no
                // change; anything else is.
                let below = format!("{rel}/");
                let known = (content.pages.iter().map(|p| p.rel.as_str()))
                    .chain(content.sections.iter().map(|s| s.rel.as_str()))
                    .chain(content.files.iter().map(|(_, r)| r.as_str()))
                    .any(|r| r == rel || r.starts_with(&below));
                if full.exists() || known || rel.is_empty() {
                    return Err(format!("content/{rel} is not a page's body"));
                }
                continue;
            };
            let page = &content.pages[i];
            let text = std::fs::read_to_string(full)
                .map_err(|e| format!("reading {}: {e}", full.display()))?;
            let split = split_front_matter(&text, &page.source).map_err(|e| format!("{e:#}"))?;
            let meta: PageFrontMatter =
                parse_front_matter(&split, &page.source).map_err(|e| format!("{e:#}"))?;
            if format!("{meta:?}") != format!("{:?}", page.meta)
                || split.body_line != page.body_line
            {
                return Err(format!("{}: front matter changed", page.source));
            }
            if page.body != split.body {
                let body = split.body.to_owned();
                self.site.content.pages[i].body = body;
                if !indices.contains(&i) {
                    indices.push(i);
                }
            }
        }
        Ok(indices)
    }
}

fn hash(text: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// Writes `text` at `out` inside `dir` through a temporary file and a
/// rename, so that the server never sends half a file.
fn write_file(dir: &Path, out: &str, text: &str) -> anyhow::Result<()> {
    let path = dir.join(out);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.letterbox-tmp"));
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
}
