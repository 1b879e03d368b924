//! Forms against `spin.toml`: the API component mounts the manifest, a
//! route covers each form, each thank-you page exists.

use super::links::{output_file, strip_base};
use super::outbound::outbound_problems;
use super::report::{CheckReport, Problem, ProblemKind};
use crate::site::Site;
use crate::text::line_of;
use anyhow::Context as _;
use std::collections::HashSet;
use std::path::Path;

/// The routes of `spin.toml`'s `[[trigger.http]]` entries.
pub(super) fn spin_routes(text: &str) -> Result<Vec<String>, String> {
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
pub(super) struct MountProblem {
    pub(super) component: String,
    pub(super) message: String,
}

/// Every component a `[[trigger.http]]` route sends `/api/forms/…` to must
/// mount the site's `.letterbox/` at `/letterbox` (where Letterbox's
/// component reads `forms.json`), and its `source` must exist or be built.
pub(super) fn spin_mount_problems(text: &str, root: &Path) -> Vec<MountProblem> {
    let Ok(value) = toml::from_str::<toml::Table>(text) else {
        return Vec::new(); // spin_routes reports the syntax error
    };
    let components = api_components(&value);
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

/// The components a `[[trigger.http]]` route sends `/api/forms/…` to.
pub(super) fn api_components(spin: &toml::Table) -> Vec<&str> {
    let triggers = spin
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
    components
}

/// Whether a Spin route (`/api/...`, `/api/forms/:name`, exact) covers `path`.
pub(super) fn route_covers(route: &str, path: &str) -> bool {
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

/// The 1-based line of the first occurrence of `needle` in `text` (where
/// [`line_of`] takes a byte offset).
fn line_of_first(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|pos| line_of(text, pos))
}

/// Checks every form of the manifest: `spin.toml` routes each to an API
/// component that reads the manifest, and each redirect is a page of the
/// site. Problems go to `report`, at the line that declares them.
pub(super) fn check_forms(
    site: &Site,
    manifest: &letterbox_forms::Manifest,
    existing: &HashSet<&str>,
    base_path: &str,
    report: &mut CheckReport,
) -> anyhow::Result<()> {
    if manifest.forms.is_empty() {
        return Ok(());
    }
    let routes = check_spin_toml(site, manifest, report)?;
    let site_toml = std::fs::read_to_string(site.root.join("site.toml")).unwrap_or_default();
    for form in manifest.forms.values() {
        let source_text = read_source(&site.root, &form.page);
        let form_line = source_text
            .as_deref()
            .and_then(|t| line_of_first(t, &format!("data-form=\"{}\"", form.name)));
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
                let (file, line) = match source_text
                    .as_deref()
                    .and_then(|t| line_of_first(t, &attr))
                {
                    Some(line) => (form.page.clone(), Some(line)),
                    None => match line_of_first(&site_toml, &format!("[forms.{}]", form.name)) {
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

/// Reads `spin.toml`: its mount and outbound problems go to `report`;
/// returns its routes (`None` when there is no file or it cannot be read).
fn check_spin_toml(
    site: &Site,
    manifest: &letterbox_forms::Manifest,
    report: &mut CheckReport,
) -> anyhow::Result<Option<Vec<String>>> {
    let spin_file = site.root.join("spin.toml");
    if !spin_file.is_file() {
        report.notes.push(format!(
            "no spin.toml in {}: the forms' API routes are not checked",
            site.root.display()
        ));
        return Ok(None);
    }
    let text = std::fs::read_to_string(&spin_file)
        .with_context(|| format!("reading {}", spin_file.display()))?;
    for problem in spin_mount_problems(&text, &site.root) {
        report.problems.push(Problem {
            kind: ProblemKind::SpinManifest,
            file: "spin.toml".into(),
            line: line_of_first(&text, &format!("[component.{}]", problem.component)),
            message: problem.message,
        });
    }
    if let Ok(spin) = toml::from_str::<toml::Table>(&text) {
        let components = api_components(&spin);
        for problem in outbound_problems(&spin, &components, manifest) {
            report.problems.push(Problem {
                kind: ProblemKind::SpinManifest,
                file: "spin.toml".into(),
                line: line_of_first(&text, &format!("[component.{}]", problem.component)),
                message: format!(
                    "form \"{}\": {} (component `{}`)",
                    problem.form, problem.message, problem.component
                ),
            });
        }
    }
    Ok(match spin_routes(&text) {
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
    })
}

/// The text of a form's declaring file: `content/…` or a template name.
fn read_source(root: &Path, page: &str) -> Option<String> {
    let direct = root.join(page);
    if let Ok(text) = std::fs::read_to_string(&direct) {
        return Some(text);
    }
    std::fs::read_to_string(root.join("templates").join(page)).ok()
}
