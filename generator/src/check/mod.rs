//! `letterbox check`: builds the site in memory (nothing is written: neither
//! the output folder nor `.letterbox/`) and reports what points nowhere —
//! internal links and `#anchors`, images and assets, forms without an API
//! route in `spin.toml` or with a thank-you page that does not exist, and,
//! with [`CheckOptions::external`], external http(s) links.

mod external;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use anyhow::Context as _;
use lol_html::{RewriteStrSettings, element, rewrite_str};

use crate::diagnostic::Diagnostic;
use crate::model::{Job, JobKind};
use crate::site::{BuildOptions, Site};
use external::check_external;

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

/// What [`check`] found.
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

/// A reference found in a rendered page.
#[derive(Debug, Clone)]
struct Reference {
    url: String,
    /// `a[href]` (a link) or an asset (`img[src]`, `link[href]`, …).
    asset: bool,
}

/// Ids and references of one rendered HTML file.
#[derive(Debug, Default)]
struct Scan {
    ids: HashSet<String>,
    refs: Vec<Reference>,
}

/// Where an output file came from.
#[derive(Debug, Clone)]
struct Origin {
    /// Source file for messages.
    file: String,
    /// Markdown body and the line it starts on, for content pages.
    body: Option<(String, usize)>,
    /// The template that rendered it.
    template: Option<String>,
}

/// Builds the site in memory and checks it. `Err` only when the site cannot
/// be loaded at all (no `site.toml`, …); build errors are problems.
pub fn check(options: &CheckOptions) -> anyhow::Result<CheckReport> {
    let build_options = BuildOptions {
        root: options.root.clone(),
        // Never written: `check` stops after the in-memory render.
        output: PathBuf::from("dist"),
        drafts: options.drafts,
        base_url: None,
    };
    let mut report = CheckReport::default();
    let site = match Site::load(&build_options) {
        Ok(site) => site,
        Err(e) => {
            report.problems.extend(build_problems(e.errors));
            return Ok(report);
        }
    };
    let mut markdown = site.render_markdown();
    let rendered = site.render_kept(&mut markdown.pages, &markdown.sections, markdown.errors);
    let (output, kept) = match rendered {
        Ok(rendered) => rendered,
        Err(e) => {
            report.problems.extend(build_problems(e.errors));
            return Ok(report);
        }
    };
    let base_path = site.config.base_path();
    let origin = site.config.origin();

    let mut existing: HashSet<&str> = output.files.iter().map(|(o, _)| o.as_str()).collect();
    existing.extend(output.copies.iter().map(|(_, o)| o.as_str()));
    let origins = origins(&site, &kept.model.jobs);

    // Scan every HTML file: ids and references.
    let mut scans: BTreeMap<&str, Scan> = BTreeMap::new();
    for (out, text) in &output.files {
        if out.ends_with(".html") {
            let scan = scan_html(text).with_context(|| format!("{out}: cannot parse the HTML"))?;
            scans.insert(out.as_str(), scan);
        }
    }
    report.pages = scans.len();

    let mut external: BTreeMap<String, Vec<(String, Option<usize>)>> = BTreeMap::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut from_templates: HashSet<(ProblemKind, String)> = HashSet::new();
    // Content pages first, so a link every page has is reported on one
    // with a Markdown source and a template name.
    let mut order: Vec<(&&str, &Scan)> = scans.iter().collect();
    order.sort_by_key(|(out, _)| {
        let has_body = origins.get(**out).is_some_and(|o| o.body.is_some());
        (!has_body, **out)
    });
    for (out, scan) in order {
        let fallback = Origin {
            file: format!("(output) {out}"),
            body: None,
            template: None,
        };
        let source = origins.get(*out).unwrap_or(&fallback);
        for reference in &scan.refs {
            report.links += 1;
            let url = reference.url.trim();
            let target = match classify(url, &origin) {
                Target::Skip => continue,
                Target::External(u) => {
                    if options.external {
                        let line = find_line(source, url).0;
                        external
                            .entry(u)
                            .or_default()
                            .push((source.file.clone(), line));
                    }
                    continue;
                }
                Target::Internal(t) => t,
            };
            // One report per (output file, url): a nav link repeated on a
            // page is one problem.
            if !seen.insert(((*out).to_owned(), url.to_owned())) {
                continue;
            }
            let (path, fragment) = match target.split_once('#') {
                Some((p, f)) => (p.to_owned(), Some(percent_decode(f))),
                None => (target.clone(), None),
            };
            let path = path.split('?').next().unwrap_or_default().to_owned();
            let resolved_out = if path.is_empty() {
                Some((*out).to_owned())
            } else {
                let site_path = if path.starts_with('/') {
                    path.clone()
                } else {
                    join_relative(out, &path)
                };
                let site_path = strip_base(&percent_decode(&site_path), &base_path);
                output_file(&site_path, &existing)
            };
            let Some(resolved_out) = resolved_out else {
                let (line, how) = find_line(source, url);
                let kind = if reference.asset {
                    ProblemKind::Asset
                } else {
                    ProblemKind::Link
                };
                // A link a template puts on every page is one problem.
                if line.is_some() || from_templates.insert((kind, url.to_owned())) {
                    report.problems.push(Problem {
                        kind,
                        file: source.file.clone(),
                        line,
                        message: format!("`{url}` points to nothing in the output{how}"),
                    });
                }
                continue;
            };
            let Some(fragment) = fragment.filter(|f| !f.is_empty() && f != "top") else {
                continue;
            };
            let Some(target_scan) = scans.get(resolved_out.as_str()) else {
                continue;
            };
            if !target_scan.ids.contains(&fragment) {
                let (line, how) = find_line(source, url);
                if line.is_none() && !from_templates.insert((ProblemKind::Anchor, url.to_owned())) {
                    continue;
                }
                report.problems.push(Problem {
                    kind: ProblemKind::Anchor,
                    file: source.file.clone(),
                    line,
                    message: format!(
                        "`{url}`: no element with id `{fragment}` in {resolved_out}{how}"
                    ),
                });
            }
        }
    }

    // Forms: a route in spin.toml, a redirect to a page.
    if let Some(manifest) = output.manifest() {
        check_forms(&site, manifest, &existing, &base_path, &mut report)?;
    }

    if options.external {
        report.external = external.len();
        let results = check_external(
            external.keys().cloned().collect(),
            options.timeout,
            options.concurrency,
        );
        for (url, error) in results {
            let Some(error) = error else { continue };
            let places = external.get(&url).map(Vec::as_slice).unwrap_or_default();
            let (file, line) = places.first().cloned().unwrap_or_default();
            let more = if places.len() > 1 {
                format!(" (and {} more places)", places.len() - 1)
            } else {
                String::new()
            };
            report.problems.push(Problem {
                kind: ProblemKind::External,
                file,
                line,
                message: format!("`{url}`: {error}{more}"),
            });
        }
    }
    Ok(report)
}

fn build_problems(errors: Vec<anyhow::Error>) -> Vec<Problem> {
    errors
        .into_iter()
        .map(|e| match e.downcast_ref::<Diagnostic>() {
            Some(located) => Problem {
                kind: ProblemKind::Build,
                file: located.file.clone(),
                line: located.line,
                message: located.text(),
            },
            None => Problem {
                kind: ProblemKind::Build,
                file: "(build)".to_owned(),
                line: None,
                message: format!("{e:#}"),
            },
        })
        .collect()
}

/// Output file → where it came from, from the build's own jobs: content
/// pages, sections and their pagers (with their Markdown), the 404 page and
/// the admin inbox (by template). Other files have no origin.
fn origins(site: &Site, jobs: &[Job]) -> HashMap<String, Origin> {
    let content = &site.content;
    let body = |source: &str, body: &str, line: usize, template: &str| Origin {
        file: source.to_owned(),
        body: Some((body.to_owned(), line)),
        template: Some(site.templates.display_name(template)),
    };
    let mut map = HashMap::new();
    for job in jobs {
        let origin = match job.kind {
            JobKind::Page(p) => {
                let page = &content.pages[p];
                body(&page.source, &page.body, page.body_line, &job.template)
            }
            JobKind::Section(s) | JobKind::Pager(s, _) => {
                let section = &content.sections[s];
                body(
                    &section.source,
                    &section.body,
                    section.body_line,
                    &job.template,
                )
            }
            JobKind::NotFound | JobKind::Admin => Origin {
                file: site.templates.display_name(&job.template),
                body: None,
                template: Some(site.templates.display_name(&job.template)),
            },
            JobKind::TaxonomyList(_) | JobKind::Term(..) | JobKind::Robots => continue,
        };
        map.insert(job.out.clone(), origin);
    }
    map
}

/// The line of a reference in its source: the URL (or its `#fragment`, or
/// its path) found in the Markdown body; otherwise which template made it.
fn find_line(origin: &Origin, url: &str) -> (Option<usize>, String) {
    if let Some((body, body_line)) = &origin.body {
        let mut needles = vec![url.to_owned()];
        if let Some((path, fragment)) = url.split_once('#') {
            needles.push(format!("#{fragment}"));
            if !path.is_empty() {
                needles.push(path.to_owned());
            }
        }
        let trimmed = url.trim_end_matches('/');
        if !trimmed.is_empty() && trimmed != url {
            needles.push(trimmed.to_owned());
        }
        for needle in &needles {
            if let Some(pos) = body.find(needle.as_str()) {
                let line = body[..pos].matches('\n').count() + body_line;
                return (Some(line), String::new());
            }
        }
    }
    match &origin.template {
        Some(t) if origin.body.is_some() => (None, format!(" (from the template {t})")),
        _ => (None, " (from the template)".to_owned()),
    }
}

enum Target {
    Skip,
    External(String),
    /// Site-relative or page-relative URL, with the base path.
    Internal(String),
}

fn classify(url: &str, origin: &str) -> Target {
    if url.is_empty() {
        return Target::Skip;
    }
    if !origin.is_empty()
        && let Some(rest) = url.strip_prefix(origin)
        && (rest.is_empty() || rest.starts_with('/'))
    {
        let rest = if rest.is_empty() { "/" } else { rest };
        return Target::Internal(rest.to_owned());
    }
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Target::External(url.to_owned());
    }
    if url.starts_with("//") {
        return Target::External(format!("https:{url}"));
    }
    // Any other scheme (mailto:, tel:, data:, javascript:) is not ours.
    if let Some(colon) = url.find(':') {
        let scheme = &url[..colon];
        if !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Target::Skip;
        }
    }
    Target::Internal(url.to_owned())
}

/// `blog/a/index.html` + `pic.png` → `/blog/a/pic.png`, `..` resolved.
fn join_relative(out: &str, rel: &str) -> String {
    let dir = out.rsplit_once('/').map_or("", |(d, _)| d);
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut path = format!("/{}", parts.join("/"));
    if rel.ends_with('/') && !path.ends_with('/') {
        path.push('/');
    }
    path
}

fn strip_base(path: &str, base_path: &str) -> String {
    if !base_path.is_empty()
        && let Some(rest) = path.strip_prefix(base_path)
        && (rest.is_empty() || rest.starts_with('/'))
    {
        return if rest.is_empty() {
            "/".into()
        } else {
            rest.into()
        };
    }
    path.to_owned()
}

/// The output file a site path is served from, if any.
fn output_file(site_path: &str, existing: &HashSet<&str>) -> Option<String> {
    let rel = site_path.trim_start_matches('/');
    let candidates = if rel.is_empty() || rel.ends_with('/') {
        vec![format!("{rel}index.html")]
    } else {
        vec![rel.to_owned(), format!("{rel}/index.html")]
    };
    candidates
        .into_iter()
        .find(|c| existing.contains(c.as_str()))
}

fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Ids and references of a rendered page, read with lol_html.
fn scan_html(html: &str) -> anyhow::Result<Scan> {
    let scan = Rc::new(RefCell::new(Scan::default()));
    let add = |scan: &Rc<RefCell<Scan>>, url: String, asset: bool| {
        scan.borrow_mut().refs.push(Reference { url, asset });
    };
    let (s1, s2, s3, s4, s5) = (
        Rc::clone(&scan),
        Rc::clone(&scan),
        Rc::clone(&scan),
        Rc::clone(&scan),
        Rc::clone(&scan),
    );
    rewrite_str(
        html,
        RewriteStrSettings::new()
            .append_element_content_handler(element!("[id], a[name]", move |el| {
                let mut s = s1.borrow_mut();
                for attr in ["id", "name"] {
                    if let Some(id) = el.get_attribute(attr)
                        && (attr == "id" || el.tag_name() == "a")
                    {
                        s.ids.insert(id);
                    }
                }
                Ok(())
            }))
            .append_element_content_handler(element!("a[href], area[href]", move |el| {
                if let Some(href) = el.get_attribute("href") {
                    add(&s2, href, false);
                }
                Ok(())
            }))
            .append_element_content_handler(element!("link[href]", move |el| {
                let rel = el.get_attribute("rel").unwrap_or_default().to_lowercase();
                // Hints to other origins are no references.
                if ["preconnect", "dns-prefetch"]
                    .iter()
                    .any(|r| rel.split_whitespace().any(|x| x == *r))
                {
                    return Ok(());
                }
                if let Some(href) = el.get_attribute("href") {
                    add(&s3, href, true);
                }
                Ok(())
            }))
            .append_element_content_handler(element!(
                "img[src], script[src], source[src], video[src], audio[src], track[src], \
                 iframe[src], embed[src], input[src], video[poster]",
                move |el| {
                    for attr in ["src", "poster"] {
                        if let Some(url) = el.get_attribute(attr) {
                            add(&s4, url, true);
                        }
                    }
                    Ok(())
                }
            ))
            .append_element_content_handler(element!("img[srcset], source[srcset]", move |el| {
                if let Some(set) = el.get_attribute("srcset") {
                    for candidate in set.split(',') {
                        if let Some(url) = candidate.split_whitespace().next() {
                            add(&s5, url.to_owned(), true);
                        }
                    }
                }
                Ok(())
            })),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let scan = Rc::try_unwrap(scan)
        .map_err(|_| anyhow::anyhow!("link scan state still shared"))?
        .into_inner();
    Ok(scan)
}

/// The routes of `spin.toml`'s `[[trigger.http]]` entries.
fn spin_routes(text: &str) -> Result<Vec<String>, String> {
    let value: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut routes = Vec::new();
    let triggers = value
        .get("trigger")
        .and_then(|t| t.get("http"))
        .and_then(|h| h.as_array());
    for trigger in triggers.into_iter().flatten() {
        // `route = { private = true }` is not reachable over HTTP.
        if let Some(toml::Value::String(route)) = trigger.get("route") {
            routes.push(route.clone());
        }
    }
    Ok(routes)
}

/// A component of `spin.toml` that serves the form API but would not read
/// this site's form manifest.
#[derive(Debug, PartialEq, Eq)]
struct MountProblem {
    component: String,
    message: String,
}

/// Every component a `[[trigger.http]]` route sends `/api/forms/…` to must
/// mount the site's `.letterbox/` at `/letterbox` (where Letterbox's
/// component reads `forms.json`), and its `source` must exist or be built.
fn spin_mount_problems(text: &str, root: &Path) -> Vec<MountProblem> {
    let Ok(value) = toml::from_str::<toml::Table>(text) else {
        return Vec::new(); // spin_routes reports the syntax error
    };
    let triggers = value
        .get("trigger")
        .and_then(|t| t.get("http"))
        .and_then(|h| h.as_array());
    let mut components: Vec<&str> = triggers
        .into_iter()
        .flatten()
        .filter(|t| {
            t.get("route")
                .and_then(|r| r.as_str())
                .is_some_and(|r| route_covers(r, "/api/forms/x"))
        })
        .filter_map(|t| t.get("component").and_then(|c| c.as_str()))
        .collect();
    components.sort_unstable();
    components.dedup();
    let mut problems = Vec::new();
    for name in components {
        let component = value.get("component").and_then(|c| c.get(name));
        let mounts_manifest = component
            .and_then(|c| c.get("files"))
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
            .any(|mount| {
                let clean = |key: &str| {
                    mount
                        .get(key)
                        .and_then(|v| v.as_str())
                        .map(|v| v.trim_start_matches("./").trim_end_matches('/').to_owned())
                };
                clean("source").as_deref() == Some(".letterbox")
                    && clean("destination").as_deref() == Some("/letterbox")
            });
        if !mounts_manifest {
            problems.push(MountProblem {
                component: name.to_owned(),
                message: format!(
                    "component `{name}` serves /api/forms/ but does not mount the form manifest: add \
                     `files = [{{ source = \".letterbox\", destination = \"/letterbox\" }}]` to \
                     [component.{name}]"
                ),
            });
        }
        let source = component
            .and_then(|c| c.get("source"))
            .and_then(|s| s.as_str());
        let built = component.is_some_and(|c| c.get("build").is_some());
        if let Some(source) = source
            && !built
            && !root.join(source).is_file()
        {
            problems.push(MountProblem {
                component: name.to_owned(),
                message: format!(
                    "component `{name}`: its source `{source}` does not exist; copy Letterbox's \
                     letterbox_api.wasm there (see \"Your own site, with its own API\" in the README)"
                ),
            });
        }
    }
    problems
}

/// Whether a Spin route (`/api/...`, `/api/forms/:name`, exact) covers `path`.
fn route_covers(route: &str, path: &str) -> bool {
    let route_parts: Vec<&str> = route.trim_matches('/').split('/').collect();
    let path_parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    for (i, part) in route_parts.iter().enumerate() {
        if *part == "..." {
            return true;
        }
        match path_parts.get(i) {
            Some(p) if part.starts_with(':') && !p.is_empty() => {}
            Some(p) if p == part => {}
            _ => return false,
        }
    }
    route_parts.len() == path_parts.len()
}

/// The 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle)
        .map(|pos| text[..pos].matches('\n').count() + 1)
}

fn check_forms(
    site: &Site,
    manifest: &letterbox_forms::Manifest,
    existing: &HashSet<&str>,
    base_path: &str,
    report: &mut CheckReport,
) -> anyhow::Result<()> {
    if manifest.forms.is_empty() {
        return Ok(());
    }
    let spin_file = site.root.join("spin.toml");
    let routes = if spin_file.is_file() {
        let text = std::fs::read_to_string(&spin_file)
            .with_context(|| format!("reading {}", spin_file.display()))?;
        for problem in spin_mount_problems(&text, &site.root) {
            report.problems.push(Problem {
                kind: ProblemKind::SpinManifest,
                file: "spin.toml".into(),
                line: line_of(&text, &format!("[component.{}]", problem.component)),
                message: problem.message,
            });
        }
        match spin_routes(&text) {
            Ok(routes) => Some(routes),
            Err(e) => {
                report.problems.push(Problem {
                    kind: ProblemKind::FormRoute,
                    file: "spin.toml".into(),
                    line: None,
                    message: format!("cannot read the routes: {e}"),
                });
                None
            }
        }
    } else {
        report.notes.push(format!(
            "no spin.toml in {}: the forms' API routes are not checked",
            site.root.display()
        ));
        None
    };
    let site_toml = std::fs::read_to_string(site.root.join("site.toml")).unwrap_or_default();
    for form in manifest.forms.values() {
        let source_text = read_source(&site.root, &form.page);
        let form_line = source_text
            .as_deref()
            .and_then(|t| line_of(t, &format!("data-form=\"{}\"", form.name)));
        if let Some(routes) = &routes {
            let path = format!("/api/forms/{}", form.name);
            if !routes.iter().any(|r| route_covers(r, &path)) {
                report.problems.push(Problem {
                    kind: ProblemKind::FormRoute,
                    file: form.page.clone(),
                    line: form_line,
                    message: format!(
                        "form \"{}\" posts to {path}, which no [[trigger.http]] route in spin.toml covers (routes: {})",
                        form.name,
                        if routes.is_empty() {
                            "none".to_owned()
                        } else {
                            routes.join(", ")
                        }
                    ),
                });
            }
        }
        if let Some(redirect) = &form.redirect {
            let path = redirect.split(['?', '#']).next().unwrap_or_default();
            let site_path = strip_base(path, base_path);
            let is_page = output_file(&site_path, existing).is_some_and(|o| o.ends_with(".html"));
            if !is_page {
                let attr = format!("data-redirect=\"{redirect}\"");
                let (file, line) = match source_text.as_deref().and_then(|t| line_of(t, &attr)) {
                    Some(line) => (form.page.clone(), Some(line)),
                    None => match line_of(&site_toml, &format!("[forms.{}]", form.name)) {
                        Some(line) => ("site.toml".to_owned(), Some(line)),
                        None => (form.page.clone(), form_line),
                    },
                };
                report.problems.push(Problem {
                    kind: ProblemKind::FormRedirect,
                    file,
                    line,
                    message: format!(
                        "form \"{}\" redirects to `{redirect}`, which is not a page of the site",
                        form.name
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The text of a form's declaring file: `content/…` or a template name.
fn read_source(root: &Path, page: &str) -> Option<String> {
    let direct = root.join(page);
    if let Ok(text) = std::fs::read_to_string(&direct) {
        return Some(text);
    }
    std::fs::read_to_string(root.join("templates").join(page)).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn spin_routes_cover_form_paths() {
        assert!(route_covers("/api/...", "/api/forms/contact"));
        assert!(route_covers("/...", "/api/forms/contact"));
        assert!(route_covers("/api/forms/...", "/api/forms/contact"));
        assert!(route_covers("/api/forms/:name", "/api/forms/contact"));
        assert!(route_covers("/api/forms/contact", "/api/forms/contact"));
        assert!(!route_covers("/api/forms/other", "/api/forms/contact"));
        assert!(!route_covers("/api/auth/...", "/api/forms/contact"));
        assert!(!route_covers("/api", "/api/forms/contact"));
        let routes = spin_routes(
            "[[trigger.http]]\nroute = \"/a/...\"\ncomponent = \"x\"\n\
             [[trigger.http]]\nroute = { private = true }\ncomponent = \"y\"\n",
        )
        .unwrap();
        assert_eq!(routes, vec!["/a/...".to_owned()]);
        assert!(spin_routes("[[trigger.http]\n").is_err());
    }

    #[test]
    fn the_api_component_must_mount_the_manifest() {
        let root = Path::new("/nonexistent");
        let head = "[[trigger.http]]\nroute = \"/api/...\"\ncomponent = \"api\"\n[component.api]\n";
        let mounted = format!(
            "{head}source = \"x.wasm\"\nfiles = [{{ source = \"./.letterbox/\", destination = \"/letterbox\" }}]\n\
             [component.api.build]\ncommand = \"letterbox build\"\n"
        );
        assert_eq!(spin_mount_problems(&mounted, root), []);

        let unmounted = format!("{head}source = \"x.wasm\"\nfiles = [\"static/**\"]\n");
        let problems = spin_mount_problems(&unmounted, root);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0]
                .message
                .contains("does not mount the form manifest")
        );
        assert!(problems[1].message.contains("`x.wasm` does not exist"));

        // Another route's component is none of our business.
        let other = "[[trigger.http]]\nroute = \"/other/...\"\ncomponent = \"o\"\n[component.o]\nsource = \"o.wasm\"\n";
        assert_eq!(spin_mount_problems(other, root), []);
    }

    #[test]
    fn urls_are_classified_and_resolved() {
        assert!(matches!(classify("mailto:a@b.c", ""), Target::Skip));
        assert!(matches!(
            classify("https://example.org/x/", "https://example.org"),
            Target::Internal(p) if p == "/x/"
        ));
        assert!(matches!(
            classify("https://other.org/", "https://example.org"),
            Target::External(_)
        ));
        assert_eq!(
            join_relative("blog/a/index.html", "pic.png"),
            "/blog/a/pic.png"
        );
        assert_eq!(join_relative("blog/a/index.html", "../b/"), "/blog/b/");
        assert_eq!(strip_base("/docs/x/", "/docs"), "/x/");
        assert_eq!(strip_base("/docsx/", "/docs"), "/docsx/");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        let existing: HashSet<&str> = ["index.html", "a/index.html", "s.css"].into();
        assert_eq!(output_file("/", &existing).as_deref(), Some("index.html"));
        assert_eq!(
            output_file("/a", &existing).as_deref(),
            Some("a/index.html")
        );
        assert_eq!(output_file("/s.css", &existing).as_deref(), Some("s.css"));
        assert_eq!(output_file("/b/", &existing), None);
    }

    #[test]
    fn scans_ids_and_references() {
        let scan = scan_html(
            r##"<h2 id="x">X</h2><a name="old"></a><a href="/a/#x">a</a>
            <img src="/p.png" srcset="/p1.png 1x, /p2.png 2x">
            <link rel="preconnect" href="https://cdn.example"><link rel="stylesheet" href="/s.css">
            <script src="/j.js"></script>"##,
        )
        .unwrap();
        assert!(scan.ids.contains("x") && scan.ids.contains("old"));
        let urls: Vec<&str> = scan.refs.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            ["/a/#x", "/p.png", "/p1.png", "/p2.png", "/s.css", "/j.js"]
        );
    }

    #[test]
    fn build_error_locations_are_read_from_the_error() {
        let mut template = Diagnostic::new("templates/page.html", Some(5), "template error: oops");
        template.column = Some(15);
        let problems = build_problems(vec![
            crate::diagnostic::error("content/a.md", Some(3), "broken link"),
            anyhow::Error::new(template),
            anyhow::anyhow!("no place"),
        ]);
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "content/a.md:3: build error: broken link",
                "templates/page.html:5: build error: template error: oops",
                "(build): build error: no place",
            ]
        );
    }
}
