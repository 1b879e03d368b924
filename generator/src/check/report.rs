//! What `letterbox check` is asked and what it reports.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// What to check.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The site folder (holding `site.toml`).
    pub root: PathBuf,
    /// Include pages with `draft = true`.
    pub drafts: bool,
    /// Also request every external http(s) link.
    pub external: bool,
    /// Per-request timeout of external checks.
    pub timeout: Duration,
    /// Requests in flight at once for external checks.
    pub concurrency: usize,
}

impl CheckOptions {
    /// Defaults: no drafts, no external checks, 10 s timeout, 8 at once.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            drafts: false,
            external: false,
            timeout: Duration::from_secs(10),
            concurrency: 8,
        }
    }
}

/// The kind of a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// The build itself failed (e.g. a broken `@/` link).
    Build,
    /// An internal link to a page or file that is not in the output.
    Link,
    /// A link whose `#anchor` is no id of the target page.
    Anchor,
    /// An image, stylesheet, script or other asset missing from the output.
    Asset,
    /// A form whose action has no route in `spin.toml`.
    FormRoute,
    /// A form whose thank-you target is not a page of the site.
    FormRedirect,
    /// A `spin.toml` whose API component would not see this site's forms.
    SpinManifest,
    /// An external link that failed.
    External,
    /// A `trans()` key that one language has and another lacks.
    Translation,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Build => "build error",
            Self::Link => "broken link",
            Self::Anchor => "broken anchor",
            Self::Asset => "missing asset",
            Self::FormRoute => "form without API route",
            Self::FormRedirect => "form redirect",
            Self::SpinManifest => "API manifest not mounted",
            Self::External => "broken external link",
            Self::Translation => "missing translation",
        })
    }
}

/// One thing that is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    /// Source file (`content/blog/a.md`, `templates/base.html`, `site.toml`),
    /// or the output file when no source is known.
    pub file: String,
    /// 1-based line in `file`, when found.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}: {}", self.file, self.kind, self.message),
            None => write!(f, "{}: {}: {}", self.file, self.kind, self.message),
        }
    }
}

/// What [`check`](super::check) found.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    /// HTML pages checked.
    pub pages: usize,
    /// Links and asset references checked (each occurrence).
    pub links: usize,
    /// External URLs requested.
    pub external: usize,
    pub problems: Vec<Problem>,
    /// Things worth saying that are not problems (no `spin.toml`, …).
    pub notes: Vec<String>,
}

impl CheckReport {
    /// True when nothing is broken.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// `checked N pages, M links: K problems`.
    pub fn summary(&self) -> String {
        let k = self.problems.len();
        format!(
            "checked {} pages, {} links: {k} problem{}",
            self.pages,
            self.links,
            if k == 1 { "" } else { "s" }
        )
    }
}
