//! The form manifest: every page's forms in one, and the `[forms.<name>]`
//! tables that match none.

use std::path::Path;

use anyhow::Context as _;

use super::settings::FormSettings;
use crate::config::CONFIG_FILE;
use crate::diagnostic::Diagnostic;
use letterbox_forms::{Form, Manifest};

/// Gathers the forms of all pages into one manifest. A form name defined
/// differently on two pages is an error naming both pages; every conflict is
/// reported, not only the first.
pub(crate) fn build_manifest(forms: Vec<Form>) -> Result<Manifest, Vec<anyhow::Error>> {
    let mut manifest = Manifest::default();
    let mut errors = Vec::new();
    for form in forms {
        match manifest.forms.get(&form.name) {
            None => {
                manifest.forms.insert(form.name.clone(), form);
            }
            Some(first) if same_definition(first, &form) => {}
            Some(first) => errors.push(crate::diagnostic::error(
                &form.page,
                None,
                format!(
                    "form \"{}\" is defined differently in {} and {}: {}",
                    form.name,
                    first.page,
                    form.page,
                    describe_difference(first, &form)
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok(manifest)
    } else {
        Err(errors)
    }
}

/// `[forms.<name>]` entries in `site.toml` (whose text is `site_toml`) that
/// match no form of the site, as warnings at their line: a typo there would
/// otherwise silently do nothing.
pub(crate) fn unused_overrides(
    manifest: &Manifest,
    settings: &FormSettings,
    site_toml: &str,
) -> Vec<Diagnostic> {
    (settings.overrides.keys())
        .filter(|name| !manifest.forms.contains_key(*name))
        .map(|name| {
            let table = format!("[forms.{name}]");
            let line = (site_toml.lines())
                .position(|l| l.trim() == table)
                .map(|i| i + 1);
            Diagnostic::new(
                CONFIG_FILE,
                line,
                format!("{table} matches no form of the site"),
            )
        })
        .collect()
}

/// Whether two declarations of one form name are the same form. Their
/// languages count: the API answers a form in one language, so the same
/// form on an English and a French page needs two names.
fn same_definition(a: &Form, b: &Form) -> bool {
    a.fields == b.fields
        && a.redirect == b.redirect
        && a.auth == b.auth
        && a.honeypot == b.honeypot
        && a.lang == b.lang
}

fn describe_difference(a: &Form, b: &Form) -> String {
    if a.lang != b.lang {
        let code = |f: &Form| f.lang.clone().unwrap_or_default();
        return format!(
            "their pages are in different languages ({} and {}), and the API answers a form in \
             one language: give the {} one its own name, such as \"{}-{}\"",
            code(a),
            code(b),
            code(b),
            b.name,
            code(b)
        );
    }
    if a.redirect != b.redirect {
        return "their redirect targets differ".into();
    }
    if a.auth != b.auth {
        return "one requires login and the other does not".into();
    }
    if a.honeypot != b.honeypot {
        return "their honeypot fields differ".into();
    }
    let names = |f: &Form| f.fields.iter().map(|x| x.name.clone()).collect::<Vec<_>>();
    let (na, nb) = (names(a), names(b));
    if na != nb {
        return format!("fields [{}] vs [{}]", na.join(", "), nb.join(", "));
    }
    match a.fields.iter().zip(&b.fields).find(|(x, y)| x != y) {
        Some((x, _)) => format!("field \"{}\" has different constraints", x.name),
        None => "their definitions differ".into(),
    }
}

/// The form manifest of `forms`, and as JSON.
pub(crate) fn manifest_json(
    forms: impl IntoIterator<Item = letterbox_forms::Form>,
) -> Result<(Manifest, String), Vec<anyhow::Error>> {
    let manifest = build_manifest(forms.into_iter().collect())?;
    let json = serde_json::to_string_pretty(&manifest)
        .context("serialising the form manifest")
        .map_err(|e| vec![e])?;
    Ok((manifest, json))
}

/// Writes the manifest's JSON to `path` (through a temporary file beside it).
pub(crate) fn write_manifest(path: &Path, json: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}
