//! `letterbox check`: builds the site in memory (nothing is written: neither
//! the output folder nor `.letterbox/`) and reports what points nowhere —
//! internal links and `#anchors`, images and assets, forms without an API
//! route in `spin.toml` or with a thank-you page that does not exist, and,
//! with [`CheckOptions::external`], external http(s) links.

mod external;
mod links;
mod outbound;
mod report;
mod spin;
mod translations;

pub use report::{CheckOptions, CheckReport, Problem, ProblemKind};

use std::collections::HashSet;
use std::path::PathBuf;

use crate::diagnostic::Diagnostic;
use crate::site::{BuildOptions, Site};
use external::check_external;
use links::check_links;
use spin::check_forms;

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
    let site_toml = std::fs::read_to_string(options.root.join(crate::config::CONFIG_FILE));
    translations::check_translations(&site.config, &site_toml.unwrap_or_default(), &mut report);
    let mut markdown = site.render_markdown();
    let errors = std::mem::take(&mut markdown.errors);
    let rendered = site.render_kept(&mut markdown, errors);
    let (output, kept) = match rendered {
        Ok(rendered) => rendered,
        Err(e) => {
            report.problems.extend(build_problems(e.errors));
            return Ok(report);
        }
    };
    let base_path = site.config.base_path();
    let mut existing: HashSet<&str> = output.files.iter().map(|(o, _)| o.as_str()).collect();
    existing.extend(output.copies.iter().map(|(_, o)| o.as_str()));
    let external = check_links(
        &site,
        &output,
        &kept.model.jobs,
        &existing,
        options.external,
        &mut report,
    )?;

    // Forms: a route in spin.toml, a redirect to a page.
    if let Some(manifest) = output.manifest() {
        check_forms(&site, manifest, &existing, &base_path, &mut report)?;
    }

    if options.external {
        check_external(&external, options, &mut report);
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
#[cfg(test)]
mod tests;
