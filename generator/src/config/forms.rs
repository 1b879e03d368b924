//! `[forms.<name>]` in `site.toml`.

use letterbox_forms::AuthRequirement;
use serde::Deserialize;

/// `[forms.<name>]` in `site.toml`: per-form settings that override the
/// form's `data-*` attributes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FormConfig {
    /// Thank-you page (a site path such as `/contact/thanks/`).
    pub redirect: Option<String>,
    pub auth: Option<AuthRequirement>,
}
