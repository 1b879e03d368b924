//! Form discovery: finds every `<form data-form>` in a rendered page, derives
//! its schema, and rewrites it to post to the API.
//!
//! STUB: the signatures below are what the build pipeline calls; the bodies
//! are being written separately.

use std::collections::BTreeMap;

use letterbox_forms::{AuthRequirement, Form, Manifest};
use serde::Deserialize;

/// `[forms.<name>]` in `site.toml`: per-form settings that override the
/// form's `data-*` attributes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormConfig {
    /// Thank-you page (a site path such as `/contact/thanks/`).
    pub redirect: Option<String>,
    pub auth: Option<AuthRequirement>,
}

/// What discovery needs to know about the site.
#[derive(Debug, Clone, Default)]
pub struct FormSettings {
    /// `api_url` from `site.toml` (may be empty: same origin). Forms post to
    /// `<api_url>/api/forms/<name>`.
    pub api_url: String,
    pub overrides: BTreeMap<String, FormConfig>,
}

/// Rewrites every `form[data-form]` in `html` and returns the new HTML with
/// the forms found. `source` names the page's source file for messages.
pub fn rewrite_forms(
    html: &str,
    source: &str,
    settings: &FormSettings,
) -> anyhow::Result<(String, Vec<Form>)> {
    let _ = (source, settings);
    Ok((html.to_owned(), Vec::new()))
}

/// Gathers the forms of all pages into one manifest. A form name defined
/// differently on two pages is an error naming both pages.
pub fn build_manifest(forms: Vec<Form>) -> anyhow::Result<Manifest> {
    let mut manifest = Manifest::default();
    for form in forms {
        manifest.forms.entry(form.name.clone()).or_insert(form);
    }
    Ok(manifest)
}
