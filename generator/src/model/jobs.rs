//! The files a build renders from templates ([`Job`]s), and the ones it
//! copies from `static/`.

use crate::templates::Reads;
use anyhow::{Context as _, anyhow};
use std::path::PathBuf;

/// Where the built-in templates' stylesheet is written.
pub(crate) const THEME_STYLESHEET: &str = "letterbox.css";
pub(super) const THEME_CSS_SOURCE: &str = include_str!("../default_templates/letterbox.css");

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

/// `/blog/hello/` → `blog/hello/index.html`; `/` → `index.html`.
pub(crate) fn out_path(site_path: &str) -> String {
    format!("{}index.html", site_path.trim_start_matches('/'))
}

/// A redirect page: written at `out`, it sends browsers to `target`.
#[derive(Debug)]
pub(crate) struct Alias {
    /// Path inside the output folder.
    pub out: String,
    /// The URL it redirects to.
    pub target: String,
    /// Source file, for messages.
    pub source: String,
}

/// A file copied into the output as it is.
#[derive(Debug)]
pub(crate) struct Copied {
    pub from: PathBuf,
    /// Path inside the output folder.
    pub out: String,
    /// Source file, for messages.
    pub source: String,
}

/// Every file under `static/`, to copy.
pub(super) fn static_files(root: &std::path::Path) -> anyhow::Result<Vec<Copied>> {
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
        files.push(Copied {
            from: entry.path().to_owned(),
            out: rel.clone(),
            source: format!("static/{rel}"),
        });
    }
    Ok(files)
}
