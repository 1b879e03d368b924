//! Faster rebuilds for `serve`: the last good build's loaded site, its
//! Markdown results and its output files are kept. When only the bodies of
//! existing pages changed (front matter parsed equal, same body line), only
//! those pages' Markdown is rendered again, the template stage runs over the
//! kept site, and only the output files whose bytes changed are written.
//! Anything else is refused ([`Incremental::update`] returns why) and the
//! caller runs a full build.
//!
//! Skipped compared with a full build: reading `site.toml`, `content/` and
//! `templates/`, the Markdown of unchanged pages, and writing unchanged
//! files. The template stage still renders every output in memory, so the
//! result is the full build's by construction (the same [`Site::render`]
//! code over the same inputs); its cost grows with the site.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::content::{PageFrontMatter, parse_front_matter, split_front_matter};
use crate::site::{BuildError, BuildSummary, Markdown, Site, manifest_path, write_manifest};

/// A successful build kept for the next change.
#[derive(Debug)]
pub struct Incremental {
    site: Site,
    markdown: Markdown,
    /// Output files as last written: path inside the output folder → text.
    files: HashMap<String, String>,
    copies: Vec<(PathBuf, String)>,
    manifest_json: Option<String>,
}

/// What a fast rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// Pages whose Markdown was rendered again.
    pub pages: usize,
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
        let output = site.render_from(&markdown.pages, &markdown.sections, errors)?;
        let mut summary = site.write(&output)?;
        summary.elapsed = start.elapsed();
        let manifest_json = output.manifest_json().map(str::to_owned);
        let state = Self {
            site,
            markdown,
            files: output.files.into_iter().collect(),
            copies: output.copies,
            manifest_json,
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
    pub fn update(mut self, changed: &[PathBuf]) -> Result<(Self, Update), String> {
        let start = Instant::now();
        if self.site.config.precompress {
            return Err("precompress is on".into());
        }
        let indices = self.changed_pages(changed)?;
        let errors = self.site.rerender_pages(&mut self.markdown, &indices);
        if !errors.is_empty() {
            return Err("the Markdown has errors".into());
        }
        let output = self
            .site
            .render_from(&self.markdown.pages, &self.markdown.sections, Vec::new())
            .map_err(|_| "the template stage failed".to_owned())?;
        if output.files.len() != self.files.len() || output.copies != self.copies {
            return Err("the set of output files changed".into());
        }
        let mut write = Vec::new();
        for (out, text) in &output.files {
            match self.files.get(out) {
                Some(old) if old == text => {}
                Some(_) => write.push((out.as_str(), text.as_str())),
                None => return Err("the set of output files changed".into()),
            }
        }
        for (out, text) in &write {
            write_file(&self.site.output, out, text).map_err(|e| format!("{e:#}"))?;
        }
        let manifest_json = output.manifest_json().map(str::to_owned);
        if manifest_json != self.manifest_json
            && let Some(json) = &manifest_json
        {
            write_manifest(&manifest_path(&self.site.root), json).map_err(|e| format!("{e:#}"))?;
        }
        let update = Update {
            pages: indices.len(),
            written: write.len(),
            forms: output.forms(),
            elapsed: Duration::ZERO,
        };
        for (out, text) in output.files {
            self.files.insert(out, text);
        }
        self.manifest_json = manifest_json;
        Ok((
            self,
            Update {
                elapsed: start.elapsed(),
                ..update
            },
        ))
    }

    /// Indices of the pages whose bodies changed, their new bodies set in
    /// the kept content; an error when a change is anything else.
    fn changed_pages(&mut self, changed: &[PathBuf]) -> Result<Vec<usize>, String> {
        let root = &self.site.root;
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
        let content_dir = canon(&root.join("content"));
        let mut indices = Vec::new();
        for path in changed {
            let full = match (path.parent(), path.file_name()) {
                (Some(dir), Some(name)) => canon(dir).join(name),
                _ => path.clone(),
            };
            let Ok(rel) = full.strip_prefix(&content_dir) else {
                return Err(format!("{} is not in content/", path.display()));
            };
            let Some(rel) = rel.to_str().map(|r| r.replace('\\', "/")) else {
                return Err(format!("{}: name is not UTF-8", path.display()));
            };
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
            let text = std::fs::read_to_string(&full)
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
