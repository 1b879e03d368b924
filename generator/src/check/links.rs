//! Links and assets: the references of every rendered page, where each
//! came from, and whether it points to something in the output.

use super::report::{CheckReport, Problem, ProblemKind};
use crate::model::{Job, JobKind};
use crate::site::Output;
use crate::site::Site;
use anyhow::Context as _;
use lol_html::{RewriteStrSettings, element, rewrite_str};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

/// A reference found in a rendered page.
#[derive(Debug, Clone)]
pub(super) struct Reference {
    pub(super) url: String,
    /// `a[href]` (a link) or an asset (`img[src]`, `link[href]`, …).
    pub(super) asset: bool,
}

/// Ids and references of one rendered HTML file.
#[derive(Debug, Default)]
pub(super) struct Scan {
    pub(super) ids: HashSet<String>,
    pub(super) refs: Vec<Reference>,
}

/// Where an output file came from.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    /// Source file for messages.
    pub(super) file: String,
    /// Markdown body and the line it starts on, for content pages.
    pub(super) body: Option<(String, usize)>,
    /// The template that rendered it.
    pub(super) template: Option<String>,
}

/// the admin inbox (by template). Other files have no origin.
pub(super) fn origins(site: &Site, jobs: &[Job]) -> HashMap<String, Origin> {
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
pub(super) fn find_line(origin: &Origin, url: &str) -> (Option<usize>, String) {
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

pub(super) enum Target {
    Skip,
    External(String),
    /// Site-relative or page-relative URL, with the base path.
    Internal(String),
}

pub(super) fn classify(url: &str, origin: &str) -> Target {
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
pub(super) fn join_relative(out: &str, rel: &str) -> String {
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

pub(super) fn strip_base(path: &str, base_path: &str) -> String {
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
pub(super) fn output_file(site_path: &str, existing: &HashSet<&str>) -> Option<String> {
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

/// `text` percent-decoded as a browser would ask the server for it; text
/// that does not decode (a stray `%`, not UTF-8) is taken as it is.
pub(super) fn percent_decode(text: &str) -> String {
    letterbox_forms::text::percent_decode(text).unwrap_or_else(|_| text.to_owned())
}

/// Ids and references of a rendered page, read with lol_html.
pub(super) fn scan_html(html: &str) -> anyhow::Result<Scan> {
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

/// Where a reference was found.
#[derive(Debug, Clone, Default)]
pub(super) struct Place {
    pub file: String,
    pub line: Option<usize>,
}

/// Checks every internal reference (link, anchor, asset) of every rendered
/// HTML file of `output` against the output (`existing`), reporting at the
/// source each came from (`jobs` say which); returns the external URLs
/// with where they were found when `external_links`.
// Long: one pass over every reference; the bookkeeping it shares (links
// seen per file, template links reported once, external places) would
// otherwise travel between functions.
pub(super) fn check_links(
    site: &Site,
    output: &Output,
    jobs: &[Job],
    existing: &HashSet<&str>,
    external_links: bool,
    report: &mut CheckReport,
) -> anyhow::Result<BTreeMap<String, Vec<Place>>> {
    let base_path = site.config.base_path();
    let origin = site.config.origin();

    let origins = origins(site, jobs);

    // Scan every HTML file: ids and references.
    let mut scans: BTreeMap<&str, Scan> = BTreeMap::new();
    for (out, text) in &output.files {
        if out.ends_with(".html") {
            let scan = scan_html(text).with_context(|| format!("{out}: cannot parse the HTML"))?;
            scans.insert(out.as_str(), scan);
        }
    }
    report.pages = scans.len();

    let mut external: BTreeMap<String, Vec<Place>> = BTreeMap::new();
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
                    if external_links {
                        let line = find_line(source, url).0;
                        external.entry(u).or_default().push(Place {
                            file: source.file.clone(),
                            line,
                        });
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
                output_file(&site_path, existing)
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
    Ok(external)
}
